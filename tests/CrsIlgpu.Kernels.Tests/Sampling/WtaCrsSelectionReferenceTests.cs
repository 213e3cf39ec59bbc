namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>The reference's semantics against DESIGN.md §3, recomputed in double where it matters.</summary>
public class WtaCrsSelectionReferenceTests
{
    [Theory]
    [InlineData(100, 0.5, 50)]
    [InlineData(100, 0.05, 10)] // k_min
    [InlineData(7, 0.5, 7)] // N < k_min: every row
    [InlineData(1, 0.1, 1)]
    [InlineData(12608, 0.3, 3782)]
    [InlineData(12608, 1.0, 12608)]
    public void BudgetIsMinOfNAndMaxOfFloorRhoNAndKMin(int n, double rho, int expected) =>
        Assert.Equal(expected, WtaCrsBudget.For(n, rho));

    [Fact]
    public void FullBudgetKeepsEveryRowExactly()
    {
        var scores = WtaCrsSelectionOpTests.Scores("heavy", 40, 1);
        var result = WtaCrsSelectionReference.Select(scores, 40, 1, 2, 3);
        Assert.Equal(40, result.Winners);
        Assert.Equal(Enumerable.Range(0, 40), result.Indices);
        Assert.All(result.Scales, s => Assert.Equal(1f, s));
    }

    [Fact]
    public void ZeroScoresGiveZeroScales()
    {
        var result = WtaCrsSelectionReference.Select(new float[50], 15, 1, 2, 3);
        Assert.Equal(0, result.Winners);
        Assert.All(result.Scales, s => Assert.Equal(0f, s));
        Assert.Equal(15, result.Indices.Distinct().Count());
    }

    /// <summary>
    /// Winners are the c largest p (ties by lower row), c is the double-precision argmin of
    /// (1 − P_c)/(k − c) with ties to the larger c, and every draw's scale is (1 − P_c)/(s·p_j) to
    /// 1e-5 relative (float p and prefix sums of ≤ 1500 terms against double).
    /// </summary>
    [Theory]
    [InlineData("heavy", 300, 0.1)]
    [InlineData("heavy", 1500, 0.3)]
    [InlineData("uniform", 100, 0.2)]
    [InlineData("sparse", 140, 0.4)]
    [InlineData("sparse", 140, 0.05)]
    public void WinnersAndScalesFollowTheDefinition(string pattern, int n, double rho)
    {
        var scores = WtaCrsSelectionOpTests.Scores(pattern, n, 5);
        var k = WtaCrsBudget.For(n, rho);
        var result = WtaCrsSelectionReference.Select(scores, k, 9, 4, 1);
        var sum = scores.Sum(s => (double)s);
        var p = scores.Select(s => s / sum).ToArray();
        var sorted = Enumerable.Range(0, n).OrderByDescending(i => p[i]).ThenBy(i => i).ToArray();

        var best = double.PositiveInfinity;
        var expectedC = 0;
        var taken = 0.0;
        for (var c = 0; c < k; c++)
        {
            var objective = Math.Max(0, 1 - taken) / (k - c);
            if (objective <= best * (1 + 1e-9))
            {
                best = Math.Min(best, objective);
                expectedC = c;
            }
            taken += p[sorted[c]];
        }
        Assert.Equal(expectedC, result.Winners);
        if (pattern == "uniform")
            Assert.Equal(0, result.Winners); // equal p: winners never pay off
        if (pattern == "heavy")
            Assert.True(result.Winners > 0);

        var c0 = result.Winners;
        Assert.Equal(sorted.Take(c0), result.Indices.Take(c0));
        Assert.All(result.Scales.Take(c0), s => Assert.Equal(1f, s));
        var rest = 1 - sorted.Take(c0).Sum(i => p[i]);
        for (var t = c0; t < k; t++)
        {
            var j = result.Indices[t];
            if (rest < 1e-9)
            {
                // Only zero-probability rows remain (sparse scores, k past the nonzero rows): the
                // draws contribute nothing, with scale 0.
                Assert.Equal(0f, result.Scales[t]);
                continue;
            }
            Assert.True(p[j] > 0, $"row {j} with p = 0 was drawn");
            Assert.DoesNotContain(j, result.Indices.Take(c0)); // draws come from the other rows
            var expectedScale = rest / ((k - c0) * p[j]);
            Assert.True(Math.Abs(result.Scales[t] - expectedScale) <= 1e-5 * expectedScale, $"scale {t}: {result.Scales[t]} vs {expectedScale}");
        }
    }

