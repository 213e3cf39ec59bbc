using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// The WTA-CRS estimate of a batched sum over rows, C_b = alpha · Σ_i A_b[i]ᵀ B_b[i] (attention's
/// dV = Aᵀ dO and dK = scale·dSᵀ Q, summed over query rows, per (batch, head)): row norms of A and B,
/// one batched selection with p_i ∝ ‖A_b[i]‖·‖B_b[i]‖ and budget k per batch entry, then the batched
/// sampled GEMM reading the chosen rows by index. Everything stays on the device.
/// </summary>
public static class WtaCrsBatchedEstimateOp
{
    /// <summary>
    /// A [P, L, M], B [P, L, N] → C [P, M, N]; <paramref name="budget"/> rows of L per problem, draws
    /// keyed by (seed, step, layer, problem). Workspace: 2·P·L norms, the selection's buffers and workspace.
    /// </summary>
    public static void Estimate(DeviceContext device, Tensor a, Tensor b, Tensor c, int budget, uint seed, ulong step, uint layer, float alpha = 1f,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        const string op = "wtacrs_batched_estimate";
        OpCheck.That(op, a.Shape.Length == 3, $"'{a.Label}' {a.ShapeText} must be [P, L, M]");
        OpCheck.That(op, b.Shape.Length == 3 && b.Shape[0] == a.Shape[0] && b.Shape[1] == a.Shape[1],
            $"'{b.Label}' {b.ShapeText} must be [{a.Shape[0]}, {a.Shape[1]}, N] like '{a.Label}' {a.ShapeText}");
        int problems = a.Shape[0], rows = a.Shape[1], m = a.Shape[2], n = b.Shape[2];
        OpCheck.Shape(op, c, problems, m, n);
        OpCheck.That(op, budget >= 1 && budget <= rows, $"budget k = {budget} must be in [1, L = {rows}]");

        using var aNorms = new Tensor(device.Pool, MemoryTag.Workspace, (a.Label ?? "a") + ".row_norms", problems, rows);
        using var bNorms = new Tensor(device.Pool, MemoryTag.Workspace, (b.Label ?? "b") + ".row_norms", problems, rows);
        using var selection = WtaCrsSelectionBuffers.Batched(device.Pool, problems, budget, MemoryTag.Workspace, (c.Label ?? "c") + ".wtacrs");
        RowNormsOp.Run(device, a, aNorms);
        RowNormsOp.Run(device, b, bNorms);
        WtaCrsSelectionOp.SelectBatchedFromNorms(device, aNorms, bNorms, selection, seed, step, layer, estimator: estimator);
        SampledGemmOp.Batched(device, a, b, selection.Indices, selection.Scales, c, alpha);
    }
}
