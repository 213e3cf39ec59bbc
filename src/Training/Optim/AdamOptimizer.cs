using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model;
using ILGPU.Runtime;

namespace CrsIlgpu.Training.Optim;

/// <summary>
/// Adam / AdamW over every parameter of a store: first and second moments from the pool (tag
/// OptimizerState), optional global-norm clipping folded into the update's gradient scale.
/// </summary>
public sealed class AdamOptimizer : IDisposable
{
    private readonly DeviceContext _device;
    private readonly ParameterStore _parameters;
    private readonly List<(Parameter Param, Tensor M, Tensor V)> _state = [];

    public AdamOptimizer(DeviceContext device, ParameterStore parameters, AdamHyperParameters hyper, float? clipNorm = null)
    {
        hyper.Validate("adam");
        if (clipNorm is <= 0)
            throw new CrsException($"--clip-norm must be positive, got {clipNorm}");
        _device = device;
        _parameters = parameters;
        Hyper = hyper;
        ClipNorm = clipNorm;
        foreach (var p in parameters.All)
        {
            var m = new Tensor(device.Pool, MemoryTag.OptimizerState, p.Name + ".adam_m", p.Shape.Shape);
            var v = new Tensor(device.Pool, MemoryTag.OptimizerState, p.Name + ".adam_v", p.Shape.Shape);
            if (!device.IsPlanning)
            {
                m.View.MemSetToZero();
                v.View.MemSetToZero();
            }
            _state.Add((p, m, v));
        }
    }

    public AdamHyperParameters Hyper { get; set; }

    public float? ClipNorm { get; }

    /// <summary>Number of updates made so far (the bias-correction step t is Step + 1 for the next one).</summary>
    public int Step { get; private set; }

    /// <summary>Updates every parameter from its gradient; returns the gradient norm before clipping (NaN when not computed).</summary>
    public float Update()
    {
        var scale = 1f;
        var norm = float.NaN;
        if (ClipNorm is { } max)
        {
            norm = OptimOp.GlobalNorm(_device, _parameters.All.Select(p => p.Grad).ToList());
            scale = OptimOp.ClipScale(norm, max);
        }
        Step++;
        foreach (var (p, m, v) in _state)
            OptimOp.Adam(_device, p.Value, p.Grad, m, v, Hyper, Step, scale);
        return norm;
    }

    /// <summary>Moments by parameter name, for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor M, Tensor V)> State => _state.Select(s => (s.Param.Name, s.M, s.V));

    /// <summary>Restores the step count with the moments (checkpoint resume).</summary>
    public void Restore(int step) => Step = step;

    public void Dispose()
    {
        foreach (var (_, m, v) in _state)
        {
            m.Dispose();
            v.Dispose();
        }
    }
}
