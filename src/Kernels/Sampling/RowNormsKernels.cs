using CrsIlgpu.Kernels.Numerics;
using CrsIlgpu.Kernels.Reduction;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// Row L2 norms ‖X_i‖, ‖G_i‖: what the WTA-CRS scores are made of. One group per row, the group
/// striding over the row and reducing through <see cref="GroupReduce"/>. The squares are
/// <see cref="ExactFloat.Mul"/>, so a GPU gives the CPU accelerator's bits (same group size, same
/// tree) and the selection built on them picks the same rows.
/// </summary>
public static class RowNormsKernels
{
    /// <summary>Stable name (profiles, Nsight, tests): kept from when this kernel lived with the selection.</summary>
    public const string Name = "selection_row_norms";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(RowNormsKernels), "Sampling",
    [
        (Name, nameof(SelectionRowNorms), KernelGrouping.Explicit, "norms[r] = ‖x[r, :]‖₂; one group per row"),
    ]);

    internal static void SelectionRowNorms(ArrayView<float> x, ArrayView<float> norms, int d)
    {
        var row = Grid.IdxX;
        var start = row * d;
        var squares = 0f;
        for (var j = Group.IdxX; j < d; j += Group.DimX)
        {
            var v = x[start + j];
            squares += ExactFloat.Mul(v, v);
        }
        var total = GroupReduce.Sum(squares);
        if (Group.IdxX == 0)
            norms[row] = XMath.Sqrt(total);
    }

    public static void Launch(DeviceContext device, ArrayView<float> x, ArrayView<float> norms, int rows, int d, int? groupSize = null)
    {
        if (rows == 0)
            return;
        var group = RowGroups.Resolve(Name, device.Accelerator, d, groupSize);
        device.Kernel(Name, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(SelectionRowNorms))
            (new KernelConfig(rows, group), x, norms, d);
    }
}
