namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// An error caused by the user's input or machine (bad option, missing GPU, out of memory):
/// the CLI prints its message on one line and exits with <see cref="ExitCode"/>, no stack trace.
/// </summary>
public class CrsException : Exception
{
    public CrsException(string message, int exitCode = 2, Exception? inner = null)
        : base(message, inner) => ExitCode = exitCode;

    public int ExitCode { get; }
}
