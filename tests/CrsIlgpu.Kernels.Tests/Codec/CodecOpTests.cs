using CrsIlgpu.Kernels.Codec;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Tests.Reduction;

namespace CrsIlgpu.Kernels.Tests.Codec;

/// <summary>
/// The kernels (CPU accelerator), the C# CPU backend and the reference give the same bytes: payload,
/// int8 scales and decoded values, at row widths 1, 3, 32, 33, 768 and 3072 with odd and even lengths,
/// on inputs laced with the special values (NaN, ±Inf, ±0, subnormals, bf16 ties, a zero row).
/// </summary>
[KernelPath]
public class CodecOpTests
{
    public static TheoryData<SavedPrecision, int, int> Shapes()
    {
        var data = new TheoryData<SavedPrecision, int, int>();
        foreach (var precision in new[] { SavedPrecision.Bf16, SavedPrecision.Int8 })
            foreach (var (rows, width) in new[] { (7, 1), (5, 3), (4, 32), (3, 33), (9, 33), (2, 768), (3, 3072), (1, 1001) })
                data.Add(precision, rows, width);
        return data;
    }

    /// <summary>Gaussians of varied magnitude, special values in some rows, row 1 all zeros (when there are 3+ rows).</summary>
    private static float[] Laced(int rows, int width, int seed)
    {
        var x = Int8BoundTests.Gaussian(rows * width, seed);
        var random = new Random(seed + 1);
        float[] specials =
        [
            float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, -float.Epsilon,
            CodecRun.FromBits(0x3F808000), CodecRun.FromBits(0x3F818000), CodecRun.FromBits(0x00018000), CodecRun.FromBits(0x7F800001),
        ];
        for (var r = 0; r < rows; r++)
        {
            var magnitude = MathF.Pow(10, random.Next(-6, 7));
            for (var j = 0; j < width; j++)
                x[r * width + j] *= magnitude;
            if (r % 3 == 2) // every third row gets a special value somewhere (so other rows stay finite for int8)
                x[r * width + random.Next(width)] = specials[random.Next(specials.Length)];
        }
        if (rows >= 3)
            Array.Clear(x, width, width);
        return x;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void KernelsCpuBackendAndReferenceGiveTheSameBytes(SavedPrecision precision, int rows, int width)
    {
        var x = Laced(rows, width, 100 * rows + width);
        var reference = CodecRun.Reference(x, precision, width);
        var kernels = CodecRun.OnDevice(TestAccelerators.Kernels, x, precision, rows, width);
        var cpu = CodecRun.OnDevice(TestAccelerators.CpuBackend, x, precision, rows, width);
        foreach (var (name, run) in new[] { ("kernels", kernels), ("cpu", cpu) })
        {
            Assert.True(reference.Payload.AsSpan().SequenceEqual(run.Payload),
                $"{name}: payload differs at byte {FirstDifference(reference.Payload, run.Payload)}");
            Assert.Equal(reference.ScaleBits, run.ScaleBits);
            Assert.True(reference.DecodedBits.AsSpan().SequenceEqual(run.DecodedBits),
                $"{name}: decoded differs at {FirstDifference(reference.DecodedBits, run.DecodedBits)}");
        }
        Assert.Equal(x.Length * EncodedTensor.BytesPerElement(precision), reference.Payload.Length);
    }

    private static int FirstDifference<T>(T[] a, T[] b) => Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => !Equals(a[i], b[i]), -1);

    [Theory]
    [MemberData(nameof(GroupSizeCases.GroupSizesAndRowLengths), MemberType = typeof(GroupSizeCases))]
    public void Int8EncodeKernelIsRightForAnyGroupSize(int groupSize, int n)
    {
        var device = TestAccelerators.Kernels;
        const int rows = 4;
        var x = Laced(rows, n, groupSize + n);
        var reference = CodecRun.Reference(x, SavedPrecision.Int8, n);
        using var tx = TestData.Tensor(device, x, rows, n);
        using var encoded = new EncodedTensor(device.Pool, SavedPrecision.Int8, MemoryTag.Workspace, "x", rows, n);
        CodecKernels.LaunchInt8Encode(device, tx.View, encoded.Int8View, encoded.ScalesView, rows, n, groupSize);
        device.Synchronize();
        Assert.Equal(reference.Payload, encoded.PayloadToArray());
        Assert.Equal(reference.ScaleBits, CodecRun.Bits(encoded.ScalesToArray()));
    }

