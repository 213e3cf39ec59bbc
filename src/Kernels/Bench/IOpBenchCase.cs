namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// One op at one size, with its inputs already on the device. <see cref="Run"/> is the device's
/// implementation (ILGPU kernel or C# CPU backend), <see cref="RunReference"/> the plain C#
/// reference on host arrays; `crs bench ops` times both in the same run. Disposing frees the tensors.
/// </summary>
public interface IOpBenchCase : IDisposable
{
    string Op { get; }

    string Shape { get; }

    /// <summary>Floating-point operations of one <see cref="Run"/> (0 if not meaningful).</summary>
    double Flops { get; }

    /// <summary>Bytes one <see cref="Run"/> must read and write at least.</summary>
    double Bytes { get; }

    void Run();

    void RunReference();
}
