using System.Diagnostics;
using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model;
using CrsIlgpu.Training.Optim;

namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// `crs profile`: builds the model, Adam and one seeded synthetic batch, runs warm-up steps with the
/// profiler off (kernel loading and JIT happen there), then timed steps with it on, each step
/// forward → loss → backward → optimizer with the profiler's phase set around each part.
/// </summary>
public static class StepProfiler
{
    public static StepProfile Run(DeviceContext device, StepProfileOptions options, Action<string>? progress = null)
    {
        options.Validate();
        if (device.IsPlanning)
            throw new CrsException("a planning device launches nothing: there is nothing to profile");
        var config = options.Config;
        // The batch plays a dataset of Batch examples, so the Cached policy's gradient-norm cache is
        // filled from the first step on and its kernels are profiled as in training.
        using var model = new VisionTransformer(device, config, options.Sampling, exampleSlots: options.Batch);
        model.Parameters.Initialize(options.Seed);
        using var optimizer = new AdamOptimizer(device, model.Parameters, AdamHyperParameters.AdamW(3e-4, 0.05));
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", options.Batch, config.Channels, config.ImageSize, config.ImageSize);
        using var labels = new IntTensor(device.Pool, options.Batch);
        var random = new Random(options.Seed);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        labels.CopyFrom(Enumerable.Range(0, options.Batch).Select(_ => random.Next(config.NumClasses)).ToArray());
        using var examples = new IntTensor(device.Pool, options.Batch, MemoryTag.Activations, "examples");
        examples.CopyFrom(Enumerable.Range(0, options.Batch).ToArray());

        var profiler = device.Profiler;
        var (wasEnabled, oldPhase) = (profiler.Enabled, profiler.Phase);
        var launchesByStep = new List<IReadOnlyList<KernelLaunch>>();
        var wallUs = new List<double>();
        var loss = float.NaN;
        try
        {
            profiler.Enabled = false;
            for (var i = 0; i < options.WarmupSteps; i++)
            {
                progress?.Invoke($"warm-up step {i + 1}/{options.WarmupSteps}");
                Step(device, model, optimizer, images, labels, examples);
            }
            profiler.Enabled = true;
            for (var i = 0; i < options.Steps; i++)
            {
                progress?.Invoke($"timed step {i + 1}/{options.Steps}");
                profiler.Reset();
                var clock = Stopwatch.StartNew();
                loss = Step(device, model, optimizer, images, labels, examples);
                wallUs.Add(clock.Elapsed.TotalMicroseconds);
                launchesByStep.Add(profiler.Launches);
            }
        }
        finally
        {
            profiler.Reset();
            profiler.Enabled = wasEnabled;
            profiler.Phase = oldPhase;
        }
        return StepProfile.From(options, device.Description, device.Peak, launchesByStep, wallUs, loss);
    }

    /// <summary>One training step, ended by a device synchronize so its wall time holds all of its work.</summary>
    private static float Step(DeviceContext device, VisionTransformer model, AdamOptimizer optimizer, Tensor images, IntTensor labels, IntTensor examples)
    {
        var profiler = device.Profiler;
        profiler.Phase = ProfilePhase.Forward;
        var loss = model.ForwardBackward(images, labels, afterForward: () => profiler.Phase = ProfilePhase.Backward, examples: examples);
        profiler.Phase = ProfilePhase.Optimizer;
        optimizer.Update();
        device.Synchronize();
        return loss;
    }
}