    [Theory]
    [MemberData(nameof(DeviceTests.Devices), MemberType = typeof(DeviceTests))]
    public void RowsAreTheLastDimensionOfAnyRankAndViewsEncode(string deviceName)
    {
        var device = TestAccelerators.Named(deviceName);
        var x = Laced(6, 33, 3);
        var reference = CodecRun.Reference(x, SavedPrecision.Int8, 33);
        Assert.Equal(reference.ScaleBits, CodecRun.OnDevice(device, x, SavedPrecision.Int8, 2, 3, 33).ScaleBits);

        // A slice of a larger tensor (a view at an offset) encodes its own elements.
        using var whole = TestData.Tensor(device, [.. new float[33], .. x], 7, 33);
        using var view = whole.Slice(33, "rows1to6", 6, 33);
        using var encoded = CodecOp.Encode(device, view, SavedPrecision.Int8, MemoryTag.Workspace);
        device.Synchronize();
        Assert.Equal(reference.Payload, encoded.PayloadToArray());
        Assert.Equal("rows1to6", encoded.Label); // the tensor's label when none is given
    }

    [Theory]
    [InlineData(SavedPrecision.Bf16, 1)]
    [InlineData(SavedPrecision.Int8, 2)]
    public void BlocksAndBytesAreThePayloadAndTheScales(SavedPrecision precision, int blocks)
    {
        var device = TestAccelerators.CpuBackend;
        var before = device.Pool.Allocated;
        using var x = TestData.Tensor(device, TestData.Uniform(5 * 7 * 33, 1), 5, 7, 33);
        var beforeEncode = device.Pool.Allocated;
        var encoded = CodecOp.Encode(device, x, precision, MemoryTag.Activations, "h");
        Assert.Equal(blocks, encoded.Blocks.Count);
        var expected = precision == SavedPrecision.Bf16 ? 2L * 5 * 7 * 33 : 5L * 7 * 33 + 4L * 5 * 7;
        Assert.Equal(expected, encoded.Bytes);
        Assert.Equal(expected, EncodedTensor.BytesFor(precision, 5, 7, 33));
        Assert.Equal(beforeEncode + expected, device.Pool.Allocated);
        Assert.Equal((33, 35L, true), (encoded.RowWidth, encoded.Rows, encoded.HasData));
        Assert.All(encoded.Blocks, b => Assert.Equal(MemoryTag.Activations, b.Tag));
        Assert.Equal(blocks == 2 ? ["h", "h.scales"] : ["h"], encoded.Blocks.Select(b => b.Label).ToArray());

        var savedBefore = device.Pool.LiveBytes(MemoryTag.SavedForBackward);
        foreach (var block in encoded.Blocks)
            device.Pool.Retag(block, MemoryTag.SavedForBackward);
        Assert.Equal(savedBefore + expected, device.Pool.LiveBytes(MemoryTag.SavedForBackward));

        encoded.Dispose();
        encoded.Dispose(); // twice is harmless
        Assert.Equal(beforeEncode, device.Pool.Allocated);
        Assert.Throws<ObjectDisposedException>(() => encoded.PayloadToArray());
        x.Dispose();
        Assert.Equal(before, device.Pool.Allocated);
    }

    [Fact]
    public void ChecksComeBeforeAnyAllocation()
    {
        var device = TestAccelerators.CpuBackend;
        using var x = TestData.Tensor(device, new float[12], 3, 4);
        using var wrong = TestData.Tensor(device, new float[13], 13);
        var allocated = device.Pool.Allocated;
        Rejects.With(() => CodecOp.Encode(device, x, SavedPrecision.Fp32, MemoryTag.Workspace), "Fp32", "nothing to encode");
        Assert.Equal(allocated, device.Pool.Allocated);
        Assert.Throws<ArgumentException>(() => new EncodedTensor(device.Pool, SavedPrecision.Fp32, MemoryTag.Workspace, "x", 3, 4));

        using var encoded = CodecOp.Encode(device, x, SavedPrecision.Int8, MemoryTag.Workspace, "e");
        Rejects.With(() => CodecOp.Decode(device, encoded, wrong), CodecKernels.Int8DecodeName, "[13]", "[3, 4]");
        Rejects.With(() => CodecOp.EncodeInto(device, wrong, encoded), CodecKernels.Int8EncodeName, "[13]", "[3, 4]");
        using var other = CodecOp.Encode(device, x, SavedPrecision.Bf16, MemoryTag.Workspace, "b");
        Assert.Throws<InvalidOperationException>(() => other.ScalesSpan());
        Assert.Empty(other.ScalesToArray());
    }

