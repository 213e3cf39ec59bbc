using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Training.Optim;

namespace CrsIlgpu.Training.Tests.Optim;

/// <summary>
/// Issue 21 item 3: parameters, gradients and both Adam moments are one pooled allocation each with
/// a view per tensor; the update is one launch (two more for the clipping norm). The results must be
/// the bytes of the per-tensor path (a norm launch per tensor, the scale on the host, an update per
/// tensor, separate moment tensors) and the pool's bytes per tag must be what they were.
/// </summary>
public sealed class FlatAdamTests
{
    private static readonly VitConfig Tiny = new() { Name = "flat", ImageSize = 8, PatchSize = 4, Dim = 8, Depth = 2, Heads = 2, MlpRatio = 2, NumClasses = 3 };

    [Theory]
    [KernelPath]
    [InlineData("kernels", 0.05f)]
    [InlineData("kernels", null)]
    [InlineData("cpu", 0.05f)]
    public void FlatUpdatesGiveThePerTensorPathsBytes(string deviceName, float? clip)
    {
        var flat = Train(deviceName, clip, perTensor: false);
        var perTensor = Train(deviceName, clip, perTensor: true);
        Assert.Equal(perTensor.Values.Keys, flat.Values.Keys);
        foreach (var (name, values) in perTensor.Values)
            Assert.Equal(values, flat.Values[name]);
        foreach (var (name, m) in perTensor.Moments)
            Assert.Equal(m, flat.Moments[name]);
        if (clip is not null)
            Assert.Equal(perTensor.Norms, flat.Norms); // the same partials in the same order
    }

    [Fact]
    [KernelPath]
    public void OneLaunchUpdatesEveryTensor()
    {
        using var device = TestDevices.Create("kernels");
        using var model = new VisionTransformer(device, Tiny);
        model.Parameters.Initialize(1);
        using var optimizer = new AdamOptimizer(device, model.Parameters, AdamHyperParameters.AdamW(1e-3, 0.05), clipNorm: 1f);
        using var norm = new Tensor(device.Pool, MemoryTag.Workspace, "norm", 1);
        device.Profiler.Enabled = true;
        optimizer.Queue(norm);
        device.Profiler.Enabled = false;
        var launches = device.Profiler.Launches.Select(l => l.Kernel).ToList();
        Assert.Equal([OptimKernels.NormSegmentedPartialsName, OptimKernels.NormFinishName, OptimKernels.AdamUpdateClippedName], launches);
        Assert.True(model.Parameters.All.Count > 20, "the tiny model still has many tensors");
    }

    [Fact]
    public void PoolBytesPerTagAreThoseOfOneBlockPerTensor()
    {
        var config = VitConfig.Resolve("vit-cifar-tiny");
        using var device = DeviceContext.CreatePlanner();
        using var model = new VisionTransformer(device, config);
        using var optimizer = new AdamOptimizer(device, model.Parameters, AdamHyperParameters.AdamW(1e-3, 0.05));
        var bytes = VitParameterLayout.For(config).Sum(s => 4 * s.Length); // what a block per tensor requested
        Assert.Equal(bytes, device.Pool.LiveBytes(MemoryTag.Weights));
        Assert.Equal(bytes, device.Pool.LiveBytes(MemoryTag.Gradients));
        Assert.Equal(2 * bytes, device.Pool.LiveBytes(MemoryTag.OptimizerState));
        Assert.Equal(4 * bytes, device.Pool.Allocated);
        // Every view starts 16-byte aligned (the GEMMs' vector loads) for the presets.
        Assert.All(model.Parameters.All, p => Assert.Equal(0, p.Offset % 4));
    }

    private sealed record Result(Dictionary<string, float[]> Values, Dictionary<string, float[]> Moments, List<float> Norms);

    private static Result Train(string deviceName, float? clip, bool perTensor)
    {
        const int batch = 3;
        using var device = TestDevices.Create(deviceName);
        using var model = new VisionTransformer(device, Tiny);
        model.Parameters.Initialize(seed: 4);
        var random = new Random(9);
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, 3, 8, 8);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        using var labels = new IntTensor(device.Pool, batch);
        labels.CopyFrom([0, 2, 1]);
        var hp = AdamHyperParameters.AdamW(3e-3, 0.05);
        var norms = new List<float>();
        if (!perTensor)
        {
            using var optimizer = new AdamOptimizer(device, model.Parameters, hp, clip);
            for (var step = 0; step < 3; step++)
            {
                model.ForwardBackward(images, labels, 0.1f);
                norms.Add(optimizer.Update());
            }
            return new Result(model.Parameters.ValuesToHost(),
                optimizer.State.ToDictionary(s => s.Name, s => s.M.ToArray().Concat(s.V.ToArray()).ToArray()), norms);
        }

        // The per-tensor path as it was: separate moments, a norm over the list, the scale on the host, one update per tensor.
        var state = model.Parameters.All.Select(p => (P: p,
            M: new Tensor(device.Pool, MemoryTag.OptimizerState, p.Name + ".m", p.Shape.Shape),
            V: new Tensor(device.Pool, MemoryTag.OptimizerState, p.Name + ".v", p.Shape.Shape))).ToList();
        try
        {
            foreach (var (_, m, v) in state)
            {
                m.CopyFrom(new float[m.Length]);
                v.CopyFrom(new float[v.Length]);
            }
            for (var step = 1; step <= 3; step++)
            {
                model.ForwardBackward(images, labels, 0.1f);
                var scale = 1f;
                if (clip is { } max)
                {
                    var norm = OptimOp.GlobalNorm(device, model.Parameters.All.Select(p => p.Grad).ToList());
                    norms.Add(norm);
                    scale = OptimOp.ClipScale(norm, max);
                }
                foreach (var (p, m, v) in state)
                    OptimOp.Adam(device, p.Value, p.Grad, m, v, hp, step, scale);
            }
            return new Result(model.Parameters.ValuesToHost(), state.ToDictionary(s => s.P.Name, s => s.M.ToArray().Concat(s.V.ToArray()).ToArray()), norms);
        }
        finally
        {
            foreach (var (_, m, v) in state)
            {
                m.Dispose();
                v.Dispose();
            }
        }
    }
}
