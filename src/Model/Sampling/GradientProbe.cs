using System.Diagnostics;
using CrsIlgpu.Kernels.Attention;
using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;
using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// The training gradient probe (issue 18, item 1). On a probe step (<see cref="Begin"/> …
/// <see cref="End"/>) every sampled site, right after computing the estimate Ĝ the step applies,
/// computes the exact G of the same sum on the same batch into a scratch tensor (a dense GEMM), reads
/// both back and records ‖Ĝ − G‖/‖G‖, the cosine, k and the winner count c
/// (<see cref="ProbeMeasurement"/>). The probe only reads what the step computed and writes nothing
/// the step uses: the selection (a pure function of scores, seed, step, layer and problem) is not
/// re-keyed, no RNG state advances, and the weights after a probed run are the same bytes.
/// c comes from the step's own selection buffers (linear sites) or from running the same selection
/// again on the same scores (attention sites: <see cref="WtaCrsBatchedEstimateOp"/> keeps its buffers
/// to itself). Under the Cached policy a sampled linear keeps only its k sampled rows, so on probe
/// steps it also keeps a copy of its full input (<see cref="KeepInput"/>): the probe's extra memory,
/// whose peak is <see cref="PeakBytes"/>. Each measurement first waits for the device, so
/// <see cref="Elapsed"/> is the probe's own time (a GPU step loses its queueing on probe steps).
/// </summary>
public sealed class GradientProbe(DeviceContext device)
{
    private readonly List<ProbeMeasurement> _measurements = [];
    private long _held;

    /// <summary>Whether the current step is probed.</summary>
    public bool Active { get; private set; }

    /// <summary>Time the probe's own work took in the current (or last) probe step.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>The most device bytes the probe held at once in the current (or last) probe step.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Starts a probe step: the next forward and backward measure every sampled site.</summary>
    public void Begin()
    {
        _measurements.Clear();
        Elapsed = TimeSpan.Zero;
        PeakBytes = 0;
        _held = 0;
        Active = true;
    }

    /// <summary>Ends the probe step; returns its measurements in the order backward made them.</summary>
    public IReadOnlyList<ProbeMeasurement> End()
    {
        Active = false;
        var done = _measurements.ToList();
        _measurements.Clear();
        return done;
    }

    /// <summary>A copy of a Cached layer's full input [rows, columns] for its exact gradient at backward (give it back with <see cref="Free"/>).</summary>
    public Tensor KeepInput(Tensor x, int rows, int columns, string label)
    {
        var start = Start();
        var copy = Allocate(label + ".probe_input", rows, columns);
        if (copy.HasData && copy.Length > 0)
            x.View.SubView(0, copy.Length).CopyTo(device.Accelerator.DefaultStream, copy.View);
        Stop(start);
        return copy;
    }

    public void Free(Tensor tensor)
    {
        _held -= Bytes(tensor);
        tensor.Dispose();
    }

    /// <summary>
    /// A linear site: <paramref name="estimate"/> = the sampled dW [out, in] the step wrote, against
    /// dW = dyᵀ x over the N rows of <paramref name="dy"/> [N, out] and <paramref name="x"/> [N, in].
    /// </summary>
    public void WeightGradient(uint layerId, SampledSite site, Tensor dy, Tensor x, Tensor estimate, WtaCrsSelectionBuffers selection)
    {
        var start = Start();
        var outputs = estimate.Shape[0];
        var inputs = (int)(estimate.Length / outputs);
        var rows = (int)(dy.Length / outputs);
        var exact = Allocate("probe.exact", outputs, inputs);
        try
        {
            GemmOp.Run(device, GemmProblem.Create(GemmLayout.TN, outputs, inputs, rows), dy, x, exact);
            var block = (int)(layerId / SamplingLayerIds.PerBlock);
            Record(block, site, rows, selection.Budget, 1, selection.WinnersToHost(), estimate, exact, start);
        }
        finally
        {
            Free(exact);
        }
    }

    /// <summary>The attention sites the step sampled: av (dV = AᵀdO) and qk (dK = scale·dSᵀQ), each over the L query rows of every (batch, head).</summary>
    public void Attention(int block, AttentionShape shape, AttentionSampling sampling, Tensor attn, Tensor dO, Tensor dScores, Tensor q, Tensor dv, Tensor dk)
    {
        if (sampling.ValueLayer is { } valueLayer)
            BatchedSite(block, SampledSite.Av, shape, sampling, valueLayer, attn, dO, dv, 1f);
        if (sampling.KeyLayer is { } keyLayer)
            BatchedSite(block, SampledSite.Qk, shape, sampling, keyLayer, dScores, q, dk, AttentionOp.Scale(shape));
    }

    /// <summary>C_b = alpha·Σ_i A_b[i]ᵀ B_b[i] exactly, and c of each problem from the selection the estimate made
    /// (run again: same inputs, same rows).</summary>
    private void BatchedSite(int block, SampledSite site, AttentionShape shape, AttentionSampling sampling,
        uint layer, Tensor a, Tensor b, Tensor estimate, float alpha)
    {
        var start = Start();
        int problems = shape.BatchHeads, rows = shape.Tokens, m = a.Shape[2], n = b.Shape[2];
        var exact = Allocate("probe.exact", problems, m, n);
        var aNorms = Allocate("probe.a_norms", problems, rows);
        var bNorms = Allocate("probe.b_norms", problems, rows);
        using var selection = WtaCrsSelectionBuffers.Batched(device.Pool, problems, sampling.Budget, MemoryTag.Workspace, "probe.wtacrs");
        try
        {
            GemmOp.Run(device, GemmProblem.Create(GemmLayout.TN, m, n, rows, problems, alpha), a, b, exact);
            RowNormsOp.Run(device, a, aNorms);
            RowNormsOp.Run(device, b, bNorms);
            WtaCrsSelectionOp.SelectBatchedFromNorms(device, aNorms, bNorms, selection, sampling.Seed, sampling.Step, layer, estimator: sampling.Estimator);
            var winners = selection.WinnersToArray().Average();
            Record(block, site, rows, sampling.Budget, problems, winners, estimate, exact, start);
        }
        finally
        {
            Free(exact);
            Free(aNorms);
            Free(bNorms);
        }
    }

    private void Record(int block, SampledSite site, int rows, int budget, int problems, double winners, Tensor estimate, Tensor exact, long start)
    {
        var comparison = ProbeComparison.Of(estimate.ToArray(), exact.ToArray());
        var milliseconds = Stop(start).TotalMilliseconds;
        _measurements.Add(new ProbeMeasurement(block, site, rows, budget, problems, winners,
            comparison.RelativeError, comparison.Cosine, comparison.ExactNorm, comparison.SampledNorm, milliseconds));
    }

    /// <summary>Waits for the step's queued work (not the probe's cost), then starts the clock.</summary>
    private long Start()
    {
        device.Synchronize();
        return Stopwatch.GetTimestamp();
    }

    private TimeSpan Stop(long start)
    {
        device.Synchronize();
        var spent = Stopwatch.GetElapsedTime(start);
        Elapsed += spent;
        return spent;
    }

    private Tensor Allocate(string label, params int[] shape)
    {
        var tensor = new Tensor(device.Pool, MemoryTag.Workspace, label, shape);
        _held += Bytes(tensor);
        PeakBytes = Math.Max(PeakBytes, _held);
        return tensor;
    }

    private static long Bytes(Tensor tensor) => sizeof(float) * tensor.Length;
}
