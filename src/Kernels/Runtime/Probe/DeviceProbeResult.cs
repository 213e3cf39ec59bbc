namespace CrsIlgpu.Kernels.Runtime.Probe;

/// <summary>
/// The first contact with one device: every stage tried, in order, with its time and result. The
/// probe passes only when the last stage, <see cref="ProbeStage.Check"/>, succeeded and none failed
/// on the way (a missing entry point fails the probe even if the kernel still ran: ILGPU would call
/// it later).
/// </summary>
public sealed record DeviceProbeResult(string Device, string Kind, int? Ordinal, string Kernel, int Elements, IReadOnlyList<ProbeStep> Steps)
{
    public bool Passed => Steps.Count > 0 && Steps[^1] is { Stage: ProbeStage.Check, Ok: true } && Steps.All(s => s.Ok);

    /// <summary>The first stage that failed; null when the probe passed.</summary>
    public ProbeStep? Failure => Steps.FirstOrDefault(s => !s.Ok);

    /// <summary>The last stage that succeeded; null when the first one failed.</summary>
    public ProbeStage? Reached => Steps.LastOrDefault(s => s.Ok)?.Stage;

    /// <summary>The furthest stage tried: how far this device got, for picking the most telling failure.</summary>
    public ProbeStage Furthest => Steps.Count > 0 ? Steps.Max(s => s.Stage) : ProbeStage.Library;

    public int? ErrorCode => Failure?.ErrorCode;

    public string? ErrorName => Failure?.ErrorName;

    /// <summary>The driver entry points ILGPU binds that the loaded library lacks (CUDA only).</summary>
    public IReadOnlyList<string> MissingEntryPoints { get; init; } = [];

    /// <summary>The whole trace of a failed kernel load (the CUDA JIT's log), and its first informative line.</summary>
    public string? JitLog { get; init; }

    public string? JitLogFirstLine { get; init; }

    public double TotalMilliseconds => Steps.Sum(s => s.Milliseconds);

    /// <summary>One line: "CUDA device 0: NVIDIA H200: failed at context: …" or "… passed (12.3 ms)".</summary>
    public string Describe() => Failure is { } f
        ? $"{Device}: failed at {ProbeStep.NameOf(f.Stage)}: {f.Detail}"
        : Passed
            ? $"{Device}: passed: {Kernel} over {Elements} values equals its C# reference ({TotalMilliseconds:0.0} ms)"
            : $"{Device}: stopped after {ProbeStep.NameOf(Furthest)}";
}
