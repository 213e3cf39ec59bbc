namespace CrsIlgpu.Training.Tests.Trainer;

public class TrainingRecipeTests
{
    [Fact]
    public void SeedSetsTheSeedRunAndTypedOptionsWin()
    {
        var options = new TrainingOptions { Batch = 8, LearningRate = 1e-3, Init = "w.safetensors" };
        var seed = TrainingRecipe.Apply("seed", options, new HashSet<string> { "--batch" });
        Assert.Equal(("vit-b16", 8, 8, 3e-4, "adam", "w.safetensors"), (seed.Model, seed.Batch, seed.Epochs, seed.LearningRate, seed.Optimizer, seed.Init));
        seed.Validate();
    }

    [Fact]
    public void AnUnknownRecipeIsOneLine()
    {
        var error = Assert.Throws<CrsException>(() => TrainingRecipe.Apply("fast", new TrainingOptions(), new HashSet<string>()));
        Assert.Equal("--recipe: unknown recipe 'fast', expected one of: seed", error.Message);
    }
}
