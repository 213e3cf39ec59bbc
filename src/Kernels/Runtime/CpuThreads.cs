namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// How many threads the CPU backend's ops may use: the environment variable
/// <c>CRS_CPU_THREADS</c> (a positive integer) when set, else every core. Every Parallel.For of the
/// CPU backend runs with <see cref="Options"/>, and GemmCpu sizes its work split by <see cref="Count"/>.
/// Results never depend on it: every op splits its work into partitions fixed by the problem's
/// shape and combines partial sums in partition order, so a seed gives the same bytes with 1 thread
/// or 64 and under any load (tests run the same training steps with 1, 2 and 4 threads).
/// </summary>
public static class CpuThreads
{
    public const string EnvironmentVariable = "CRS_CPU_THREADS";

    private static ParallelOptions? _options;

    /// <summary>The thread limit; setting it (tests) takes effect for the next op.</summary>
    public static int Count
    {
        get => Options.MaxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _options = new ParallelOptions { MaxDegreeOfParallelism = value };
        }
    }

    /// <summary>Parallel.For options carrying the limit (read once from the environment).</summary>
    public static ParallelOptions Options => _options ??= new ParallelOptions { MaxDegreeOfParallelism = FromEnvironment() };

    private static int FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
            return Environment.ProcessorCount;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count < 1)
            throw new CrsException($"{EnvironmentVariable}='{text}': expected a positive number of CPU threads");
        return count;
    }
}
