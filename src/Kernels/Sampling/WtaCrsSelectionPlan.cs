using CrsIlgpu.Kernels.Reduction;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>One kernel launch of a selection: its catalog name, groups and threads per group.</summary>
public sealed record WtaCrsSelectionLaunch(string Kernel, int Groups, int GroupSize);

/// <summary>
/// What the kernel path launches for one selection of <see cref="Problems"/> × <see cref="Rows"/>
/// rows with budget <see cref="Budget"/>: the path, the group sizes and the launch list. The launchers
/// read their group sizes and merge passes from here, so <see cref="Launches"/> is what runs
/// (`crs bench wtacrs` prints it; a test checks it against the profiler's record).
/// </summary>
public sealed record WtaCrsSelectionPlan(
    WtaCrsSelectionPath Path, int Problems, int Rows, int Budget,
    int ElementGroup, int ChunkGroup, int TileGroup, int OffsetsGroup, int DrawGroup, int MergePasses,
    IReadOnlyList<WtaCrsSelectionLaunch> Launches)
{
    /// <summary>
    /// A single selection of at least this many rows runs device-wide. A documented guess until
    /// measured on a GPU (docs/results.md): below it the one-group bitonic sort has at most
    /// 78 barrier-separated passes over ≤ 4096 keys (≈ tens of µs on one SM), about what the
    /// device-wide path's 9+ launches cost; above it the one-group cost grows as N·log²N on one SM.
    /// </summary>
    public const int DeviceWideMinRows = 4096;

    /// <summary>Threads per group of the element-wise device-wide kernels (scores, merge) on a GPU.</summary>
    public const int GpuElementGroup = 256;

    /// <summary>Threads per group of the chunk kernels on a GPU: the 1,024 fixed chunks over 8 groups (8 SMs).</summary>
    public const int GpuChunkGroup = 128;

    /// <summary>On the CPU accelerator every thread is simulated: one warp per group.</summary>
    public const int CpuGroup = 32;

    public int TotalGroups => Launches.Sum(l => l.Groups);

    /// <summary>
    /// The plan for <paramref name="problems"/> selections of <paramref name="n"/> rows, budget
    /// <paramref name="k"/>. <paramref name="groupSize"/>, when given, sets every group size (tests
    /// show the rows do not depend on it).
    /// </summary>
    public static WtaCrsSelectionPlan For(
        Accelerator accelerator, int problems, int n, int k, WtaCrsSelectionPath path = WtaCrsSelectionPath.Auto, int? groupSize = null)
    {
        var resolved = Resolve(problems, n, path);
        if (resolved == WtaCrsSelectionPath.GroupPerProblem)
        {
            var group = WtaCrsSelectionKernels.GroupFor(accelerator, n, groupSize);
            IReadOnlyList<WtaCrsSelectionLaunch> one = problems == 0 || n == 0 ? [] : [new(WtaCrsSelectionKernels.Name, problems, group)];
            return new WtaCrsSelectionPlan(resolved, problems, n, k, group, group, group, group, group, 0, one);
        }

        var limit = Math.Min(GroupReduce.MaxGroupSize, accelerator.MaxNumThreadsPerGroup);
        if (groupSize is { } size && (size < 1 || size > limit))
            throw new ArgumentOutOfRangeException(nameof(groupSize), size, $"{WtaCrsSelectionKernels.Name}: group size must be in [1, {limit}]");
        var cuda = accelerator.AcceleratorType == AcceleratorType.Cuda;
        int Pick(int gpu) => groupSize ?? Math.Min(limit, cuda ? gpu : CpuGroup);
        int element = Pick(GpuElementGroup), chunk = Pick(GpuChunkGroup), tile = Pick(WtaCrsDeviceSelectionKernels.Tile / 2),
            offsets = Pick(GroupReduce.MaxGroupSize), draw = Pick(GpuElementGroup);
        var passes = 0;
        for (var width = WtaCrsDeviceSelectionKernels.Tile; width < n; width *= 2)
            passes++;
        var launches = new List<WtaCrsSelectionLaunch>();
        if (n > 0 && k < n)
        {
            const int chunks = WtaCrsSelectionReference.Chunks;
            launches.Add(new(WtaCrsDeviceSelectionKernels.ScoresName, Groups(n, element), element));
            launches.Add(new(WtaCrsDeviceSelectionKernels.ChunkSumsName, Groups(chunks, chunk), chunk));
            launches.Add(new(WtaCrsDeviceSelectionKernels.ChunkOffsetsName, 1, offsets));
            launches.Add(new(WtaCrsDeviceSelectionKernels.SortTilesName, Groups(n, WtaCrsDeviceSelectionKernels.Tile), tile));
            for (var pass = 0; pass < passes; pass++)
                launches.Add(new(WtaCrsDeviceSelectionKernels.MergeName, Groups(n, element), element));
            launches.Add(new(WtaCrsDeviceSelectionKernels.ChunkSumsName, Groups(chunks, chunk), chunk));
            launches.Add(new(WtaCrsDeviceSelectionKernels.ChunkOffsetsName, 1, offsets));
            launches.Add(new(WtaCrsDeviceSelectionKernels.PrefixArgMinName, Groups(chunks, chunk), chunk));
        }
        if (n > 0)
            launches.Add(new(WtaCrsDeviceSelectionKernels.DrawName, Groups(k, draw), draw));
        return new WtaCrsSelectionPlan(resolved, problems, n, k, element, chunk, tile, offsets, draw, passes, launches);
    }

    /// <summary>The path <paramref name="path"/> means for this shape (Auto resolved; DeviceWide needs a single problem).</summary>
    public static WtaCrsSelectionPath Resolve(int problems, int n, WtaCrsSelectionPath path)
    {
        if (path == WtaCrsSelectionPath.DeviceWide && problems != 1)
            throw new ArgumentException($"the device-wide selection runs one problem, not {problems}", nameof(path));
        return path switch
        {
            WtaCrsSelectionPath.Auto => problems == 1 && n >= DeviceWideMinRows ? WtaCrsSelectionPath.DeviceWide : WtaCrsSelectionPath.GroupPerProblem,
            _ => path,
        };
    }

    internal static int Groups(int threads, int group) => Math.Max(1, (threads + group - 1) / group);
}