    /// <summary>
    /// Over 4000 steps, the draws hit each remaining row with probability p_j/(1 − P_c):
    /// every row's count within 5σ of its binomial expectation, the c winners never drawn.
    /// </summary>
    [Fact]
    public void DrawFrequenciesFollowTheRemainingProbabilities()
    {
        const int n = 24;
        const int steps = 4000;
        var scores = Enumerable.Range(0, n).Select(i => i < 2 ? 40f : 1f + i % 5).ToArray();
        var k = WtaCrsBudget.For(n, 0.4); // 10
        var counts = new int[n];
        var winners = -1;
        for (var step = 0UL; step < steps; step++)
        {
            var result = WtaCrsSelectionReference.Select(scores, k, 77, step, 0);
            winners = result.Winners;
            for (var t = result.Winners; t < k; t++)
                counts[result.Indices[t]]++;
        }
        Assert.Equal(2, winners); // the two large rows win: (1 − P_2)/8 < 1/10
        var rest = scores.Skip(2).Sum(s => (double)s);
        var total = (double)steps * (k - winners);
        Assert.Equal(0, counts[0] + counts[1]);
        for (var j = 2; j < n; j++)
        {
            var q = scores[j] / rest;
            var sigma = Math.Sqrt(total * q * (1 - q));
            Assert.InRange(counts[j], total * q - 5 * sigma, total * q + 5 * sigma);
        }
    }

    [Fact]
    public void TiesAreOrderedByLowerRowIndex()
    {
        // 20 equal large rows: if any win they are the lowest indices.
        var scores = Enumerable.Range(0, 200).Select(i => i % 10 == 0 ? 50f : 0.01f).ToArray();
        var result = WtaCrsSelectionReference.Select(scores, 30, 1, 1, 1);
        Assert.Equal(20, result.Winners);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 10 * i), result.Indices.Take(20));
    }

    /// <summary>
    /// The device-wide path reads Q_total as the chunked total of the sorted p (before it writes the
    /// prefix sums); the reference reads the last prefix sum. They are the same float: the last
    /// non-empty chunk's offset plus its sequential sum, then + 0 for each empty chunk after it.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    [InlineData(1023)]
    [InlineData(1025)]
    [InlineData(12608)]
    [InlineData(50000)]
    public void ChunkedTotalIsTheLastPrefixSumBitForBit(int n)
    {
        var random = new Random(n);
        var values = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * Math.Exp(3 * random.NextDouble()))).ToArray();
        Assert.Equal(BitConverter.SingleToInt32Bits(WtaCrsSelectionReference.ChunkedPrefix(values)[n - 1]),
            BitConverter.SingleToInt32Bits(WtaCrsSelectionReference.ChunkedTotal(values)));
    }

    /// <summary>The packed-key sort gives (p descending, row ascending): the order a float comparison defines, −0 tying with +0.</summary>
    [Fact]
    public void SortedOrderIsPDescendingThenRowAscending()
    {
        var random = new Random(8);
        var p = Enumerable.Range(0, 500).Select(i => (i % 5) switch
        {
            0 => 0f,
            1 => -0f,
            2 => (float)random.Next(3) / 7, // ties
            _ => (float)random.NextDouble() * (i % 2 == 0 ? 1e-30f : 1f),
        }).ToArray();
        var expected = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ThenBy(i => i).ToArray();
        Assert.Equal(expected, WtaCrsSelectionReference.SortedOrder(p));
    }
}
