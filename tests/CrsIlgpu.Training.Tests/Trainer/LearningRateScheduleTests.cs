namespace CrsIlgpu.Training.Tests.Trainer;

public class LearningRateScheduleTests
{
    [Fact]
    public void WarmsUpLinearlyThenDecaysByCosineToTheMinimum()
    {
        var s = new LearningRateSchedule(Peak: 1e-3, Minimum: 1e-5, TotalSteps: 100, WarmupSteps: 10);
        Assert.Equal(1e-4, s.At(0), 12);
        Assert.Equal(5e-4, s.At(4), 12);
        Assert.Equal(1e-3, s.At(9), 12);
        Assert.Equal(1e-3, s.At(10), 12); // first decay step is the peak
        Assert.Equal(1e-5, s.At(99), 12); // last update reaches the minimum
        var mid = 10 + 89 / 2.0;
        Assert.Equal(1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + Math.Cos(Math.PI * (44 / 89.0))), s.At(54), 12);
        Assert.True(s.At((int)mid) < 1e-3 && s.At((int)mid) > 1e-5);
        for (var step = 10; step < 99; step++)
            Assert.True(s.At(step + 1) <= s.At(step), $"not decreasing at {step}");
    }

    [Fact]
    public void WithoutWarmupStartsAtThePeak()
    {
        var s = new LearningRateSchedule(3e-4, 0, TotalSteps: 5, WarmupSteps: 0);
        Assert.Equal(3e-4, s.At(0), 12);
        Assert.Equal(0, s.At(4), 12);
    }

    [Fact]
    public void ForOptionsCountsAllUpdatesOfTheRun()
    {
        var s = LearningRateSchedule.For(new TrainingOptions { Epochs = 4, WarmupFraction = 0.1, LearningRate = 2e-3, MinLearningRate = 1e-4 },
            stepsPerEpoch: 25);
        Assert.Equal(100, s.TotalSteps);
        Assert.Equal(10, s.WarmupSteps);
        Assert.Equal(1e-4, s.At(99), 12);
    }
}
