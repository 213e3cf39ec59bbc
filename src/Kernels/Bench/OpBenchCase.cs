namespace CrsIlgpu.Kernels.Bench;

/// <summary>An <see cref="IOpBenchCase"/> from two delegates and the resources to free.</summary>
public sealed class OpBenchCase(string op, string shape, double flops, double bytes, Action run, Action runReference, params IDisposable[] resources)
    : IOpBenchCase
{
    public string Op => op;

    public string Shape => shape;

    public double Flops => flops;

    public double Bytes => bytes;

    /// <summary>
    /// Runs the op and the reference once from the same inputs and compares their outputs
    /// (`crs bench kernel`); null for cases that are only timed (`crs bench ops`).
    /// </summary>
    public Func<KernelCheck>? Check { get; init; }

    public void Run() => run();

    public void RunReference() => runReference();

    public void Dispose()
    {
        foreach (var r in resources)
            r.Dispose();
    }
}