    [Theory]
    [MemberData(nameof(DeviceTests.Devices), MemberType = typeof(DeviceTests))]
    public void EmptyTensorsEncodeAndDecodeToNothing(string deviceName)
    {
        var device = TestAccelerators.Named(deviceName);
        foreach (var shape in new[] { new[] { 0, 5 }, [4, 0], [0] })
            foreach (var precision in new[] { SavedPrecision.Bf16, SavedPrecision.Int8 })
            {
                using var x = new Tensor(device.Pool, MemoryTag.Workspace, "empty", shape);
                using var encoded = CodecOp.Encode(device, x, precision, MemoryTag.Workspace);
                CodecOp.Decode(device, encoded, x);
                Assert.Equal(EncodedTensor.BytesFor(precision, shape), encoded.Bytes);
            }
    }

    [Fact]
    public void PlanAllocatesExactlyWhatTheKernelPathAllocatesAndLaunchesNothing()
    {
        using var planner = DeviceContext.CreatePlanner();
        using var real = TestDevices.Create("kernels");
        int[][] shapes = [[4, 65, 768], [5, 33], [7, 1], [1001]];
        foreach (var device in new[] { planner, real })
        {
            var tensors = new List<IDisposable>();
            foreach (var shape in shapes)
            {
                var x = new Tensor(device.Pool, MemoryTag.Activations, "x", shape);
                var y = new Tensor(device.Pool, MemoryTag.Workspace, "y", shape);
                foreach (var precision in new[] { SavedPrecision.Bf16, SavedPrecision.Int8 })
                {
                    var encoded = CodecOp.Encode(device, x, precision, MemoryTag.SavedForBackward, $"{precision}.{shape.Length}");
                    CodecOp.Decode(device, encoded, y);
                    tensors.Add(encoded);
                }
                tensors.AddRange([x, y]);
            }
            device.Synchronize();
            Assert.Equal(shapes.Sum(s => EncodedTensor.BytesFor(SavedPrecision.Bf16, s) + EncodedTensor.BytesFor(SavedPrecision.Int8, s)),
                device.Pool.LiveBytes(MemoryTag.SavedForBackward));
            tensors.ForEach(t => t.Dispose());
        }
        Assert.Equal(planner.Pool.PeakAllocated, real.Pool.PeakAllocated);
        Assert.Equal(planner.Pool.PeakBytes(MemoryTag.SavedForBackward), real.Pool.PeakBytes(MemoryTag.SavedForBackward));
        Assert.Equal(0, planner.LoadedKernels);
        Assert.Equal(4, real.LoadedKernels);
    }

    [Theory]
    [MemberData(nameof(DeviceTests.Devices), MemberType = typeof(DeviceTests))]
    public void TheProfilerSeesEachCodecUnderItsCatalogName(string deviceName)
    {
        using var device = TestDevices.Create(deviceName);
        device.Profiler.Enabled = true;
        using var x = TestData.Tensor(device, TestData.Uniform(6 * 40, 2), 6, 40);
        foreach (var precision in new[] { SavedPrecision.Bf16, SavedPrecision.Int8 })
        {
            using var encoded = CodecOp.Encode(device, x, precision, MemoryTag.Workspace);
            CodecOp.Decode(device, encoded, x);
        }
        var stats = device.Profiler.Summary().ToDictionary(s => s.Kernel);
        foreach (var name in CodecKernels.Catalog.Select(e => e.Name))
            Assert.Equal(1, stats[name].Launches);
        Assert.Equal(5.0 * 240 + 4.0 * 6, stats[CodecKernels.Int8EncodeName].Bytes);
        Assert.Equal(6.0 * 240, stats[CodecKernels.Bf16DecodeName].Bytes);
    }
}
