namespace CrsIlgpu.Training.Prediction;

/// <summary>The most probable classes of one image file (most probable first), with the file's own size before resizing.</summary>
public sealed record ImagePrediction(string File, int Width, int Height, IReadOnlyList<ClassProbability> Top);
