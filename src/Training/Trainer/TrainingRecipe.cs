namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// Named settings for a whole run (`--recipe`). <c>seed</c>: the seed experiments' fine-tune — ViT-B/16
/// at 224×224 (CIFAR upsampled on the device), batch 64, 8 epochs, Adam at 3e-4, random crop + flip
/// (the training augmentation every run uses). Options the user typed win over the recipe; with
/// <c>--init</c> it starts from a pretrained timm checkpoint, as the seed did.
/// </summary>
public static class TrainingRecipe
{
    public const string Seed = "seed";

    public static IReadOnlyList<string> Names { get; } = [Seed];

    /// <param name="typed">Option names the user gave on the command line ("--batch", ...): those keep the user's value.</param>
    public static TrainingOptions Apply(string name, TrainingOptions options, IReadOnlySet<string> typed)
    {
        if (name != Seed)
            throw new CrsException($"--recipe: unknown recipe '{name}', expected one of: {string.Join(", ", Names)}");
        return options with
        {
            Model = typed.Contains("--model") ? options.Model : "vit-b16",
            Batch = typed.Contains("--batch") ? options.Batch : 64,
            Epochs = typed.Contains("--epochs") ? options.Epochs : 8,
            LearningRate = typed.Contains("--lr") ? options.LearningRate : 3e-4,
            Optimizer = typed.Contains("--optimizer") ? options.Optimizer : "adam",
        };
    }
}
