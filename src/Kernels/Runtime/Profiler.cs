using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Times kernel launches by name. When enabled, each launch is followed by a device synchronize
/// so the Stopwatch measures that kernel alone (on the CPU the work is synchronous anyway);
/// when disabled a launch scope costs nothing.
/// </summary>
public sealed class Profiler(Action synchronize)
{
    private readonly List<KernelLaunch> _launches = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();

    public bool Enabled { get; set; }

    /// <summary>Label attached to the launches that follow (forward, backward, optimizer, ...).</summary>
    public string Phase { get; set; } = "default";

    public IReadOnlyList<KernelLaunch> Launches
    {
        get
        {
            lock (_lock)
                return _launches.ToArray();
        }
    }

    /// <summary>Wrap one launch: <c>using (profiler.Launch("gemm_nn", flops, bytes)) kernel(...);</c></summary>
    public LaunchScope Launch(string kernel, double flops = 0, double bytes = 0, long groups = 0) =>
        Enabled ? new LaunchScope(this, kernel, flops, bytes, groups, _clock.Elapsed.TotalMicroseconds) : default;

    public void Reset()
    {
        lock (_lock)
            _launches.Clear();
    }

    public IReadOnlyList<KernelStats> Summary()
    {
        lock (_lock)
        {
            return _launches
                .GroupBy(l => l.Kernel)
                .Select(g => new KernelStats(
                    g.Key,
                    g.Count(),
                    g.Sum(l => l.DurationUs),
                    g.Average(l => l.DurationUs),
                    g.Min(l => l.DurationUs),
                    g.Sum(l => l.Flops),
                    g.Sum(l => l.Bytes)))
                .OrderByDescending(s => s.TotalUs)
                .ToList();
        }
    }

    public string ToTable()
    {
        var stats = Summary();
        var total = stats.Sum(s => s.TotalUs);
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-28} {1,8} {2,12} {3,12} {4,12} {5,7} {6,10} {7,10}",
            "kernel", "launches", "total ms", "mean us", "min us", "share", "GFLOP/s", "GB/s"));
        foreach (var s in stats)
        {
            sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-28} {1,8} {2,12:0.000} {3,12:0.0} {4,12:0.0} {5,6:0.0}% {6,10} {7,10}",
                s.Kernel, s.Launches, s.TotalUs / 1e3, s.MeanUs, s.MinUs, total > 0 ? 100 * s.TotalUs / total : 0,
                Rate(s.GflopsPerSecond), Rate(s.GigabytesPerSecond)));
        }
        return sb.ToString();
    }

    public string ToJson()
    {
        var kernels = new JsonArray();
        foreach (var s in Summary())
        {
            kernels.Add(new JsonObject
            {
                ["kernel"] = s.Kernel,
                ["launches"] = s.Launches,
                ["total_us"] = s.TotalUs,
                ["mean_us"] = s.MeanUs,
                ["min_us"] = s.MinUs,
                ["flops"] = s.Flops,
                ["bytes"] = s.Bytes,
                ["gflops_per_s"] = s.GflopsPerSecond,
                ["gbytes_per_s"] = s.GigabytesPerSecond,
            });
        }
        return new JsonObject { ["kernels"] = kernels }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Chrome trace event format (chrome://tracing, Perfetto): one complete event per launch.</summary>
    public string ToChromeTrace() => ChromeTrace(Launches);

    /// <summary>
    /// The trace of any list of launches: one complete ("X") event each, the phase as its category,
    /// declared flops and bytes (and anything in <paramref name="args"/>) as its arguments.
    /// </summary>
    public static string ChromeTrace(IEnumerable<KernelLaunch> launches, Func<KernelLaunch, int, JsonObject>? args = null)
    {
        var events = new JsonArray();
        var index = 0;
        foreach (var l in launches)
        {
            var a = args?.Invoke(l, index) ?? [];
            a["flops"] = l.Flops;
            a["bytes"] = l.Bytes;
            events.Add(new JsonObject
            {
                ["name"] = l.Kernel,
                ["cat"] = l.Phase,
                ["ph"] = "X",
                ["ts"] = l.StartUs,
                ["dur"] = l.DurationUs,
                ["pid"] = 1,
                ["tid"] = 1,
                ["args"] = a,
            });
            index++;
        }
        return new JsonObject { ["traceEvents"] = events, ["displayTimeUnit"] = "ms" }.ToJsonString();
    }

    private static string Rate(double? value) =>
        value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private void Record(KernelLaunch launch)
    {
        lock (_lock)
            _launches.Add(launch);
    }

    /// <summary>Ends the timed region of one launch; default (disabled) scopes do nothing.</summary>
    public readonly struct LaunchScope : IDisposable
    {
        private readonly Profiler? _profiler;
        private readonly string _kernel;
        private readonly double _flops;
        private readonly double _bytes;
        private readonly long _groups;
        private readonly double _startUs;

        internal LaunchScope(Profiler profiler, string kernel, double flops, double bytes, long groups, double startUs)
        {
            _groups = groups;
            _profiler = profiler;
            _kernel = kernel;
            _flops = flops;
            _bytes = bytes;
            _startUs = startUs;
        }

        public void Dispose()
        {
            if (_profiler is null)
                return;
            _profiler.Synchronize();
            var end = _profiler._clock.Elapsed.TotalMicroseconds;
            _profiler.Record(new KernelLaunch(_kernel, _profiler.Phase, _startUs, end - _startUs, _flops, _bytes, _groups));
        }
    }

    private void Synchronize() => synchronize();
}

/// <summary>
/// One timed launch: start and duration in microseconds since the profiler started, the declared
/// work, and the grid's groups where the launcher declared them (0: not declared).
/// </summary>
public sealed record KernelLaunch(string Kernel, string Phase, double StartUs, double DurationUs, double Flops, double Bytes, long Groups = 0);
