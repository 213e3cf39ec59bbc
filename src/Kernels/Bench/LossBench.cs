using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Bench cases of the loss family: fused softmax cross-entropy on [B, classes] and its mean.</summary>
public static class LossBench
{
    /// <summary>CIFAR-100's class count: the larger of the two heads the project trains.</summary>
    public const int Classes = 100;

    public const float LabelSmoothing = 0.1f;

    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        var rows = size.Batch;
        var count = rows * Classes;
        var logits = BenchData.Uniform(count, 1, 4f);
        var random = new Random(2);
        var labels = Enumerable.Range(0, rows).Select(_ => random.Next(Classes)).ToArray();
        var losses = new float[rows];
        var dlogits = new float[count];

        var tl = BenchData.Tensor(device, logits, rows, Classes);
        var ty = new IntTensor(device.Pool, rows, MemoryTag.Workspace, "bench.labels");
        ty.CopyFrom(labels);
        var tloss = new Tensor(device.Pool, MemoryTag.Workspace, "bench.losses", rows);
        var td = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dlogits", rows, Classes);
        var tmean = new Tensor(device.Pool, MemoryTag.Workspace, "bench.mean", 1);
        yield return new OpBenchCase(LossKernels.ForwardBackwardName, $"[{rows}, {Classes}]", 6.0 * count, 8.0 * count + 8.0 * rows,
            () =>
            {
                LossOp.ForwardBackward(device, tl, ty, tloss, td, LabelSmoothing);
                LossOp.Mean(device, tloss, tmean);
            },
            () =>
            {
                LossReference.ForwardBackward(logits, labels, losses, dlogits, Classes, LabelSmoothing, 1f / rows);
                LossReference.Mean(losses);
            },
            tl, ty, tloss, td, tmean);
    }
}
