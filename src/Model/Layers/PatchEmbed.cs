using CrsIlgpu.Kernels.Embed;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// The stride = kernel patch conv as im2col + GEMM: images [B, C, S, S] → patch rows
/// [B·N, C·P·P] (saved: dW needs them) → tokens [B·N, D]. No input gradient (the input is data).
/// </summary>
public sealed class PatchEmbed(DeviceContext device, ParameterStore p, VitConfig config)
{
    private readonly Linear _proj = new(device, p["patch_embed.proj.weight"], p["patch_embed.proj.bias"]);
    private Tensor? _patches;

    public Tensor Forward(Tensor images)
    {
        OpCheck.Shape("patch_embed", images, images.Shape[0], config.Channels, config.ImageSize, config.ImageSize);
        var batch = images.Shape[0];
        _patches = TensorAlloc.Saved(device, "patch_embed.patches", batch * config.Patches, config.PatchInputs);
        EmbedOp.ExtractPatches(device, images, config.PatchSize, _patches);
        return _proj.Forward(_patches);
    }

    /// <summary>Inference: images → tokens [B·N, D] (caller owns); the patch rows are freed once projected.</summary>
    public Tensor Infer(Tensor images)
    {
        OpCheck.Shape("patch_embed", images, images.Shape[0], config.Channels, config.ImageSize, config.ImageSize);
        using var patches = TensorAlloc.Activation(device, "patch_embed.patches", images.Shape[0] * config.Patches, config.PatchInputs);
        EmbedOp.ExtractPatches(device, images, config.PatchSize, patches);
        return _proj.Infer(patches);
    }

    public void Backward(Tensor dTokens)
    {
        _proj.Backward(dTokens, inputGradient: false);
        Release();
    }

    public void Release()
    {
        _patches?.Dispose();
        _patches = null;
    }
}
