using CrsIlgpu.Kernels.Embed;
using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model.Layers;
using CrsIlgpu.Model.Saved;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model;

/// <summary>
/// timm's VisionTransformer (class token, learned positions, pre-norm blocks, final norm, linear
/// head) as hand-written Forward/Backward pairs over the device's ops. Forward keeps what backward
/// needs in <see cref="Saved"/>, the step's store; Backward consumes it and overwrites every
/// parameter gradient. <see cref="Infer"/> is the same forward with no store.
/// </summary>
public sealed class VisionTransformer : IDisposable
{
    private readonly DeviceContext _device;
    private readonly PatchEmbed _patchEmbed;
    private readonly Block[] _blocks;
    private readonly ClassifierHead _head;

    /// <param name="savers">What the step keeps less of (<see cref="MemorySavers"/>; none by default).</param>
    public VisionTransformer(DeviceContext device, VitConfig config, WtaCrsConfig? sampling = null, int exampleSlots = 0, MemorySavers? savers = null)
    {
        config.Validate();
        sampling?.Validate();
        Sampling = sampling is null ? null : new SamplingState(sampling) { ExampleSlots = exampleSlots };
        if (Sampling is { ExampleSlots: > 0 } && sampling!.Policy == SamplingPolicy.Cached)
            Sampling.Rows = new GradNormRows(device, Sampling); // before the layers: each sampled linear registers
        _device = device;
        Savers = savers ?? MemorySavers.None;
        Saved = new SavedTensorStore(device, Savers.Precision);
        Config = config;
        Parameters = new ParameterStore(device, VitParameterLayout.For(config));
        _patchEmbed = new PatchEmbed(device, Parameters, config);
        _blocks = Enumerable.Range(0, config.Depth).Select(i => new Block(device, Parameters, i, config, Sampling, Savers)).ToArray();
        _head = new ClassifierHead(device, Parameters, config, Savers.LayerNormFromOutput);
    }

    public VitConfig Config { get; }

    /// <summary>The memory savers this model's training step uses.</summary>
    public MemorySavers Savers { get; }

    public ParameterStore Parameters { get; }

    /// <summary>What the current step's forward kept for its backward (empty between steps).</summary>
    public SavedTensorStore Saved { get; }

    /// <summary>WTA-CRS configuration and step counter; null for dense training.</summary>
    public SamplingState? Sampling { get; }

    /// <summary>
    /// images [B, C, S, S] → logits [B, classes] (caller owns). <paramref name="examples"/>: the images'
    /// dataset ids, which key the Cached policy's gradient-norm cache.
    /// </summary>
    public Tensor Forward(Tensor images, int[]? examples = null)
    {
        if (Sampling is not null)
            Sampling.Examples = examples;
        var c = Config;
        var batch = images.Shape[0];
        if (Sampling?.Rows is { } rows)
        {
            if (examples is not null)
            {
                OpCheck.That("vit", examples.Length == batch, $"{examples.Length} example ids for a batch of {batch}");
                rows.Begin(examples, c.Tokens);
            }
            else
            {
                rows.ReleaseStep();
                rows.CommitPending();
            }
        }
        return Run(images, Saved);
    }

    /// <summary>
    /// Inference: images [B, C, S, S] → logits [B, classes] (caller owns), bit-identical to
    /// <see cref="Forward"/>'s: the same code with no store, so the same ops in the same order on the
    /// same inputs, but no layer keeps anything for backward, no WTA-CRS selection or draw happens
    /// (whatever the sampling config; the step counter and gradient-norm caches are untouched) and
    /// each intermediate tensor is freed as soon as the next op has read it: the pool then holds,
    /// besides the weights, one block's residual stream and the intermediates of the branch in
    /// progress. Nothing stays allocated afterwards but the logits; no <see cref="Release"/> is needed.
    /// </summary>
    public Tensor Infer(Tensor images) => Run(images, null);

    /// <summary>The forward: with a store, training (each layer keeps what its backward needs); with none, inference.</summary>
    private Tensor Run(Tensor images, SavedTensorStore? saved)
    {
        var c = Config;
        var batch = images.Shape[0];
        Tensor x;
        using (var tokens = _patchEmbed.Forward(images, saved))
        {
            x = new Tensor(_device.Pool, MemoryTag.Activations, "embed.out", batch * c.Tokens, c.Dim);
            try
            {
                var x3 = x.Reshape(batch, c.Tokens, c.Dim);
                EmbedOp.ClsConcat(_device, tokens.Reshape(batch, c.Patches, c.Dim), Parameters["cls_token"].Value.Reshape(c.Dim), x3);
                EmbedOp.PosAdd(_device, x3, Parameters["pos_embed"].Value.Reshape(c.Tokens, c.Dim));
            }
            catch
            {
                x.Dispose();
                throw;
            }
        }
        saved?.Seal(); // encodes what the patch embedding kept (a no-op at fp32)
        foreach (var block in _blocks)
        {
            x = block.Forward(x, batch, saved);
            saved?.Seal(); // the block's kept tensors are no longer read by the forward
        }
        var logits = _head.Forward(x, batch, saved);
        saved?.Seal();
        return logits;
    }

