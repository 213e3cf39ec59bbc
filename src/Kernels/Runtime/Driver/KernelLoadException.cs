namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>
/// A kernel that failed to load (compile, or the CUDA JIT refused its PTX): the one-line message of
/// <see cref="KernelLoadLog.Failure"/>, and its parts for the device probe's report.
/// </summary>
public sealed class KernelLoadException(string message, string kernel, string firstLine, string? logFile, Exception inner)
    : CrsException(message, exitCode: 1, inner)
{
    public string Kernel { get; } = kernel;

    /// <summary>The JIT log's first informative line (or the exception's, when nothing was traced).</summary>
    public string FirstLine { get; } = firstLine;

    /// <summary>The file holding the whole trace; null when it could not be written.</summary>
    public string? LogFile { get; } = logFile;
}
