namespace CrsIlgpu.Training.Prediction;

/// <summary>
/// Every image's prediction in input order, the class names of the head, the model's input size the
/// images were resized to, and the memory pool's peak while predicting (weights included).
/// </summary>
public sealed record PredictionResult(IReadOnlyList<ImagePrediction> Images, IReadOnlyList<string> ClassNames, int ImageSize, long PeakBytes);
