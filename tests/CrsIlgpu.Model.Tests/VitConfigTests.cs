namespace CrsIlgpu.Model.Tests;

public class VitConfigTests
{
    [Fact]
    public void PresetsHaveTheDesignShapes()
    {
        var tiny = VitConfig.Resolve("vit-cifar-tiny");
        Assert.Equal((4, 192, 6, 3, 65), (tiny.PatchSize, tiny.Dim, tiny.Depth, tiny.Heads, tiny.Tokens));
        var small = VitConfig.Resolve("vit-cifar-small");
        Assert.Equal((4, 384, 7, 6), (small.PatchSize, small.Dim, small.Depth, small.Heads));
        var b16 = VitConfig.Resolve("vit-b16");
        Assert.Equal((224, 16, 768, 12, 12, 197, 3072), (b16.ImageSize, b16.PatchSize, b16.Dim, b16.Depth, b16.Heads, b16.Tokens, b16.Hidden));
    }

    [Fact]
    public void JsonRoundTrips()
    {
        var config = VitConfig.VitCifarTiny with { Depth = 2, NumClasses = 100 };
        Assert.Equal(config, VitConfig.FromJson(config.ToJson()));
        Assert.Contains("\"num_classes\": 100", config.ToJson());
    }

    [Theory]
    [InlineData("{\"dim\": 10, \"heads\": 3}", "multiple of heads")]
    [InlineData("{\"image_size\": 30, \"patch_size\": 4}", "multiple of patch_size")]
    [InlineData("{\"depth\": 0}", "depth")]
    [InlineData("{\"dimm\": 8}", "dimm")]
    [InlineData("{not json", "invalid model config")]
    public void BadConfigsNameTheProblem(string json, string expected)
    {
        var ex = Assert.Throws<CrsException>(() => VitConfig.FromJson(json, "my.json"));
        Assert.Contains("my.json", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void UnknownModelNameListsPresets()
    {
        var ex = Assert.Throws<CrsException>(() => VitConfig.Resolve("vit-huge"));
        Assert.Contains("vit-cifar-tiny", ex.Message);
    }
}

public class VitParameterLayoutTests
{
    [Fact]
    public void VitB16HasTimmsParameterCount()
    {
        // timm vit_base_patch16_224 with a 1000-class head has 86,567,656 parameters.
        Assert.Equal(86_567_656, VitParameterLayout.Count(VitConfig.VitB16.WithClasses(1000)));
    }

    [Fact]
    public void NamesAreUniqueAndFollowTimm()
    {
        var layout = VitParameterLayout.For(VitConfig.VitCifarTiny);
        Assert.Equal(layout.Count, layout.Select(p => p.Name).Distinct().Count());
        Assert.Equal(4 + 12 * 6 + 4, layout.Count);
        Assert.Equal([576, 192], layout.Single(p => p.Name == "blocks.5.attn.qkv.weight").Shape);
        Assert.Equal([192, 3, 4, 4], layout.Single(p => p.Name == "patch_embed.proj.weight").Shape);
    }

    [Fact]
    public void TheShapeOnlyParameterCountMatchesTheLayout()
    {
        foreach (var config in VitConfig.Presets)
            Assert.Equal(VitParameterLayout.Count(config), config.ParameterCount);
    }

    [Fact]
    public void BatchLimitsFollowTheLargestActivation()
    {
        // vit-b16: the MLP activations [B·197, 3072] are the largest tensor; 2^31-1 / (197·3072) = 3548.
        Assert.Equal(3548, VitConfig.VitB16.MaxBatch());
        VitConfig.VitB16.CheckBatch(3548);
        Assert.Contains("largest batch for this model is 3548", Assert.Throws<CrsException>(() => VitConfig.VitB16.CheckBatch(3549)).Message);
        Assert.Contains("depth", Assert.Throws<CrsException>(() => (VitConfig.VitCifarTiny with { Depth = 100_000_000 }).Validate()).Message);
    }
}
