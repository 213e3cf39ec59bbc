using System.Runtime.Intrinsics;
using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.Embed;

/// <summary>
/// CPU backend of the embedding ops: contiguous block copies (patch rows of P floats, whole token
/// blocks) and TensorPrimitives adds instead of per-element index arithmetic, Parallel.For over
/// images or column chunks when the work is large. Batch sums go in batch order: deterministic.
/// </summary>
public static unsafe class EmbedCpu
{
    private const int ParallelThreshold = 1 << 16;
    private const int ColumnChunk = 4096;

    public static void ExtractPatches(ReadOnlySpan<float> images, int batch, int channels, int height, int width, int patch, Span<float> patches)
    {
        fixed (float* pi = images, pp = patches)
        {
            var (src, dst) = ((nint)pi, (nint)pp);
            // One task per image; each image row segment of P floats goes to its patch's (c, py) slot.
            void Image(int b)
            {
                int down = height / patch, across = width / patch, rowLength = channels * patch * patch;
                for (var ph = 0; ph < down; ph++)
                    for (var c = 0; c < channels; c++)
                        for (var py = 0; py < patch; py++)
                        {
                            var imageRow = (float*)src + (((long)b * channels + c) * height + ph * patch + py) * width;
                            var target = (float*)dst + ((long)b * down + ph) * across * rowLength + (c * patch + py) * patch;
                            // P is 4..16 floats, too short for a memmove call: 4-float vector copies, or a plain loop.
                            if (patch % 4 == 0)
                            {
                                for (var pw = 0; pw < across; pw++)
                                    for (var px = 0; px < patch; px += 4)
                                        Vector128.Store(Vector128.Load(imageRow + pw * patch + px), target + (long)pw * rowLength + px);
                            }
                            else
                            {
                                for (var pw = 0; pw < across; pw++)
                                    for (var px = 0; px < patch; px++)
                                        target[(long)pw * rowLength + px] = imageRow[pw * patch + px];
                            }
                        }
            }
            For(batch, patches.Length, Image);
        }
    }

    public static void ClsConcat(ReadOnlySpan<float> tokens, ReadOnlySpan<float> cls, int batch, int tokensPerImage, Span<float> x)
    {
        fixed (float* pt = tokens, pc = cls, px = x)
        {
            var (t, c, o, dim) = ((nint)pt, (nint)pc, (nint)px, cls.Length);
            For(batch, x.Length, b =>
            {
                var image = (float*)o + (long)b * (tokensPerImage + 1) * dim;
                new ReadOnlySpan<float>((float*)c, dim).CopyTo(new Span<float>(image, dim));
                var block = tokensPerImage * dim;
                new ReadOnlySpan<float>((float*)t + (long)b * block, block).CopyTo(new Span<float>(image + dim, block));
            });
        }
    }

    public static void ClsSplit(ReadOnlySpan<float> dx, int batch, int tokensPerImage, Span<float> dtokens, Span<float> dcls)
    {
        var dim = dcls.Length;
        var perImage = (tokensPerImage + 1) * dim;
        dcls.Clear();
        for (var b = 0; b < batch; b++)
            TensorPrimitives.Add(dcls, dx.Slice(b * perImage, dim), dcls);
        fixed (float* pdx = dx, pdt = dtokens)
        {
            var (src, dst) = ((nint)pdx, (nint)pdt);
            For(batch, dtokens.Length, b =>
            {
                var block = tokensPerImage * dim;
                new ReadOnlySpan<float>((float*)src + (long)b * perImage + dim, block).CopyTo(new Span<float>((float*)dst + (long)b * block, block));
            });
        }
    }

    public static void PosAdd(Span<float> x, ReadOnlySpan<float> pos)
    {
        fixed (float* px = x, pp = pos)
        {
            var (xs, ps, n) = ((nint)px, (nint)pp, pos.Length);
            For(x.Length / n, x.Length, b =>
            {
                var image = new Span<float>((float*)xs + (long)b * n, n);
                TensorPrimitives.Add(image, new ReadOnlySpan<float>((float*)ps, n), image);
            });
        }
    }

    /// <summary>dpos = Σ_b dx[b], overwriting dpos; column chunks in parallel, images in order within each.</summary>
    public static void PosGrad(ReadOnlySpan<float> dx, Span<float> dpos)
    {
        fixed (float* pdx = dx, pdp = dpos)
        {
            var (src, dst, n) = ((nint)pdx, (nint)pdp, dpos.Length);
            var batch = dx.Length / n;
            For((n + ColumnChunk - 1) / ColumnChunk, dx.Length, chunk =>
            {
                var start = chunk * ColumnChunk;
                var len = Math.Min(ColumnChunk, n - start);
                var sum = new Span<float>((float*)dst + start, len);
                sum.Clear();
                for (var b = 0; b < batch; b++)
                    TensorPrimitives.Add(sum, new ReadOnlySpan<float>((float*)src + (long)b * n + start, len), sum);
            });
        }
    }

    // Runs jobs 0..count-1, in parallel when the op touches enough elements to pay for it.
    private static void For(int count, long elements, Action<int> job)
    {
        if (elements >= ParallelThreshold)
            Parallel.For(0, count, CpuThreads.Options, job);
        else
            for (var i = 0; i < count; i++)
                job(i);
    }

    public static void ClsGather(ReadOnlySpan<float> x, int batch, int tokens, int dim, Span<float> y)
    {
        for (var b = 0; b < batch; b++)
            x.Slice(b * tokens * dim, dim).CopyTo(y.Slice(b * dim, dim));
    }

    public static void ClsScatter(ReadOnlySpan<float> dy, int batch, int tokens, int dim, Span<float> dx)
    {
        dx.Clear();
        for (var b = 0; b < batch; b++)
            dy.Slice(b * dim, dim).CopyTo(dx.Slice(b * tokens * dim, dim));
    }
}
