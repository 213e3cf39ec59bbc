using System.Globalization;
using CrsIlgpu.Kernels.Bench;
using CrsIlgpu.Model;

namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// A full training step of crs (forward, loss, backward, AdamW; a seeded synthetic batch, dense)
/// against the same step in PyTorch eager (tools/reference/vit_step_torch.py --serve: the same ViT,
/// AdamW lr 3e-4 wd 0.05, fp32 with TF32 off, the same thread count on the CPU, CUDA when crs runs
/// on CUDA). After their warm-ups the two alternate step by step — crs, PyTorch, crs, ... — so a
/// slow stretch of a shared machine lands on both alike; each side's step ends with a synchronize.
/// </summary>
public static class StepBench
{
    public const string Script = "vit_step_torch.py";

    public static IReadOnlyList<StepBenchRow> Run(DeviceContext device, IReadOnlyList<(string Model, int Batch)> cases, int warmup, int steps,
        Action<string>? progress = null, string script = Script)
    {
        if (steps < 1 || warmup < 0)
            throw new CrsException($"--steps must be positive and --warmup not negative (got {steps}, {warmup})");
        var threads = device.IsCuda ? 0 : CpuThreads.Count;
        var rows = new List<StepBenchRow>();
        foreach (var (model, batch) in cases)
        {
            var config = VitConfig.Resolve(model);
            var options = new StepProfileOptions(config, batch, WarmupSteps: warmup, Steps: steps);
            options.Validate();
            // Peak over the case alone: weights, gradients, AdamW state, activations, workspaces.
            device.Pool.ResetPeak();
            using var crs = new ProfiledTraining(device, options);
            for (var i = 0; i < warmup; i++)
            {
                progress?.Invoke($"{config.Name} b{batch}: crs warm-up {i + 1}/{warmup}");
                crs.WarmupStep();
            }

            progress?.Invoke($"{config.Name} b{batch}: starting PyTorch ({warmup} warm-up steps)");
            var args = new List<string>
            {
                "--model", model, "--batch", batch.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture),
                "--optimizer", "adamw", "--weight-decay", "0.05", "--device", device.IsCuda ? "cuda" : "cpu", "--serve",
            };
            if (threads > 0)
                args.AddRange(["--threads", threads.ToString(CultureInfo.InvariantCulture)]);
            var (session, _, why) = PythonSession.Start(script, args);
            var crsMs = new List<double>();
            var torchMs = new List<double>();
            using (session)
            {
                for (var i = 0; i < steps; i++)
                {
                    progress?.Invoke($"{config.Name} b{batch}: step {i + 1}/{steps}");
                    crsMs.Add(crs.PlainStep() / 1e3);
                    if (session is null)
                        continue;
                    if (session.Ask("step")?["ms"] is { } ms)
                    {
                        torchMs.Add((double)ms);
                    }
                    else
                    {
                        why = $"{Script} stopped: {session.LastError()}";
                        break;
                    }
                }
                var summary = why is null ? session?.Finish() : null;
                if (session is not null && summary is null && why is null)
                    why = $"{Script} ended without a summary: {session.LastError()}";
                rows.Add(new StepBenchRow(config.Name, batch, steps, threads, crsMs.Average(), crsMs.Min(),
                    why is null ? torchMs.Average() : null, why is null ? torchMs.Min() : null,
                    (string?)summary?["device"], (string?)summary?["torch"], (string?)summary?["blas_core"], why)
                {
                    CrsPeakAllocatedBytes = device.Pool.PeakAllocated,
                    PyTorchMaxMemoryAllocatedBytes = summary?["max_memory_allocated"] is { } bytes ? (long)bytes : null,
                });
            }
        }
        return rows;
    }

    /// <summary>Parses "vit-cifar-tiny:128,vit-cifar-small:64".</summary>
    public static IReadOnlyList<(string Model, int Batch)> ParseCases(string text)
    {
        var cases = new List<(string, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var batch) || batch < 1)
                throw new CrsException($"--cases: '{part}' is not MODEL:BATCH like vit-cifar-tiny:128");
            cases.Add((part[..colon], batch));
        }
        if (cases.Count == 0)
            throw new CrsException("--cases: give at least one MODEL:BATCH, e.g. vit-cifar-tiny:128");
        return cases;
    }
}
