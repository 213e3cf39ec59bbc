using CrsIlgpu.Kernels.Reduction;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Reduction;

/// <summary>
/// Group sizes of the row-reduction kernels (softmax, layer norm, cross-entropy): one thread group
/// per row, the group striding over the row and reducing through <see cref="GroupReduce"/>.
/// </summary>
public static class RowGroups
{
    /// <summary>Largest group the automatic choice picks; long rows loop, short ones stay cheap.</summary>
    public const int MaxAuto = 256;

    /// <summary>One thread per element rounded up to whole warps, capped at <see cref="MaxAuto"/>.</summary>
    public static int Auto(Accelerator accelerator, int rowLength)
    {
        var warp = Math.Max(1, accelerator.WarpSize);
        var threads = (Math.Max(rowLength, 1) + warp - 1) / warp * warp;
        return Math.Min(threads, Math.Min(MaxAuto, Limit(accelerator)));
    }

    /// <summary>The group size to launch with: <paramref name="requested"/> when given (checked), else <see cref="Auto"/>.</summary>
    public static int Resolve(string op, Accelerator accelerator, int rowLength, int? requested)
    {
        if (requested is not { } size)
            return Auto(accelerator, rowLength);
        if (size < 1 || size > Limit(accelerator))
            throw new ArgumentOutOfRangeException(nameof(requested), size, $"{op}: group size must be in [1, {Limit(accelerator)}]");
        return size;
    }

    /// <summary>(rows, last dimension) of <paramref name="t"/>: rows is the product of the other dimensions. The kernels index with 32-bit ints.</summary>
    public static (int Rows, int N) Shape(string op, Tensor t)
    {
        OpCheck.That(op, t.Length <= int.MaxValue, $"'{t.Label}' {t.ShapeText} has more than 2^31-1 elements");
        var rows = 1L;
        for (var i = 0; i < t.Shape.Length - 1; i++)
            rows *= t.Shape[i];
        OpCheck.That(op, rows <= int.MaxValue, $"'{t.Label}' {t.ShapeText} has more than 2^31-1 rows");
        return ((int)rows, t.Shape[^1]);
    }

    private static int Limit(Accelerator accelerator) => Math.Min(GroupReduce.MaxGroupSize, accelerator.MaxNumThreadsPerGroup);
}
