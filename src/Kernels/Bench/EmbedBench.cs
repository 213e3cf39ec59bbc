using CrsIlgpu.Kernels.Embed;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Bench cases of the embedding ops: patch extraction (32×32 images with P = 4 for ViT-Tiny,
/// 224×224 with P = 16 for ViT-B/16, 3 channels), the class-token concat and split, and the
/// position-embedding add and gradient on the [batch, tokens, dim] token tensor.
/// </summary>
public static class EmbedBench
{
    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        yield return PatchCase(device, size);

        int batch = size.Batch, length = size.Tokens, count = size.Tokens - 1, dim = size.Dim;
        var tokensLength = batch * count * dim;
        var xLength = batch * length * dim;
        var tokens = BenchData.Uniform(tokensLength, 1);
        var cls = BenchData.Uniform(dim, 2);
        var x = new float[xLength];
        var dx = BenchData.Uniform(xLength, 3);
        var dtokens = new float[tokensLength];
        var dcls = new float[dim];
        var pos = BenchData.Uniform(length * dim, 4);
        var dpos = new float[length * dim];

        var tTokens = BenchData.Tensor(device, tokens, batch, count, dim);
        var tCls = BenchData.Tensor(device, cls, dim);
        var tx = new Tensor(device.Pool, MemoryTag.Workspace, "bench.x", batch, length, dim);
        var tdx = BenchData.Tensor(device, dx, batch, length, dim);
        var tdTokens = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dtokens", batch, count, dim);
        var tdCls = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dcls", dim);
        var tPos = BenchData.Tensor(device, pos, length, dim);
        var tdPos = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dpos", length, dim);

        yield return new OpBenchCase(EmbedKernels.ClsConcatName, $"[{batch}, {count}, {dim}] + [{dim}]", 0, 4.0 * (tokensLength + dim + xLength),
            () => EmbedOp.ClsConcat(device, tTokens, tCls, tx),
            () => EmbedReference.ClsConcat(tokens, cls, batch, count, x),
            tTokens, tCls);
        yield return new OpBenchCase(EmbedKernels.ClsSplitTokensName, $"[{batch}, {length}, {dim}]", (double)batch * dim, 4.0 * (xLength + tokensLength + dim),
            () => EmbedOp.ClsSplit(device, tdx, tdTokens, tdCls),
            () => EmbedReference.ClsSplit(dx, batch, count, dtokens, dcls),
            tdTokens, tdCls);
        yield return new OpBenchCase(EmbedKernels.PosAddName, $"[{batch}, {length}, {dim}] + [{length}, {dim}]", xLength, 4.0 * (2.0 * xLength + length * dim),
            () => EmbedOp.PosAdd(device, tx, tPos),
            () => EmbedReference.PosAdd(x, pos),
            tx, tPos);
        yield return new OpBenchCase(EmbedKernels.PosGradName, $"[{batch}, {length}, {dim}]", xLength, 4.0 * (xLength + length * dim),
            () => EmbedOp.PosGrad(device, tdx, tdPos),
            () => EmbedReference.PosGrad(dx, dpos),
            tdx, tdPos);
    }

    private static OpBenchCase PatchCase(DeviceContext device, OpBenchSize size)
    {
        // ViT-Tiny here trains on CIFAR (32², P = 4); ViT-B/16 on ImageNet (224², P = 16).
        var (side, patch) = size.Dim <= OpBenchSize.VitTiny.Dim ? (32, 4) : (224, 16);
        const int channels = 3;
        int batch = size.Batch, rows = batch * (side / patch) * (side / patch), cols = channels * patch * patch;
        var images = BenchData.Uniform(batch * channels * side * side, 5);
        var patches = new float[rows * cols];
        var tImages = BenchData.Tensor(device, images, batch, channels, side, side);
        var tPatches = new Tensor(device.Pool, MemoryTag.Workspace, "bench.patches", rows, cols);
        return new OpBenchCase(EmbedKernels.PatchExtractName, $"[{batch}, {channels}, {side}, {side}] P={patch}", 0, 8.0 * rows * cols,
            () => EmbedOp.ExtractPatches(device, tImages, patch, tPatches),
            () => EmbedReference.ExtractPatches(images, batch, channels, side, side, patch, patches),
            tImages, tPatches);
    }
}
