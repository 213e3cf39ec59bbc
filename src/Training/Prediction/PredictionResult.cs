namespace CrsIlgpu.Training.Prediction;

/// <summary>
/// Every image's prediction in input order, the class names of the head, the model's input size the
/// images were resized to, and the memory pool's peak while predicting (weights included).
/// </summary>
public sealed record PredictionResult(IReadOnlyList<ImagePrediction> Images, IReadOnlyList<string> ClassNames, int ImageSize, long PeakBytes);

/// <summary>The most probable classes of one image file (most probable first), with the file's own size before resizing.</summary>
public sealed record ImagePrediction(string File, int Width, int Height, IReadOnlyList<ClassProbability> Top);

/// <summary>One class of an image's prediction: its index in the head, its name and its softmax probability.</summary>
public sealed record ClassProbability(int Class, string Name, double Probability);
