using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// WTA-CRS row selection (docs/wtacrs.md) into <see cref="WtaCrsSelectionBuffers"/> of budget k (use
/// <see cref="WtaCrsBudget.For"/> for k = min(N, max(⌊ρN⌋, k_min))). One path for P independent
/// problems of N rows each; a single selection is P = 1. On the kernel path it is ONE launch (one
/// group per problem) with a pooled workspace of P·(2·pow2(N) + N)·4 bytes; draws are keyed by
/// (seed, step, layer, problem) and identical to <see cref="WtaCrsSelectionReference"/>'s.
/// A single selection of many rows (a linear layer's N token rows) runs device-wide instead, every
/// phase over many groups (<see cref="WtaCrsDeviceSelectionKernels"/>): the same rows, chosen by
/// <see cref="WtaCrsSelectionPlan"/> (<paramref name="path"/> forces one; tests and benches use it).
/// <c>estimator</c> <see cref="WtaCrsEstimator.TopK"/> runs the biased top-k baseline on the same paths.
/// </summary>
public static class WtaCrsSelectionOp
{
    /// <summary>Selection from scores s_i ≥ 0 (finite, with a finite sum) [N].</summary>
    public static void Select(DeviceContext device, Tensor scores, WtaCrsSelectionBuffers output,
        uint seed, ulong step, uint layer, int? groupSize = null, WtaCrsSelectionPath path = WtaCrsSelectionPath.Auto,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs) =>
        Run(device, Single(scores, null, output), scores, null, output, seed, step, layer, groupSize, path, estimator);

    /// <summary>Selection from p_i ∝ ‖X_i‖·‖G_i‖: the row norms of X and of G, both [N].</summary>
    public static void SelectFromNorms(DeviceContext device, Tensor xNorms, Tensor gNorms, WtaCrsSelectionBuffers output,
        uint seed, ulong step, uint layer, int? groupSize = null, WtaCrsSelectionPath path = WtaCrsSelectionPath.Auto,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs) =>
        Run(device, Single(xNorms, gNorms, output), xNorms, gNorms, output, seed, step, layer, groupSize, path, estimator);

    /// <summary>
    /// Independent selections in each of P row sets of L rows: scores [P, L] → output made by
    /// <see cref="WtaCrsSelectionBuffers.Batched"/>(P, k). Problem b draws from (seed, step, layer, b),
    /// as <see cref="WtaCrsSelectionReference.SelectBatched"/> does; problem 0 draws what a single selection draws.
    /// </summary>
    public static void SelectBatched(DeviceContext device, Tensor scores, WtaCrsSelectionBuffers output,
        uint seed, ulong step, uint layer, int? groupSize = null, WtaCrsSelectionPath path = WtaCrsSelectionPath.Auto,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs) =>
        Run(device, Batched(scores, null, output), scores, null, output, seed, step, layer, groupSize, path, estimator);

    /// <summary>Batched selection from p_i ∝ ‖A_i‖·‖B_i‖ per problem: two norm tensors [P, L] (e.g. attention's query rows per (batch, head)).</summary>
    public static void SelectBatchedFromNorms(DeviceContext device, Tensor firstNorms, Tensor secondNorms, WtaCrsSelectionBuffers output,
        uint seed, ulong step, uint layer, int? groupSize = null, WtaCrsSelectionPath path = WtaCrsSelectionPath.Auto,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs) =>
        Run(device, Batched(firstNorms, secondNorms, output), firstNorms, secondNorms, output, seed, step, layer, groupSize, path, estimator);

    /// <summary>
    /// What the kernel path launches for <paramref name="problems"/> selections of <paramref name="n"/>
    /// rows with budget <paramref name="k"/> on this device; null on the CPU backend (plain C#, no launches).
    /// </summary>
    public static WtaCrsSelectionPlan? Plan(DeviceContext device, int problems, int n, int k, WtaCrsSelectionPath path = WtaCrsSelectionPath.Auto) =>
        device.Mode == ExecutionMode.Kernels ? WtaCrsSelectionPlan.For(device.Accelerator, problems, n, k, path) : null;

    /// <summary>A single selection's shapes: scores [N], buffers of one problem. Returns N.</summary>
    private static int Single(Tensor first, Tensor? second, WtaCrsSelectionBuffers output)
    {
        const string op = WtaCrsSelectionKernels.Name;
        OpCheck.That(op, first.Shape.Length == 1, $"'{first.Label}' {first.ShapeText} must be a vector of per-row scores");
        OpCheck.That(op, output.Problems == 1, $"the output holds {output.Problems} problems: use SelectBatched");
        if (second is not null)
            OpCheck.SameShape(op, first, second);
        return first.Shape[0];
    }

