namespace CrsIlgpu.Training.Trainer;

/// <summary>Progress hooks of <see cref="Trainer"/> (the CLI draws its progress bar from these).</summary>
public interface ITrainingObserver
{
    void Started(TrainingPlan plan)
    {
    }

    void StepDone(StepMetrics step)
    {
    }

    void Evaluating(int epoch, int batchesDone, int batches)
    {
    }

    void EpochDone(EpochMetrics epoch, string checkpoint)
    {
    }

    /// <summary>Something the user should know that does not stop the run (e.g. a repaired metrics file).</summary>
    void Warning(string message)
    {
    }
}
