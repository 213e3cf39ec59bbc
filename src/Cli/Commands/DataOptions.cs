namespace CrsIlgpu.Cli.Commands;

/// <summary>Where the datasets are, for every command that reads them (data, train, eval, sweep).</summary>
public static class DataOptions
{
    public static readonly Option<string> Dir = new("--data") { Description = "Folder holding the unpacked datasets", DefaultValueFactory = _ => "data" };

    public static readonly Option<string> Packs = new("--packs")
    {
        Description = "Folder with the CIFAR packs, unpacked into --data when the dataset is not there yet",
        DefaultValueFactory = _ => "../shared/data",
    };
}
