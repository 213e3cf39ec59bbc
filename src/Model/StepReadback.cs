using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Model;

/// <summary>
/// What a training step reports to the host, side by side on the device so that one copy (the
/// step's one wait for the device) brings all of it back: the mean loss, the batch's top-1 hits and
/// the global gradient norm (when the optimizer computes it; NaN otherwise).
/// </summary>
public sealed class StepReadback : IDisposable
{
    private readonly Tensor _values;

    public StepReadback(DeviceContext device)
    {
        _values = new Tensor(device.Pool, MemoryTag.Workspace, "step.readback", 3);
        Loss = _values.Slice(0, "step.loss", 1);
        Hits = _values.Slice(1, "step.hits", 1);
        GradNorm = _values.Slice(2, "step.grad_norm", 1);
    }

    public Tensor Loss { get; }

    public Tensor Hits { get; }

    public Tensor GradNorm { get; }

    /// <summary>Set by whoever writes <see cref="GradNorm"/> this step; else <see cref="Read"/> reports NaN for it.</summary>
    public bool HasGradNorm { get; set; }

    /// <summary>One device-to-host copy (it waits for every launch queued before it).</summary>
    public (float Loss, int Hits, float GradNorm) Read()
    {
        var v = _values.ToArray();
        return _values.HasData ? (v[0], (int)v[1], HasGradNorm ? v[2] : float.NaN) : (float.NaN, 0, float.NaN);
    }

    public void Dispose() => _values.Dispose();
}
