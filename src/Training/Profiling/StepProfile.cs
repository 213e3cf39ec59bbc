using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// The profile of a training step, averaged over the timed steps: every kernel per phase, the phase
/// totals (their shares sum to 100% of the summed kernel time), the step's wall time and what of it
/// no kernel accounts for (host work, launch and synchronization overhead).
/// </summary>
public sealed record StepProfile(
    string Model,
    int Batch,
    string Sampling,
    double Ratio,
    string Device,
    int WarmupSteps,
    int Steps,
    double WallUsPerStep,
    double KernelUsPerStep,
    float Loss,
    IReadOnlyList<PhaseTotal> Phases,
    IReadOnlyList<KernelProfileRow> Kernels)
{
    /// <summary>Wall time of the step minus its summed kernel time.</summary>
    public double UnattributedUsPerStep => WallUsPerStep - KernelUsPerStep;

    /// <summary>Mean wall time of the unprofiled steps (profiler off, one synchronize per step); null when none ran.</summary>
    public double? PlainUsPerStep { get; init; }

    /// <summary>Kernel launches per timed step (all phases).</summary>
    public double LaunchesPerStep => Phases.Sum(p => p.LaunchesPerStep);

    /// <summary>
    /// Host waits for the device per unprofiled step (<see cref="DeviceContext.Synchronizations"/>:
    /// synchronizes and blocking copies; the profiler's own per-launch waits are not in it); null when none ran.
    /// </summary>
    public double? SyncsPerStep { get; init; }

    /// <summary>Training images per second of the unprofiled steps: the figure to hold against PyTorch eager.</summary>
    public double? ImagesPerSecond => PlainUsPerStep is > 0 ? Batch / (PlainUsPerStep.Value / 1e6) : null;

    /// <summary>Each timed step's launches, phases already attributed (for the trace).</summary>
    [JsonIgnore]
    public IReadOnlyList<IReadOnlyList<KernelLaunch>> LaunchesByStep { get; init; } = [];

    /// <summary>
    /// Aggregates the timed steps' launches. <paramref name="launchesByStep"/> holds each step's
    /// launches with the phase they ran in; <paramref name="wallUs"/> each step's wall time.
    /// </summary>
    public static StepProfile From(StepProfileOptions options, string device, DevicePeak? peak,
        IReadOnlyList<IReadOnlyList<KernelLaunch>> launchesByStep, IReadOnlyList<double> wallUs, float loss)
    {
        if (launchesByStep.Count == 0 || launchesByStep.Count != wallUs.Count)
            throw new ArgumentException("one launch list and one wall time per timed step are needed");
        var steps = launchesByStep.Count;
        var attributed = launchesByStep
            .Select(step => (IReadOnlyList<KernelLaunch>)step.Select(l => l with { Phase = ProfilePhase.Of(l.Kernel, l.Phase) }).ToList())
            .ToList();
        var all = attributed.SelectMany(s => s).ToList();
        var kernelUs = all.Sum(l => l.DurationUs) / steps;

        double Share(double usPerStep) => kernelUs > 0 ? 100 * usPerStep / kernelUs : 0;

        var kernels = all
            .GroupBy(l => (l.Phase, l.Kernel))
            .Select(g =>
            {
                var totalUs = g.Sum(l => l.DurationUs);
                var flops = g.Sum(l => l.Flops);
                var bytes = g.Sum(l => l.Bytes);
                return new KernelProfileRow(
                    g.Key.Phase,
                    g.Key.Kernel,
                    KernelCatalog.Find(g.Key.Kernel)?.PtxEntryName,
                    (double)g.Count() / steps,
                    totalUs / steps,
                    totalUs / g.Count(),
                    g.Min(l => l.DurationUs),
                    Share(totalUs / steps),
                    flops / steps,
                    bytes / steps,
                    flops > 0 && totalUs > 0 ? flops / (totalUs * 1e3) : null,
                    bytes > 0 && totalUs > 0 ? bytes / (totalUs * 1e3) : null,
                    RooflinePosition.Of(flops, bytes, totalUs / 1e6, peak),
                    g.Any(l => l.Groups > 0) ? g.Where(l => l.Groups > 0).Average(l => (double)l.Groups) : null);
            })
            .OrderBy(r => ProfilePhase.Order(r.Phase))
            .ThenByDescending(r => r.TotalUsPerStep)
            .ToList();

        var phases = kernels
            .GroupBy(r => r.Phase)
            .Select(g => new PhaseTotal(g.Key, g.Sum(r => r.LaunchesPerStep), g.Sum(r => r.TotalUsPerStep), Share(g.Sum(r => r.TotalUsPerStep))))
            .OrderBy(p => ProfilePhase.Order(p.Phase))
            .ToList();

        return new StepProfile(options.Config.Name, options.Batch, options.SamplingText, options.Sampling?.Ratio ?? 1.0, device,
            options.WarmupSteps, steps, wallUs.Average(), kernelUs, loss, phases, kernels)
        {
            LaunchesByStep = attributed,
        };
    }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>profile.json: the whole record, snake_case, times in microseconds per step.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// trace.json (chrome://tracing, Perfetto): one complete event per launch of the timed steps, the
    /// attributed phase as category, the step number and declared work as arguments; time 0 is the
    /// first timed launch.
    /// </summary>
    public string ToChromeTrace()
    {
        var launches = LaunchesByStep.SelectMany((step, i) => step.Select(l => (Step: i, Launch: l))).ToList();
        var origin = launches.Count > 0 ? launches.Min(x => x.Launch.StartUs) : 0;
        return Profiler.ChromeTrace(launches.Select(x => x.Launch with { StartUs = x.Launch.StartUs - origin }),
            (_, index) => new JsonObject { ["step"] = launches[index].Step });
    }
}

/// <summary>One phase of a training step: launches and kernel time per step, and its share of the summed kernel time.</summary>
public sealed record PhaseTotal(string Phase, double LaunchesPerStep, double TotalUsPerStep, double SharePercent);
