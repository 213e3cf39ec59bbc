using System.CommandLine;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Cli.Commands;

/// <summary>
/// The WTA-CRS options shared by the commands that run a training step (`crs memory`, `crs profile`):
/// --policy and --crs-layers, and the one rule turning a keep ratio into a configuration (ρ = 1 is
/// the dense baseline, training without sampling).
/// </summary>
public sealed class SamplingOptions
{
    public Option<string> Policy { get; } = CreatePolicy();

    public Option<string> Layers { get; } = new("--crs-layers")
    {
        Description = "Sampled layers: qkv, proj, fc1, fc2 (qk, av: not yet)",
        DefaultValueFactory = _ => "qkv,proj,fc1,fc2",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Policy);
        command.Options.Add(Layers);
    }

    /// <summary>Null (dense) for ρ ≥ 1, else the validated configuration.</summary>
    public WtaCrsConfig? Config(ParseResult parse, double ratio)
    {
        var sites = WtaCrsConfig.ParseSites(parse.GetValue(Layers)!);
        if (ratio >= 1)
            return null;
        var policy = parse.GetValue(Policy) == "deferred" ? SamplingPolicy.Deferred : SamplingPolicy.Cached;
        var config = new WtaCrsConfig(sites, ratio, policy);
        config.Validate();
        return config;
    }

    private static Option<string> CreatePolicy()
    {
        var option = new Option<string>("--policy")
        {
            Description = "WTA-CRS policy: deferred (select at backward) or cached (select at forward, store only sampled rows)",
            DefaultValueFactory = _ => "cached",
        };
        option.AcceptOnlyFromAmong("deferred", "cached");
        return option;
    }
}
