using System.Diagnostics;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Times a repeated action after a warm-up (JIT tiering and kernel loading happen there, not in the
/// figures). Each repeat ends with the device synchronized, so GPU work is inside the interval.
/// </summary>
public static class BenchTimer
{
    public static (int Repeats, double MeanMs, double MinMs) Measure(Action run, Action synchronize, double warmupSeconds = 0.3, double minSeconds = 1.0,
        int minRepeats = 3, int maxRepeats = 1000)
    {
        var warm = Stopwatch.StartNew();
        var warmRuns = 0;
        while (warmRuns < 2 || warm.Elapsed.TotalSeconds < warmupSeconds)
        {
            run();
            synchronize();
            warmRuns++;
            if (warm.Elapsed.TotalSeconds > 5 * warmupSeconds && warmRuns >= 1)
                break;
        }

        var total = Stopwatch.StartNew();
        var min = double.MaxValue;
        var repeats = 0;
        while (repeats < minRepeats || (total.Elapsed.TotalSeconds < minSeconds && repeats < maxRepeats))
        {
            var one = Stopwatch.StartNew();
            run();
            synchronize();
            min = Math.Min(min, one.Elapsed.TotalMilliseconds);
            repeats++;
        }
        return (repeats, total.Elapsed.TotalMilliseconds / repeats, min);
    }
}
