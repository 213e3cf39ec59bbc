namespace CrsIlgpu.Model;

/// <summary>
/// Every parameter of a <see cref="VitConfig"/>, in timm's VisionTransformer state-dict order and
/// naming, so a timm checkpoint loads by name and the PyTorch golden test builds the same model.
/// </summary>
public static class VitParameterLayout
{
    public static IReadOnlyList<ParameterShape> For(VitConfig c)
    {
        var list = new List<ParameterShape>
        {
            new("cls_token", [1, 1, c.Dim], ParameterInit.TruncNormal002),
            new("pos_embed", [1, c.Tokens, c.Dim], ParameterInit.TruncNormal002),
            new("patch_embed.proj.weight", [c.Dim, c.Channels, c.PatchSize, c.PatchSize], ParameterInit.TruncNormal002),
            new("patch_embed.proj.bias", [c.Dim], ParameterInit.Zeros),
        };
        for (var i = 0; i < c.Depth; i++)
        {
            var p = $"blocks.{i}.";
            list.AddRange(
            [
                new(p + "norm1.weight", [c.Dim], ParameterInit.Ones),
                new(p + "norm1.bias", [c.Dim], ParameterInit.Zeros),
                new(p + "attn.qkv.weight", [3 * c.Dim, c.Dim], ParameterInit.TruncNormal002),
                new(p + "attn.qkv.bias", [3 * c.Dim], ParameterInit.Zeros),
                new(p + "attn.proj.weight", [c.Dim, c.Dim], ParameterInit.TruncNormal002),
                new(p + "attn.proj.bias", [c.Dim], ParameterInit.Zeros),
                new(p + "norm2.weight", [c.Dim], ParameterInit.Ones),
                new(p + "norm2.bias", [c.Dim], ParameterInit.Zeros),
                new(p + "mlp.fc1.weight", [c.Hidden, c.Dim], ParameterInit.TruncNormal002),
                new(p + "mlp.fc1.bias", [c.Hidden], ParameterInit.Zeros),
                new(p + "mlp.fc2.weight", [c.Dim, c.Hidden], ParameterInit.TruncNormal002),
                new(p + "mlp.fc2.bias", [c.Dim], ParameterInit.Zeros),
            ]);
        }
        list.AddRange(
        [
            new("norm.weight", [c.Dim], ParameterInit.Ones),
            new("norm.bias", [c.Dim], ParameterInit.Zeros),
            new("head.weight", [c.NumClasses, c.Dim], ParameterInit.TruncNormal002),
            new("head.bias", [c.NumClasses], ParameterInit.Zeros),
        ]);
        return list;
    }

    public static long Count(VitConfig c) => For(c).Sum(p => p.Length);
}