    /// <summary>dlogits [B, classes] → every parameter's gradient (overwritten); frees what forward kept.</summary>
    public void Backward(Tensor dLogits)
    {
        var c = Config;
        var batch = dLogits.Shape[0];
        var dx = _head.Backward(dLogits, Saved);
        for (var i = _blocks.Length - 1; i >= 0; i--)
            dx = _blocks[i].Backward(dx, Saved);
        using (dx)
        using (var dTokens = new Tensor(_device.Pool, MemoryTag.Activations, "embed.dtokens", batch * c.Patches, c.Dim))
        {
            var dx3 = dx.Reshape(batch, c.Tokens, c.Dim);
            EmbedOp.PosGrad(_device, dx3, Parameters["pos_embed"].Grad.Reshape(c.Tokens, c.Dim));
            EmbedOp.ClsSplit(_device, dx3, dTokens.Reshape(batch, c.Patches, c.Dim), Parameters["cls_token"].Grad.Reshape(c.Dim));
            _patchEmbed.Backward(dTokens, Saved);
        }
        Saved.EndStep(); // frees nothing after a whole step: LeftAtLastEnd says so
    }

    /// <summary>
    /// One forward, the fused softmax cross-entropy, and the backward. Returns the mean loss (one
    /// small copy to the host, a wait for the device) and, if asked, the logits (one more).
    /// <paramref name="afterForward"/> runs between forward and backward, when everything saved for
    /// backward is live (memory accounting). A training loop that must not wait uses <see cref="QueueStep"/>.
    /// </summary>
    public float ForwardBackward(Tensor images, IntTensor labels, float labelSmoothing = 0f,
        float[]? logitsOut = null, Action? afterForward = null, int[]? examples = null)
    {
        using var mean = Step(images, labels, null, labelSmoothing, logitsOut, afterForward, examples)!;
        return mean.HasData ? mean.ToArray()[0] : float.NaN;
    }

    /// <summary>
    /// The same step with nothing copied to the host: the mean loss and the batch's top-1 hits are
    /// written into <paramref name="readback"/> on the device, to be read with the gradient norm in one
    /// copy after the optimizer (<see cref="StepReadback.Read"/>).
    /// </summary>
    public void QueueStep(Tensor images, IntTensor labels, StepReadback readback,
        float labelSmoothing = 0f, Action? afterForward = null, int[]? examples = null) =>
        Step(images, labels, readback, labelSmoothing, null, afterForward, examples);

    /// <returns>With no <paramref name="readback"/>: the mean loss's own tensor (caller owns), else null.</returns>
    private Tensor? Step(Tensor images, IntTensor labels, StepReadback? readback, float labelSmoothing,
        float[]? logitsOut, Action? afterForward, int[]? examples)
    {
        using var logits = Forward(images, examples);
        afterForward?.Invoke();
        var batch = logits.Shape[0];
        using var losses = new Tensor(_device.Pool, MemoryTag.Activations, "loss.rows", batch);
        var mean = readback is null ? new Tensor(_device.Pool, MemoryTag.Activations, "loss.mean", 1) : null;
        using var dLogits = new Tensor(_device.Pool, MemoryTag.Activations, "loss.dlogits", logits.Shape);
        if (logitsOut is not null)
            logits.ToArray().CopyTo(logitsOut, 0);
        if (readback is not null)
            AccuracyOp.Hits(_device, logits, labels, readback.Hits);
        LossOp.ForwardBackward(_device, logits, labels, losses, dLogits, labelSmoothing);
        LossOp.Mean(_device, losses, readback?.Loss ?? mean!);
        Backward(dLogits);
        Sampling?.Rows?.End(); // this step's ‖G_i‖ of every sampled layer to the host, one queued copy
        if (Sampling is not null)
            Sampling.Step++; // the next step draws fresh rows
        return mean;
    }

    /// <summary>Frees what a forward kept when no backward follows (evaluation).</summary>
    public void Release()
    {
        Sampling?.Rows?.ReleaseStep();
        foreach (var b in _blocks)
            b.Release();
        Saved.EndStep();
    }

    public void Dispose()
    {
        Release();
        Sampling?.Rows?.Dispose();
        Parameters.Dispose();
    }
}
