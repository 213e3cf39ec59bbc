using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Training.Memory;

/// <summary>The largest batch of one configuration whose planned training step fits a capacity, and what that plan peaks at.</summary>
public sealed record MaxBatchResult(string Sampling, double Ratio, long Capacity, int MaxBatch, long PeakReserved, long PeakAllocated, int Plans);

/// <summary>
/// Searches the largest batch whose full training step (forward, loss, backward, Adam) fits a
/// device of <c>capacity</c> bytes, on the planner: every allocation of the kernel path made
/// through the pool with no memory behind it, refused once the pool would reserve more than the
/// capacity (segments, rounding and fragmentation included — what the pool would ask the driver
/// for; the CUDA context and the driver's own use are not counted). A step's memory grows with the
/// batch, so "fits" is monotone: two plans give a linear estimate, then steps and bisection pin
/// the exact largest batch (a handful of plans, seconds each).
/// </summary>
public static class MaxBatchSearch
{
    public static MaxBatchResult Find(VitConfig config, long capacity, WtaCrsConfig? sampling, MemorySavers? savers, Action<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var limit = config.MaxBatch(); // beyond it a tensor exceeds 2^31-1 values
        var plans = 0;
        var fits = new Dictionary<int, StepMemoryReport?>();
        StepMemoryReport? Plan(int batch, long cap)
        {
            plans++;
            using var device = DeviceContext.CreatePlanner(capacity: cap);
            try
            {
                return StepMemory.Measure(device, config, batch, sampling: sampling, savers: savers);
            }
            catch (OutOfDeviceMemoryException)
            {
                return null;
            }
        }
        bool Fits(int batch)
        {
            if (!fits.TryGetValue(batch, out var report))
            {
                fits[batch] = report = Plan(batch, capacity);
                progress?.Invoke($"{WtaCrsConfig.Describe(sampling)}: batch {batch} " +
                    $"{(report is null ? "does not fit" : "fits, peak reserved " + ByteSize.Format(report.Stats.PeakReserved))}");
            }
            return report is not null;
        }

        if (!Fits(1))
            return Result(0);
        // Linear estimate from two unlimited plans: peak(b) ≈ fixed + b · per image.
        var small = Plan(1, long.MaxValue)!.Stats.PeakReserved;
        var probe = Math.Min(limit, 16);
        var large = Plan(probe, long.MaxValue)!.Stats.PeakReserved;
        var perImage = Math.Max(1.0, (large - small) / (double)Math.Max(1, probe - 1));
        var guess = (int)Math.Clamp(1 + Math.Floor((capacity - small) / perImage), 1, limit);

        // Bracket [lo fits, hi does not] around the guess, widening by doubling steps, then bisect.
        int lo, hi;
        if (Fits(guess))
        {
            lo = guess;
            var step = 1;
            while (true)
            {
                if (lo >= limit)
                    return Result(limit);
                var next = (int)Math.Min((long)lo + step, limit);
                if (!Fits(next)) { hi = next; break; }
                lo = next;
                step *= 2;
            }
        }
        else
        {
            hi = guess;
            var step = 1;
            while (true)
            {
                var next = Math.Max(1, hi - step);
                if (Fits(next)) { lo = next; break; }
                hi = next;
                step *= 2;
            }
        }
        while (hi - lo > 1)
        {
            var mid = lo + (hi - lo) / 2;
            if (Fits(mid)) lo = mid; else hi = mid;
        }
        return Result(lo);

        MaxBatchResult Result(int batch)
        {
            var stats = batch > 0 ? fits[batch]!.Stats : null;
            return new MaxBatchResult(WtaCrsConfig.Describe(sampling) + (savers ?? MemorySavers.None).Describe(),
                sampling?.Ratio ?? 1.0, capacity, batch, stats?.PeakReserved ?? 0, stats?.PeakAllocated ?? 0, plans);
        }
    }
}
