using CrsIlgpu.Kernels.Activation;
using CrsIlgpu.Kernels.Attention;
using CrsIlgpu.Kernels.Elementwise;
using CrsIlgpu.Kernels.Embed;
using CrsIlgpu.Kernels.Example;
using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Runtime;

/// <summary>
/// Issue 21 item 5: an op on a zero-length tensor returns before launching (CUDA rejects a zero
/// grid; ILGPU does not check). Each family's ops run on empty tensors with the profiler on, which
/// records every launch: none may be recorded, and nothing may throw. Families outside this list
/// (LayerNorm, Softmax, Bias, Loss's cross-entropy, Embed's patches/positions) had guards already.
/// </summary>
public sealed class EmptyInputTests
{
    private static IReadOnlyList<string> LaunchesOf(DeviceContext device, Action<DeviceContext> ops)
    {
        device.Profiler.Enabled = true;
        ops(device);
        device.Profiler.Enabled = false;
        return device.Profiler.Launches.Select(l => l.Kernel).ToList();
    }

    private static Tensor Empty(DeviceContext device, params int[] shape) => new(device.Pool, MemoryTag.Activations, "empty", shape);

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void ElementwiseAndAxpby(string name)
    {
        using var device = TestDevices.Create(name);
        using var a = Empty(device, 0, 8);
        using var b = Empty(device, 0, 8);
        using var y = Empty(device, 0, 8);
        Assert.Empty(LaunchesOf(device, d =>
        {
            ElementwiseOp.Add(d, a, b, y);
            ElementwiseOp.Accumulate(d, a, y);
            AxpbyOp.Run(d, a, y, 2f, 1f);
        }));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void Gelu(string name)
    {
        using var device = TestDevices.Create(name);
        using var x = Empty(device, 0);
        using var y = Empty(device, 0);
        Assert.Empty(LaunchesOf(device, d =>
        {
            ActivationOp.GeluForward(d, x, y);
            ActivationOp.GeluBackward(d, x, y, y);
        }));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void ClassTokenGatherAndScatter(string name)
    {
        using var device = TestDevices.Create(name);
        using var x = Empty(device, 0, 5, 4);
        using var y = Empty(device, 0, 4);
        Assert.Empty(LaunchesOf(device, d =>
        {
            EmbedOp.ClsGather(d, x, y);
            EmbedOp.ClsScatter(d, y, x);
        }));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void AttentionLayout(string name)
    {
        using var device = TestDevices.Create(name);
        var s = new AttentionShape(0, 5, 2, 4);
        using var qkv = Empty(device, 0, 24);
        using var q = Empty(device, 0, 5, 4);
        using var k = Empty(device, 0, 5, 4);
        using var v = Empty(device, 0, 5, 4);
        using var y = Empty(device, 0, 8);
        Assert.Empty(LaunchesOf(device, d =>
        {
            AttentionLayoutOp.SplitQkv(d, s, qkv, q, k, v);
            AttentionLayoutOp.MergeQkvGrad(d, s, q, k, v, qkv);
            AttentionLayoutOp.MergeHeads(d, s, q, y);
            AttentionLayoutOp.SplitHeadsGrad(d, s, y, q);
        }));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void AccuracyWritesZeroHitsWithoutALaunch(string name)
    {
        using var device = TestDevices.Create(name);
        using var logits = Empty(device, 0, 3);
        using var labels = new IntTensor(device.Pool, 0);
        using var hits = new Tensor(device.Pool, MemoryTag.Activations, "hits", 1);
        hits.CopyFrom([7f]);
        Assert.Empty(LaunchesOf(device, d => AccuracyOp.Hits(d, logits, labels, hits)));
        Assert.Equal([0f], hits.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void OptimizerOnNoParameters(string name)
    {
        using var device = TestDevices.Create(name);
        using var p = Empty(device, 0);
        using var norm = new Tensor(device.Pool, MemoryTag.Workspace, "norm", 1);
        using var plan = GlobalNormPlan.Create(device, [(0L, 0L)]);
        var launches = LaunchesOf(device, d =>
        {
            OptimOp.Adam(d, p, p, p, p, AdamHyperParameters.AdamW(1e-3, 0.01), 1);
            OptimOp.GlobalNorm(d, p, plan, norm);
            OptimOp.AdamClipped(d, p, p, p, p, AdamHyperParameters.AdamW(1e-3, 0.01), 1, norm, 1f);
        });
        Assert.DoesNotContain(launches, l => l != OptimKernels.NormPartialsName); // the CPU backend's norm is one host loop, not a launch
        Assert.Equal([0f], norm.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void SamplingRowNormsAndCachedScores(string name)
    {
        using var device = TestDevices.Create(name);
        using var x = Empty(device, 0, 8);
        using var norms = Empty(device, 0);
        using var cache = Empty(device, 4, 5);
        using var examples = new IntTensor(device.Pool, 0);
        Assert.Empty(LaunchesOf(device, d =>
        {
            RowNormsOp.Run(d, x, norms);
            GradNormCacheOp.Scores(d, norms, cache, examples, norms, 5);
        }));
    }
}
