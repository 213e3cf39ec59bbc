using System.Diagnostics;
using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model;
using CrsIlgpu.Training.Optim;

namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// One model being profiled: the ViT, AdamW and a seeded synthetic batch on a device, and its timed
/// steps so far. The batch plays a dataset of Batch examples, so the Cached policy's gradient-norm
/// cache fills from the first step on and its kernels are profiled as in training.
/// </summary>
public sealed class ProfiledTraining : IDisposable
{
    private readonly DeviceContext _device;
    private readonly VisionTransformer _model;
    private readonly AdamOptimizer _optimizer;
    private readonly Tensor _images;
    private readonly IntTensor _labels;
    private readonly int[] _examples;
    private readonly List<IReadOnlyList<KernelLaunch>> _launchesByStep = [];
    private readonly List<double> _wallUs = [];
    private readonly List<double> _plainUs = [];
    private readonly List<long> _plainSyncs = [];
    private readonly StepReadback _readback;
    private float _loss = float.NaN;

    public ProfiledTraining(DeviceContext device, StepProfileOptions options)
    {
        options.Validate();
        if (device.IsPlanning)
            throw new CrsException("a planning device launches nothing: there is nothing to profile");
        _device = device;
        Options = options;
        var config = options.Config;
        var batch = options.Batch;
        _model = new VisionTransformer(device, config, options.Sampling, exampleSlots: batch, options.Savers);
        try
        {
            _model.Parameters.Initialize(options.Seed);
            _optimizer = new AdamOptimizer(device, _model.Parameters, AdamHyperParameters.AdamW(3e-4, 0.05));
            _images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, config.Channels, config.ImageSize, config.ImageSize);
            _labels = new IntTensor(device.Pool, batch);
            _readback = new StepReadback(device);
        }
        catch
        {
            Dispose();
            throw;
        }
        var random = new Random(options.Seed);
        _images.CopyFrom(Enumerable.Range(0, (int)_images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        _labels.CopyFrom(Enumerable.Range(0, batch).Select(_ => random.Next(config.NumClasses)).ToArray());
        _examples = Enumerable.Range(0, batch).ToArray();
    }

    public StepProfileOptions Options { get; }

    /// <summary>A step with the profiler off: kernel loading and JIT happen here, not in the figures.</summary>
    public void WarmupStep()
    {
        var profiler = _device.Profiler;
        var was = profiler.Enabled;
        profiler.Enabled = false;
        try
        {
            Step();
        }
        finally
        {
            profiler.Enabled = was;
        }
    }

    /// <summary>A step with the profiler on; its launches and wall time are kept for <see cref="Result"/>.</summary>
    public void TimedStep()
    {
        var profiler = _device.Profiler;
        var (was, phase) = (profiler.Enabled, profiler.Phase);
        profiler.Reset();
        profiler.Enabled = true;
        try
        {
            var clock = Stopwatch.StartNew();
            _loss = Step();
            _wallUs.Add(clock.Elapsed.TotalMicroseconds);
            _launchesByStep.Add(profiler.Launches);
        }
        finally
        {
            profiler.Reset();
            profiler.Enabled = was;
            profiler.Phase = phase;
        }
    }

    /// <summary>The profile of the timed steps so far.</summary>
    /// <summary>
    /// A step with the profiler off and one synchronize at its end: what a training step costs
    /// without the per-launch synchronization profiling needs (images/s against PyTorch eager).
    /// </summary>
    /// <returns>The step's wall time in µs.</returns>
    public double PlainStep()
    {
        var syncs = _device.Synchronizations;
        var clock = Stopwatch.StartNew();
        WarmupStep();
        var us = clock.Elapsed.TotalMicroseconds;
        _plainUs.Add(us);
        _plainSyncs.Add(_device.Synchronizations - syncs);
        return us;
    }

    public StepProfile Result() => StepProfile.From(Options, _device.Description, _device.Peak, _launchesByStep, _wallUs, _loss) with
    {
        PlainUsPerStep = _plainUs.Count > 0 ? _plainUs.Average() : null,
        SyncsPerStep = _plainSyncs.Count > 0 ? _plainSyncs.Average() : null,
    };

    /// <summary>
    /// forward → loss → backward → optimizer, the profiler's phase set around each part, queued as the
    /// trainer queues it and ended by the same one wait: the read-back of loss, hits and gradient norm.
    /// </summary>
    private float Step()
    {
        var profiler = _device.Profiler;
        var phase = profiler.Phase;
        try
        {
            profiler.Phase = ProfilePhase.Forward;
            _model.QueueStep(_images, _labels, _readback, afterForward: () => profiler.Phase = ProfilePhase.Backward, examples: _examples);
            profiler.Phase = ProfilePhase.Optimizer;
            _optimizer.Queue(_readback.GradNorm);
            return _readback.Read().Loss;
        }
        finally
        {
            profiler.Phase = phase;
        }
    }

    public void Dispose()
    {
        _readback?.Dispose();
        _labels?.Dispose();
        _images?.Dispose();
        _optimizer?.Dispose();
        _model.Dispose();
    }
}
