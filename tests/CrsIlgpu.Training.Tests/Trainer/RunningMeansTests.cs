namespace CrsIlgpu.Training.Tests.Trainer;

public sealed class RunningMeansTests
{
    [Fact]
    public void MeansAreWeightedByBatchSizeOverTheEpochSoFar()
    {
        var sums = default(RunningMeans);
        Assert.True(double.IsNaN(sums.Loss));
        Assert.True(double.IsNaN(sums.Accuracy));
        sums = sums.Add(meanLoss: 2.0, hits: 1, count: 4);
        Assert.Equal(2.0, sums.Loss);
        Assert.Equal(0.25, sums.Accuracy);
        // A smaller last batch counts for its size, not as one batch: (2·4 + 1·2) / 6, 3 / 6.
        sums = sums.Add(meanLoss: 1.0, hits: 2, count: 2);
        Assert.Equal(10.0 / 6, sums.Loss, 12);
        Assert.Equal(0.5, sums.Accuracy);
        Assert.Equal(new RunningMeans(10, 3, 6), sums);
        Assert.Throws<ArgumentOutOfRangeException>(() => sums.Add(1, hits: 3, count: 2));
    }

    [Fact]
    public void SurvivesTheCheckpointsJsonRoundTripExactly()
    {
        var state = new TrainerState(1, 7, 7, 0, new TrainingOptions()) { StepsInEpoch = 2, EpochSoFar = new RunningMeans(0.1 + 0.2, 5, 32) };
        using var temp = new TempFolder();
        // The checkpoint's own naming (snake_case), read back by the checkpoint's reader.
        var json = System.Text.Json.JsonSerializer.Serialize(state,
            new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower });
        Assert.Contains("\"epoch_so_far\"", json);
        File.WriteAllText(Path.Combine(temp.Path, TrainingCheckpoint.StateFileName), json);
        var back = TrainingCheckpoint.ReadState(temp.Path);
        Assert.Equal(state.EpochSoFar, back.EpochSoFar);
        Assert.Equal(2, back.StepsInEpoch);
        Assert.Equal("epoch 2, step 2", back.Describe());
        Assert.Equal("epoch 1", (state with { StepsInEpoch = 0 }).Describe());
    }
}
