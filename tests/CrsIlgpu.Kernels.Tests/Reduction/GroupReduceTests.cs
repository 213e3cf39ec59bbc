using CrsIlgpu.Kernels.Reduction;
using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Reduction;

public class GroupReduceTests
{
    // One group per row: sums and maxima of each row of x, written by thread 0.
    private static void RowSumMax(ArrayView<float> x, ArrayView<float> sums, ArrayView<float> maxima, int rowLength)
    {
        var row = Grid.IdxX;
        var sum = 0f;
        var max = float.NegativeInfinity;
        for (var j = Group.IdxX; j < rowLength; j += Group.DimX)
        {
            sum += x[row * rowLength + j];
            max = IntrinsicMath.Max(max, x[row * rowLength + j]);
        }
        sum = GroupReduce.Sum(sum);
        max = GroupReduce.Max(max);
        if (Group.IdxX == 0)
        {
            sums[row] = sum;
            maxima[row] = max;
        }
    }

    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(256)]
    public void SumAndMaxAreRightForAnyGroupSize(int groupSize)
    {
        const int rows = 3, rowLength = 300;
        var accelerator = TestAccelerators.Accelerator;
        var data = TestData.Uniform(rows * rowLength, groupSize);
        using var x = accelerator.Allocate1D(data);
        using var sums = accelerator.Allocate1D<float>(rows);
        using var maxima = accelerator.Allocate1D<float>(rows);
        var kernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(RowSumMax);
        kernel(new KernelConfig(rows, groupSize), x.View, sums.View, maxima.View, rowLength);
        accelerator.Synchronize();

        var gotSums = sums.GetAsArray1D();
        var gotMax = maxima.GetAsArray1D();
        for (var r = 0; r < rows; r++)
        {
            var row = data.AsSpan(r * rowLength, rowLength).ToArray();
            Assert.Equal(row.Sum(v => (double)v), gotSums[r], 1e-4);
            Assert.Equal(row.Max(), gotMax[r]);
        }
    }
}
