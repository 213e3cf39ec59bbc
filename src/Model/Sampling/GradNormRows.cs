using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// The Cached policy's per-step traffic between the host tables (<see cref="GradNormCacheStore"/>) and
/// the device, for every sampled layer at once (issue 21, item 2): at the start of a step the batch's
/// rows of all tables go up in ONE queued copy ([layers, batch, tokens]); each layer's backward writes
/// its ‖G_i‖ into its slice of a second [layers, batch, tokens] tensor, which goes down in ONE queued
/// copy after backward and is written into the tables only once the host has waited for the device
/// anyway (the step's read-back of the loss) — at the next step's start or when a checkpoint reads
/// the tables. Before, every sampled layer waited twice per step (its rows up in forward, its norms
/// back in backward). The values, and so the draws, are the same: a table row is still updated
/// before the next step reads it.
/// </summary>
public sealed class GradNormRows(DeviceContext device, SamplingState sampling) : IDisposable
{
    private readonly List<string> _layers = [];
    private readonly HostStaging<float> _up = new(device);
    private readonly HostStaging<float> _down = new(device);
    private readonly HostStaging<int> _idsUp = new(device);
    private Tensor? _rows;
    private Tensor? _newNorms;
    private IntTensor? _ids;
    private int[]? _examples;
    private int _tokens;
    private (int[] Examples, int Tokens)? _pending;

    /// <summary>Index of <paramref name="layer"/> in the step tensors (a sampled Cached-policy linear registers once, at construction).</summary>
    public int Register(string layer)
    {
        _layers.Add(layer);
        return _layers.Count - 1;
    }

    public int Layers => _layers.Count;

    /// <summary>Whether this step has rows on the device (examples given, some layer registered).</summary>
    public bool Active => _rows is not null;

    /// <summary>Identity ids [batch]: the step tensors are indexed by the example's place in the batch.</summary>
    public IntTensor Ids => _ids ?? throw new InvalidOperationException("no gradient-norm rows this step");

    /// <summary>Examples of this step, tokens per example.</summary>
    public int Tokens => _tokens;

    public int Batch => _examples?.Length ?? 0;

    /// <summary>Layer <paramref name="slot"/>'s cached ‖G‖ rows of this batch on the device, [batch, tokens].</summary>
    public Tensor CachedRows(int slot) => Slice(_rows, slot, "gradnorm_rows");

    /// <summary>Where layer <paramref name="slot"/>'s backward writes its ‖G_i‖, [batch·tokens].</summary>
    public Tensor NewNorms(int slot) => Slice(_newNorms, slot, "gradnorm_new").Reshape(Batch * Tokens);

    /// <summary>
    /// Commits the previous step's norms, then queues this batch's rows of every table: one upload.
    /// </summary>
    public void Begin(int[] examples, int tokens)
    {
        ReleaseStep();
        CommitPending();
        if (_layers.Count == 0)
            return;
        var slots = sampling.Store.Slots;
        if (!examples.All(e => e >= 0 && e < slots))
            throw new CrsException($"example ids must be in [0, {slots})");
        (_examples, _tokens) = (examples, tokens);
        var batch = examples.Length;
        _rows = new Tensor(device.Pool, MemoryTag.Workspace, "wtacrs.gradnorm_rows", _layers.Count, batch, tokens);
        _newNorms = new Tensor(device.Pool, MemoryTag.Workspace, "wtacrs.gradnorm_new", _layers.Count, batch, tokens);
        if (_ids is null || _ids.Count != batch)
        {
            _ids?.Dispose();
            _ids = new IntTensor(device.Pool, batch, MemoryTag.Workspace, "wtacrs.gradnorm_ids");
            _ids.Upload(Enumerable.Range(0, batch).ToArray(), _idsUp);
        }
        if (!_rows.HasData)
            return;
        var host = new float[_rows.Length];
        var per = batch * tokens;
        for (var l = 0; l < _layers.Count; l++)
            GradNormCacheStore.Gather(sampling.Store.For(_layers[l], tokens), examples, tokens).CopyTo(host, l * per);
        _up.Upload(host, _rows.View);
    }

    /// <summary>After backward: queues every layer's new ‖G_i‖ to the host in one copy; they reach the tables at <see cref="CommitPending"/>.</summary>
    public void End()
    {
        if (_newNorms is null || _examples is null)
            return;
        if (_newNorms.HasData)
        {
            _down.Download(_newNorms.View);
            _pending = (_examples, _tokens);
        }
        ReleaseStep();
    }

    /// <summary>Writes the downloaded norms into the tables (waits only if the host has not waited since they were queued).</summary>
    public void CommitPending()
    {
        if (_pending is not { } pending)
            return;
        _pending = null;
        var norms = _down.Completed();
        var per = pending.Examples.Length * pending.Tokens;
        for (var l = 0; l < _layers.Count; l++)
        {
            var table = sampling.Store.For(_layers[l], pending.Tokens);
            Kernels.Sampling.GradNormCacheReference.Store(norms.Slice(l * per, per), pending.Examples, table, pending.Tokens);
        }
    }

    /// <summary>Frees this step's device tensors (a forward with no backward, or the step's end).</summary>
    public void ReleaseStep()
    {
        _rows?.Dispose();
        _newNorms?.Dispose();
        (_rows, _newNorms) = (null, null);
    }

    private Tensor Slice(Tensor? t, int slot, string what)
    {
        var tensor = t ?? throw new InvalidOperationException("no gradient-norm rows this step");
        var per = (long)Batch * Tokens;
        return tensor.Slice(slot * per, $"{_layers[slot]}.{what}", Batch, Tokens);
    }

    public void Dispose()
    {
        ReleaseStep();
        _ids?.Dispose();
        _ids = null;
        _up.Dispose();
        _down.Dispose();
        _idsUp.Dispose();
    }
}
