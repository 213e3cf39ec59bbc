namespace CrsIlgpu.Model.Tests.Reference;

public class ReferenceParametersTests
{
    // Std of normal(0, 0.02) truncated at ±2σ: 0.02·√(1 − 4φ(2)/(2Φ(2) − 1)) = 0.02·0.8796.
    private const double TruncatedStd = 0.017592513220684797;

    [Fact]
    public void LayoutNamesAndShapes()
    {
        var config = VitConfig.VitCifarTiny;
        var parameters = ReferenceParameters.Zeros(config);
        var layout = VitParameterLayout.For(config);
        Assert.Equal(layout.Select(s => s.Name), parameters.Names);
        Assert.All(layout, s => Assert.Equal(s.Shape, parameters[s.Name].Shape));
        Assert.Equal(VitParameterLayout.Count(config), parameters.Count);
        Assert.Throws<KeyNotFoundException>(() => parameters["blocks.6.norm1.weight"]);
    }

    [Fact]
    public void InitIsTimmsTruncatedNormalOnesAndZeros()
    {
        var config = VitConfig.VitCifarTiny;
        var parameters = ReferenceParameters.Initialize(config, seed: 42);
        foreach (var shape in VitParameterLayout.For(config))
        {
            var data = parameters[shape.Name].Data;
            switch (shape.Init)
            {
                case ParameterInit.Ones: Assert.All(data, v => Assert.Equal(1.0, v)); break;
                case ParameterInit.Zeros: Assert.All(data, v => Assert.Equal(0.0, v)); break;
                default:
                    Assert.All(data, v => Assert.InRange(v, -0.04, 0.04));
                    Assert.Contains(data, v => v != 0.0);
                    break;
            }
        }
        Assert.All(parameters["cls_token"].Data, v => Assert.InRange(v, -0.04, 0.04));

        // 147,456 values: the standard error of the mean is ≈ 5e-5 and of the std ≈ 3e-5; an untruncated
        // normal(0, 0.02) (std 0.02) would be 80 standard errors away.
        var fc1 = parameters["blocks.0.mlp.fc1.weight"].Data;
        var mean = fc1.Average();
        var std = Math.Sqrt(fc1.Sum(v => (v - mean) * (v - mean)) / fc1.Length);
        Assert.InRange(mean, -3e-4, 3e-4);
        Assert.InRange(std, TruncatedStd - 3e-4, TruncatedStd + 3e-4);
        // The tails are actually used up to the cut.
        Assert.Contains(fc1, v => Math.Abs(v) > 0.039);
    }

    [Fact]
    public void SeedDecidesTheValues()
    {
        var config = VitConfig.VitCifarTiny with { Depth = 1 };
        var a = ReferenceParameters.Initialize(config, seed: 7);
        var b = ReferenceParameters.Initialize(config, seed: 7);
        var c = ReferenceParameters.Initialize(config, seed: 8);
        Assert.All(a.Tensors, t => Assert.Equal(t.Data, b[t.Name].Data));
        Assert.NotEqual(a["pos_embed"].Data, c["pos_embed"].Data);
        Assert.NotEqual(a["blocks.0.attn.qkv.weight"].Data, c["blocks.0.attn.qkv.weight"].Data);
    }

    [Fact]
    public void FloatsRoundTrip()
    {
        var config = ReferenceModelFixtures.Tiny;
        var parameters = ReferenceParameters.Initialize(config, seed: 5);
        var floats = parameters.ToFloats();
        var back = ReferenceParameters.FromFloats(config, floats);
        Assert.All(parameters.Tensors, t =>
        {
            Assert.Equal(t.Data.Select(v => (double)(float)v), back[t.Name].Data);
            Assert.Equal(t.Shape, back[t.Name].Shape);
        });

        floats.Remove("head.bias");
        Assert.Contains("head.bias", Assert.Throws<ArgumentException>(() => ReferenceParameters.FromFloats(config, floats)).Message);
        floats["head.bias"] = new float[4];
        Assert.Contains("head.bias", Assert.Throws<ArgumentException>(() => ReferenceParameters.FromFloats(config, floats)).Message);
        floats["head.bias"] = new float[5];
        floats["extra"] = new float[1];
        Assert.Contains("extra", Assert.Throws<ArgumentException>(() => ReferenceParameters.FromFloats(config, floats)).Message);
    }

    [Fact]
    public void CloneIsDeep()
    {
        var parameters = ReferenceParameters.Initialize(ReferenceModelFixtures.Tiny, seed: 5);
        var copy = parameters.Clone();
        copy["cls_token"].Data[0] = 123;
        Assert.NotEqual(123, parameters["cls_token"].Data[0]);
    }
}
