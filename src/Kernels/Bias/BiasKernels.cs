using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Bias;

/// <summary>
/// GEMM epilogues: bias add y[r, c] += b[c], and the bias gradient db[c] = Σ_r dy[r, c] as two
/// deterministic passes of <see cref="ColumnSumTile"/> (partials per row block, then their sum).
/// </summary>
public static class BiasKernels
{
    public const string AddName = "bias_add";
    public const string GradPartialName = "bias_grad_partial";
    public const string GradFinalName = "bias_grad_final";

    /// <summary>256 threads = 32 columns × 8 row lanes.</summary>
    public const int DefaultGroupSize = 256;

    /// <summary>
    /// Rows per block of the first pass: 128 rows → 99 blocks at 12,608 rows, so even 192 columns
    /// give 594 groups (several per SM) and each thread sums 16 values; the partials are ~1% of dy.
    /// </summary>
    public const int DefaultRowsPerBlock = 128;

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(BiasKernels), "Bias",
    [
        (AddName, nameof(BiasAddRows), KernelGrouping.Implicit, "y[r, c] += b[c] (GEMM epilogue)"),
        (GradPartialName, nameof(BiasGradPartialSums), KernelGrouping.Explicit, "partial[blk, c] = sum of dy[r, c] over a row block"),
        (GradFinalName, nameof(BiasGradFinalSums), KernelGrouping.Explicit, "db[c] = sum of partial[blk, c] over blocks"),
    ]);

    internal static void BiasAddRows(Index1D i, ArrayView<float> y, ArrayView<float> b, int cols) => y[i] += b[i % cols];

    internal static void BiasGradPartialSums(ArrayView<float> dy, ArrayView<float> partial, int rows, int cols, int rowsPerBlock) =>
        ColumnSumTile.Sum(dy, 0, cols, rows, cols, rowsPerBlock, partial);

    internal static void BiasGradFinalSums(ArrayView<float> partial, ArrayView<float> db, int blocks, int cols) =>
        ColumnSumTile.Sum(partial, 0, cols, blocks, cols, blocks, db);

    public static void LaunchAdd(DeviceContext device, ArrayView<float> y, ArrayView<float> b) =>
        device.Kernel(AddName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(BiasAddRows))
            ((int)y.Length, y, b, (int)b.Length);

    /// <summary>Pass 1 into <paramref name="partial"/> [ceil(rows / rowsPerBlock), cols] (db itself when there is one block).</summary>
    public static void LaunchGradPartial(DeviceContext device, ArrayView<float> dy, ArrayView<float> partial, int rows, int cols, int rowsPerBlock,
        int groupSize = DefaultGroupSize)
    {
        var blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        device.Kernel(GradPartialName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(BiasGradPartialSums))
            (new KernelConfig(ColumnSumTile.GroupCount(cols, blocks, groupSize), groupSize), dy, partial, rows, cols, rowsPerBlock);
    }

    /// <summary>Pass 2: db[c] = Σ_blk partial[blk, c].</summary>
    public static void LaunchGradFinal(DeviceContext device, ArrayView<float> partial, ArrayView<float> db, int blocks, int cols,
        int groupSize = DefaultGroupSize) =>
        device.Kernel(GradFinalName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(BiasGradFinalSums))
            (new KernelConfig(ColumnSumTile.GroupCount(cols, 1, groupSize), groupSize), partial, db, blocks, cols);
}
