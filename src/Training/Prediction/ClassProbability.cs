namespace CrsIlgpu.Training.Prediction;

/// <summary>One class of an image's prediction: its index in the head, its name and its softmax probability.</summary>
public sealed record ClassProbability(int Class, string Name, double Probability);
