using CrsIlgpu.Kernels.Embed;
using CrsIlgpu.Model.Saved;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// The stride = kernel patch conv as im2col + GEMM: images [B, C, S, S] → patch rows
/// [B·N, C·P·P] (kept by the projection: its dW needs them) → tokens [B·N, D]. No input gradient (the input is data).
/// </summary>
public sealed class PatchEmbed(DeviceContext device, ParameterStore p, VitConfig config)
{
    private readonly Linear _proj = new(device, p["patch_embed.proj.weight"], p["patch_embed.proj.bias"]);

    /// <summary>images (the caller's) → tokens [B·N, D] (caller owns); with no store the patch rows are freed once projected.</summary>
    public Tensor Forward(Tensor images, SavedTensorStore? saved)
    {
        OpCheck.Shape("patch_embed", images, images.Shape[0], config.Channels, config.ImageSize, config.ImageSize);
        var patches = TensorAlloc.Activation(device, "patch_embed.patches", images.Shape[0] * config.Patches, config.PatchInputs);
        EmbedOp.ExtractPatches(device, images, config.PatchSize, patches);
        using (saved.Consume(patches))
            return _proj.Forward(patches, saved);
    }

    public void Backward(Tensor dTokens, SavedTensorStore saved) => _proj.Backward(dTokens, saved, inputGradient: false);
}
