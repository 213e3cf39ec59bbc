using CrsIlgpu.Kernels.Bias;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Embed;

/// <summary>
/// Embedding kernels: patch extraction (im2col of the stride = kernel patch conv), class-token
/// concat and its backward split, position-embedding add and its gradient. The two gradients that
/// sum over the batch use <see cref="ColumnSumTile"/> (deterministic, one pass: the batch is small).
/// </summary>
public static class EmbedKernels
{
    public const string PatchExtractName = "patch_extract";
    public const string ClsConcatName = "cls_concat";
    public const string ClsSplitTokensName = "cls_split_tokens";
    public const string ClsGradName = "cls_grad";
    public const string PosAddName = "pos_add";
    public const string PosGradName = "pos_grad";
    public const string ClsGatherName = "cls_gather";
    public const string ClsScatterName = "cls_scatter";

    public const int DefaultGroupSize = 256;

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(EmbedKernels), "Embed",
    [
        (PatchExtractName, nameof(EmbedExtractPatches), KernelGrouping.Implicit,
            "images [B,C,H,W] -> patches [B*(H/P)*(W/P), C*P*P], columns (c, py, px)"),
        (ClsConcatName, nameof(EmbedClsConcat), KernelGrouping.Implicit, "x [B,N+1,D] = [cls; tokens [B,N,D]]"),
        (ClsSplitTokensName, nameof(EmbedClsSplitTokens), KernelGrouping.Implicit, "dtokens [B,N,D] = dx[:, 1:, :]"),
        (ClsGradName, nameof(EmbedClsGradSums), KernelGrouping.Explicit, "dcls [D] = sum over b of dx[b, 0, :]"),
        (PosAddName, nameof(EmbedPosAdd), KernelGrouping.Implicit, "x [B,L,D] += pos [L,D]"),
        (PosGradName, nameof(EmbedPosGradSums), KernelGrouping.Explicit, "dpos [L,D] = sum over b of dx[b, :, :]"),
        (ClsGatherName, nameof(EmbedClsGather), KernelGrouping.Implicit, "y [B,D] = x[:, 0, :] (class-token rows for the head)"),
        (ClsScatterName, nameof(EmbedClsScatter), KernelGrouping.Implicit, "dx [B,L,D] = dy [B,D] at token 0, zero elsewhere"),
    ]);

    // One thread per patch element, in output order: writes are coalesced, reads come in runs of P floats.
    internal static void EmbedExtractPatches(Index1D i, ArrayView<float> images, ArrayView<float> patches, int channels, int height, int width, int patch)
    {
        int k = i;
        var area = patch * patch;
        var rowLength = channels * area;
        var row = k / rowLength;
        var col = k - row * rowLength;
        var c = col / area;
        var inPatch = col - c * area;
        var py = inPatch / patch;
        var px = inPatch - py * patch;
        var across = width / patch;
        var perImage = height / patch * across;
        var b = row / perImage;
        var p = row - b * perImage;
        var ph = p / across;
        var pw = p - ph * across;
        patches[k] = images[(((long)b * channels + c) * height + ph * patch + py) * width + pw * patch + px];
    }

    internal static void EmbedClsGather(Index1D i, ArrayView<float> x, ArrayView<float> y, int tokens, int dim)
    {
        int k = i;
        var b = k / dim;
        y[k] = x[(long)b * tokens * dim + (k - b * dim)];
    }

    internal static void EmbedClsScatter(Index1D i, ArrayView<float> dy, ArrayView<float> dx, int tokens, int dim)
    {
        int k = i;
        var row = k / dim;
        var b = row / tokens;
        dx[k] = row - b * tokens == 0 ? dy[(long)b * dim + (k - row * dim)] : 0f;
    }

    internal static void EmbedClsConcat(Index1D i, ArrayView<float> tokens, ArrayView<float> cls, ArrayView<float> x, int tokensPerImage, int dim)
    {
        int k = i;
        var perImage = (tokensPerImage + 1) * dim;
        var b = k / perImage;
        var inImage = k - b * perImage;
        x[k] = inImage < dim ? cls[inImage] : tokens[(long)b * tokensPerImage * dim + inImage - dim];
    }

    internal static void EmbedClsSplitTokens(Index1D i, ArrayView<float> dx, ArrayView<float> dtokens, int tokensPerImage, int dim)
    {
        int k = i;
        var perImage = tokensPerImage * dim;
        var b = k / perImage;
        dtokens[k] = dx[(long)b * (perImage + dim) + dim + k - b * perImage];
    }

    // dcls: the class rows dx[b, 0, :] are a [B, D] matrix with row stride (N+1)·D.
    internal static void EmbedClsGradSums(ArrayView<float> dx, ArrayView<float> dcls, int batch, int dim, int rowStride) =>
        ColumnSumTile.Sum(dx, 0, rowStride, batch, dim, batch, dcls);

    internal static void EmbedPosAdd(Index1D i, ArrayView<float> x, ArrayView<float> pos, int posLength) => x[i] += pos[i % posLength];

    // dpos: dx viewed as a [B, L·D] matrix, summed over its B rows.
    internal static void EmbedPosGradSums(ArrayView<float> dx, ArrayView<float> dpos, int batch, int posLength) =>
        ColumnSumTile.Sum(dx, 0, posLength, batch, posLength, batch, dpos);

    public static void LaunchExtractPatches(DeviceContext device, ArrayView<float> images, ArrayView<float> patches, int channels, int height, int width,
        int patch) =>
        device.Kernel(PatchExtractName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>(EmbedExtractPatches))
            ((int)patches.Length, images, patches, channels, height, width, patch);

    public static void LaunchClsGather(DeviceContext device, ArrayView<float> x, ArrayView<float> y, int tokens, int dim) =>
        device.Kernel(ClsGatherName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(EmbedClsGather))
            ((int)y.Length, x, y, tokens, dim);

    public static void LaunchClsScatter(DeviceContext device, ArrayView<float> dy, ArrayView<float> dx, int tokens, int dim) =>
        device.Kernel(ClsScatterName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(EmbedClsScatter))
            ((int)dx.Length, dy, dx, tokens, dim);

    public static void LaunchClsConcat(DeviceContext device, ArrayView<float> tokens, ArrayView<float> cls, ArrayView<float> x, int tokensPerImage, int dim) =>
        device.Kernel(ClsConcatName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(EmbedClsConcat))
            ((int)x.Length, tokens, cls, x, tokensPerImage, dim);

    public static void LaunchClsSplitTokens(DeviceContext device, ArrayView<float> dx, ArrayView<float> dtokens, int tokensPerImage, int dim) =>
        device.Kernel(ClsSplitTokensName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(EmbedClsSplitTokens))
            ((int)dtokens.Length, dx, dtokens, tokensPerImage, dim);

    public static void LaunchClsGrad(DeviceContext device, ArrayView<float> dx, ArrayView<float> dcls, int batch, int tokensPerImage, int dim,
        int groupSize = DefaultGroupSize) =>
        device.Kernel(ClsGradName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(EmbedClsGradSums))
            (new KernelConfig(ColumnSumTile.GroupCount(dim, 1, groupSize), groupSize), dx, dcls, batch, dim, (tokensPerImage + 1) * dim);

    public static void LaunchPosAdd(DeviceContext device, ArrayView<float> x, ArrayView<float> pos) =>
        device.Kernel(PosAddName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(EmbedPosAdd))
            ((int)x.Length, x, pos, (int)pos.Length);

    public static void LaunchPosGrad(DeviceContext device, ArrayView<float> dx, ArrayView<float> dpos, int batch, int groupSize = DefaultGroupSize) =>
        device.Kernel(PosGradName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(EmbedPosGradSums))
            (new KernelConfig(ColumnSumTile.GroupCount((int)dpos.Length, 1, groupSize), groupSize), dx, dpos, batch, (int)dpos.Length);
}
