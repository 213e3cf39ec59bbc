using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// The phases of a profiled training step. Forward, backward and optimizer are set on the profiler
/// around each part of the step; the WTA-CRS selection phase is re-attributed afterwards by kernel
/// name (row norms, selection, row gather, gradient-norm cache), wherever in the step those kernels
/// ran, so the model needs no profiling hooks. The sampled GEMM stays in backward: it replaces the
/// dense weight-gradient GEMM there, so it is not a cost added by sampling. The saved-tensor codecs
/// (encode after each block's forward, decode at each backward read) are their own phase the same
/// way: the cost of <c>--save-precision</c>.
/// </summary>
public static class ProfilePhase
{
    public const string Forward = "forward";

    /// <summary>The fused softmax cross-entropy (loss and its gradient) and the backward pass.</summary>
    public const string Backward = "backward";

    public const string Selection = "wtacrs-selection";

    /// <summary>Only in a step that encodes what it keeps; listed after the others.</summary>
    public const string Codec = "saved-codec";

    public const string Optimizer = "optimizer";

    /// <summary>The order tables list phases in.</summary>
    public static IReadOnlyList<string> All { get; } = [Forward, Backward, Selection, Optimizer];

    private static readonly Lazy<HashSet<string>> SelectionKernels = new(() =>
        KernelCatalog.All
            .Where(e => e.Family == "Sampling")
            .Select(e => e.Name)
            .Except(SampledGemmKernels.Catalog.Concat(SampledGemmLargeKernels.Catalog).Select(e => e.Name))
            .ToHashSet());

    /// <summary>True for the sampling-support kernels: every Sampling-family kernel except the sampled GEMMs.</summary>
    public static bool IsSelectionKernel(string kernel) => SelectionKernels.Value.Contains(kernel);

    private static readonly Lazy<HashSet<string>> CodecKernels = new(() =>
        KernelCatalog.All.Where(e => e.Family == "Codec").Select(e => e.Name).ToHashSet());

    /// <summary>
    /// The phase a launch counts in: the selection phase for the sampling-support kernels, the codec
    /// phase for the saved-tensor codecs, else the phase it ran in.
    /// </summary>
    public static string Of(string kernel, string launchPhase) =>
        IsSelectionKernel(kernel) ? Selection : CodecKernels.Value.Contains(kernel) ? Codec : launchPhase;

    /// <summary>Position in <see cref="All"/>; unknown phases sort last.</summary>
    public static int Order(string phase)
    {
        var index = All.ToList().IndexOf(phase);
        return index < 0 ? All.Count : index;
    }
}
