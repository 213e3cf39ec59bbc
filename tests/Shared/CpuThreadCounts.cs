using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// Runs the same work under several CPU-backend thread limits (<see cref="CpuThreads.Count"/>, a
/// process-wide setting) and restores the limit it found, for tests that compare the bytes.
/// </summary>
public static class CpuThreadCounts
{
    public static List<T> Each<T>(IEnumerable<int> counts, Func<T> work)
    {
        var before = CpuThreads.Count;
        try
        {
            return counts.Select(threads =>
            {
                CpuThreads.Count = threads;
                return work();
            }).ToList();
        }
        finally
        {
            CpuThreads.Count = before;
        }
    }
}
