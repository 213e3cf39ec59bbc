using System.Text.Json.Serialization;

namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>One search for the CUDA driver library: every path tried and why it failed, and the one that loaded.</summary>
public sealed record CudaDriverSearch(IReadOnlyList<CudaDriverSearch.Attempt> Attempts, string? Loaded, [property: JsonIgnore] IntPtr Handle)
{
    /// <summary>One line for errors and `crs devices`: what loaded, or each path tried with its reason.</summary>
    public string Describe() => Loaded is not null
        ? $"driver library {Loaded}"
        : Attempts.Count == 0
            ? "no driver library tried"
            : "no driver library loaded (tried " + string.Join("; ", Attempts.Select(a => $"{a.Path}: {a.Error}")) + ")";

    /// <summary>A path tried; <see cref="Error"/> is null when it loaded.</summary>
    public sealed record Attempt(string Path, string? Error);
}
