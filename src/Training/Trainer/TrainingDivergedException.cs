namespace CrsIlgpu.Training.Trainer;

/// <summary>A non-finite loss or gradient norm stopped the run; the last checkpoint on disk is the last good one.</summary>
public sealed class TrainingDivergedException(string message) : CrsException(message, ExitCodeValue)
{
    public const int ExitCodeValue = 4;
}
