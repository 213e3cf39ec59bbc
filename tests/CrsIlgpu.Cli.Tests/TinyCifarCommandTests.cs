using CrsIlgpu.Tests.Shared;

namespace CrsIlgpu.Cli.Tests;

/// <summary>
/// Base of the command tests that train, evaluate or predict on the tiny generated CIFAR-10
/// (<see cref="TinyCifar"/>): a temporary <see cref="Root"/> (also the --packs folder) holding the
/// data under data/ and the one-block ViT's config, deleted on dispose.
/// </summary>
public abstract class TinyCifarCommandTests : IDisposable
{
    protected TinyCifarCommandTests(string tempPrefix, int trainPerBatch = 16, int test = 20)
    {
        Root = Directory.CreateTempSubdirectory(tempPrefix).FullName;
        DataDir = Path.Combine(Root, "data");
        TinyCifar.Write(DataDir, trainPerBatch, test);
        ModelFile = TinyCifar.WriteConfig(Root);
    }

    protected string Root { get; }

    /// <summary>The --data folder: cifar-10-batches-bin/ with 5 × trainPerBatch train and test images.</summary>
    protected string DataDir { get; }

    /// <summary>The --model file: <see cref="TinyCifar.WriteConfig"/>'s one-block ViT.</summary>
    protected string ModelFile { get; }

    public virtual void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
