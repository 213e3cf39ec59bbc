using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model;
using ILGPU.Runtime;

namespace CrsIlgpu.Training.Optim;

/// <summary>
/// Adam / AdamW over every parameter of a store, with optional global-norm clipping folded into the
/// update's gradient scale. The first and second moments are one pooled allocation each (tag
/// OptimizerState) laid out like the store's flat values and gradients (llm.c's layout), with a
/// view per parameter for checkpoints; so a step is one update launch over everything, plus two
/// launches for the gradient norm when clipping, and no host round trip (the clipping scale is
/// computed on the device from the norm). The bytes are those of the per-tensor updates: the same
/// elementwise arithmetic, the same norm partials in the same order.
/// </summary>
public sealed class AdamOptimizer : IDisposable
{
    private readonly DeviceContext _device;
    private readonly ParameterStore _parameters;
    private readonly Tensor _m;
    private readonly Tensor _v;
    private readonly List<(Parameter Param, Tensor M, Tensor V)> _state = [];
    private readonly GlobalNormPlan? _normPlan;

    public AdamOptimizer(DeviceContext device, ParameterStore parameters, AdamHyperParameters hyper, float? clipNorm = null)
    {
        hyper.Validate("adam");
        if (clipNorm is <= 0)
            throw new CrsException($"--clip-norm must be positive, got {clipNorm}");
        _device = device;
        _parameters = parameters;
        Hyper = hyper;
        ClipNorm = clipNorm;
        var total = (int)parameters.Values.Length;
        _m = new Tensor(device.Pool, MemoryTag.OptimizerState, "adam_m", total);
        _v = new Tensor(device.Pool, MemoryTag.OptimizerState, "adam_v", total);
        if (!device.IsPlanning && total > 0)
        {
            _m.View.MemSetToZero();
            _v.View.MemSetToZero();
        }
        foreach (var p in parameters.All)
            _state.Add((p, _m.Slice(p.Offset, p.Name + ".adam_m", p.Shape.Shape), _v.Slice(p.Offset, p.Name + ".adam_v", p.Shape.Shape)));
        if (clipNorm is not null)
            _normPlan = GlobalNormPlan.Create(device, parameters.All.Select(p => (p.Offset, p.Value.Length)).ToList());
    }

    public AdamHyperParameters Hyper { get; set; }

    public float? ClipNorm { get; }

    /// <summary>Number of updates made so far (the bias-correction step t is Step + 1 for the next one).</summary>
    public int Step { get; private set; }

    /// <summary>
    /// Updates every parameter from its gradient; returns the gradient norm before clipping (NaN when
    /// not computed). With clipping this copies the norm to the host (a wait); a training loop that
    /// must not wait uses <see cref="Queue"/>.
    /// </summary>
    public float Update()
    {
        if (ClipNorm is null)
        {
            Queue(null);
            return float.NaN;
        }
        using var norm = new Tensor(_device.Pool, MemoryTag.Workspace, "optim.grad_norm", 1);
        Queue(norm);
        return norm.HasData ? norm.ToArray()[0] : 0f;
    }

    /// <summary>
    /// The update, queued: with clipping the global gradient norm is written to <paramref name="norm"/>
    /// [1] (required then) and read back by the caller with whatever else the step reports.
    /// </summary>
    public void Queue(Tensor? norm)
    {
        Step++;
        if (ClipNorm is { } max)
        {
            var target = norm ?? throw new ArgumentNullException(nameof(norm), "clipping computes the gradient norm: give it a place on the device");
            OptimOp.GlobalNorm(_device, _parameters.Grads, _normPlan!, target);
            OptimOp.AdamClipped(_device, _parameters.Values, _parameters.Grads, _m, _v, Hyper, Step, target, max);
        }
        else
        {
            OptimOp.Adam(_device, _parameters.Values, _parameters.Grads, _m, _v, Hyper, Step);
        }
    }

    /// <summary>Moments by parameter name, for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor M, Tensor V)> State => _state.Select(s => (s.Param.Name, s.M, s.V));

    /// <summary>Restores the step count with the moments (checkpoint resume).</summary>
    public void Restore(int step) => Step = step;

    public void Dispose()
    {
        _normPlan?.Dispose();
        _m.Dispose();
        _v.Dispose();
    }
}