    /// <summary>A batched selection's shapes: scores [P, L], buffers of P problems. Returns L.</summary>
    private static int Batched(Tensor first, Tensor? second, WtaCrsSelectionBuffers output)
    {
        const string op = WtaCrsSelectionKernels.Name;
        OpCheck.That(op, first.Shape.Length == 2, $"'{first.Label}' {first.ShapeText} must be [problems, L] per-row scores");
        if (second is not null)
            OpCheck.SameShape(op, first, second);
        OpCheck.That(op, output.Problems == first.Shape[0],
            $"'{first.Label}' {first.ShapeText} holds {first.Shape[0]} problems but the output holds {output.Problems}");
        return first.Shape[1];
    }

    /// <summary>The one selection path: <c>output.Problems</c> problems of <paramref name="n"/> rows each.</summary>
    private static void Run(
        DeviceContext device, int n, Tensor first, Tensor? second, WtaCrsSelectionBuffers output,
        uint seed, ulong step, uint layer, int? groupSize, WtaCrsSelectionPath path, WtaCrsEstimator estimator)
    {
        const string op = WtaCrsSelectionKernels.Name;
        var problems = output.Problems;
        OpCheck.That(op, n <= WtaCrsSelectionReference.MaxRows, $"at most {WtaCrsSelectionReference.MaxRows} rows per problem, got {n}");
        var k = output.Budget;
        OpCheck.That(op, k <= n && (k >= 1 || n == 0), $"budget k = {k} must be in [1, N = {n}]");
        OpCheck.That(op, path != WtaCrsSelectionPath.DeviceWide || problems == 1, $"the device-wide selection runs one problem, not {problems}");
        if (n == 0)
            return;

        if (device.Mode == ExecutionMode.CpuBackend)
        {
            if (device.IsPlanning)
                return;
            using var _ = device.Profiler.Launch(op, problems * SortWork(n), problems * 16.0 * n);
            WtaCrsSelectionCpu.Select(first.AsSpan(), second is null ? default : second.AsSpan(), second is not null,
                output.IndicesSpan(), output.Scales.AsSpan(), output.WinnerCountSpan(), seed, step, layer, estimator);
            return;
        }

        var plan = WtaCrsSelectionPlan.For(device.Accelerator, problems, n, k, path, groupSize);
        var deviceWide = plan.Path == WtaCrsSelectionPath.DeviceWide;
        // k ≥ N keeps every row and touches no workspace.
        var needsWork = k < n;
        var floats = deviceWide ? WtaCrsDeviceSelectionKernels.FloatWorkspace(n) : problems * WtaCrsSelectionKernels.FloatWorkspace(n);
        var ints = deviceWide ? WtaCrsDeviceSelectionKernels.IntWorkspace(n) : problems * WtaCrsSelectionKernels.IntWorkspace(n);
        using var floatWork = new Tensor(device.Pool, MemoryTag.Workspace, "wtacrs.keys_prefix", needsWork ? checked((int)floats) : 1);
        using var intWork = new Tensor(device.Pool, MemoryTag.Workspace, "wtacrs.order", needsWork ? checked((int)ints) : 1);
        if (device.IsPlanning)
            return;
        var firstView = first.View;
        var secondView = second?.View ?? firstView;
        if (deviceWide)
        {
            // Each of its launches reports to the profiler under its own catalog name.
            WtaCrsDeviceSelectionKernels.Launch(device, plan, firstView, secondView, second is not null,
                floatWork.View, intWork.View.Cast<int>(), output.Indices.View, output.Scales.View, output.WinnerCount, seed, step, layer, estimator);
            return;
        }
        using (device.Profiler.Launch(op, problems * SortWork(n), problems * (8.0 * WtaCrsSelectionKernels.PaddedLength(n) * Stages(n) + 16.0 * n)))
        {
            WtaCrsSelectionKernels.Launch(device, firstView, secondView, second is not null,
                floatWork.View, intWork.View.Cast<int>(), output.Indices.View, output.Scales.View, output.WinnerCount,
                problems, n, k, seed, step, layer, plan.ElementGroup, estimator);
        }
    }

    private static int Stages(int n)
    {
        var log = 0;
        while ((1 << log) < n)
            log++;
        return log * (log + 1) / 2;
    }

    /// <summary>Comparisons of the bitonic sort (the profiler's "flops").</summary>
    private static double SortWork(int n) => 0.5 * WtaCrsSelectionKernels.PaddedLength(n) * Stages(n);
}
