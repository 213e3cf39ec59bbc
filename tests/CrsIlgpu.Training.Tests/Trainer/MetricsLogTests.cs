namespace CrsIlgpu.Training.Tests.Trainer;

public class MetricsLogTests
{
    private static StepMetrics Step(int epoch, int step, int global) => new(epoch, step, global, 2.5 - global * 0.01, 0.25, 1e-4, double.NaN, 123.4, 1 << 20);

    private static EpochMetrics Epoch(int epoch, int global) => new(epoch, global, 2.0 / epoch, 0.3, 1.9 / epoch, 0.35 * epoch, 5e-5, 99.5, 12.0, 3.0, 2 << 20);

    [Fact]
    public void RecordsRoundTripThroughJsonLinesAndEpochsGoToCsv()
    {
        using var temp = new TempFolder();
        var log = MetricsLog.Open(temp.Path);
        log.Append(Step(1, 1, 1));
        log.Append(Step(1, 2, 2));
        log.Append(Epoch(1, 2));
        var read = MetricsLog.Read(temp.Path);
        Assert.Equal(3, read.Count);
        var step = Assert.IsType<StepMetrics>(read[0]);
        Assert.True(double.IsNaN(step.GradNorm)); // NaN (no clipping) survives the JSON round trip
        Assert.Equal(Step(1, 1, 1) with { GradNorm = 0 }, step with { GradNorm = 0 });
        Assert.Equal(Epoch(1, 2), Assert.IsType<EpochMetrics>(read[2]));
        var csv = File.ReadAllLines(Path.Combine(temp.Path, MetricsLog.CsvFileName));
        Assert.Equal(2, csv.Length);
        Assert.StartsWith("epoch,global_step,train_loss", csv[0]);
        Assert.StartsWith("1,2,2,0.3,1.9,0.35,", csv[1]);
        Assert.Contains("\"kind\":\"step\"", File.ReadAllLines(Path.Combine(temp.Path, MetricsLog.JsonLinesFileName))[0]);
    }

    [Fact]
    public void ResumeDropsWhatWasLoggedAfterTheCheckpointEpoch()
    {
        using var temp = new TempFolder();
        var log = MetricsLog.Open(temp.Path);
        log.Append(Step(1, 1, 1));
        log.Append(Epoch(1, 1));
        log.Append(Step(2, 1, 2)); // epoch 2 was cut short: its steps must not survive a resume from epoch 1
        var resumed = MetricsLog.Open(temp.Path, keepThroughEpoch: 1);
        Assert.Equal(2, resumed.Records.Count);
        Assert.Equal(2, MetricsLog.Read(temp.Path).Count);
        var fresh = MetricsLog.Open(temp.Path);
        Assert.Empty(MetricsLog.Read(temp.Path));
        Assert.Empty(fresh.Records);
    }

    [Fact]
    public void ACorruptLineIsAnErrorNamingFileAndLine()
    {
        using var temp = new TempFolder();
        File.WriteAllText(Path.Combine(temp.Path, MetricsLog.JsonLinesFileName), "{\"kind\":\"epoch\",\"epoch\":1}\nnot json\n");
        var ex = Assert.Throws<CrsException>(() => MetricsLog.Read(temp.Path));
        Assert.Contains("metrics.jsonl:2", ex.Message);
    }

    [Fact]
    public void ATornLastLineAfterTheCheckpointIsDroppedWithAWarningOnResume()
    {
        using var temp = new TempFolder();
        var log = MetricsLog.Open(temp.Path);
        log.Append(Step(1, 1, 1));
        log.Append(Epoch(1, 1));
        var jsonl = Path.Combine(temp.Path, MetricsLog.JsonLinesFileName);
        File.AppendAllText(jsonl, "{\"kind\":\"step\",\"epo"); // a crash mid-append, after the checkpoint of epoch 1
        var warnings = new List<string>();
        var resumed = MetricsLog.Open(temp.Path, keepThroughEpoch: 1, warn: warnings.Add);
        Assert.Equal(2, resumed.Records.Count);
        Assert.Contains("metrics.jsonl:3: dropped an unreadable last line", Assert.Single(warnings));
        Assert.Equal(2, MetricsLog.Read(temp.Path).Count); // the file is whole again
    }

    [Fact]
    public void OtherDamageStillBlocksAResume()
    {
        using var temp = new TempFolder();
        var jsonl = Path.Combine(temp.Path, MetricsLog.JsonLinesFileName);
        var log = MetricsLog.Open(temp.Path);
        log.Append(Step(1, 1, 1));
        log.Append(Epoch(1, 1));
        var whole = File.ReadAllText(jsonl);

        // The torn line could be the checkpoint's own epoch record: an error, not a silent loss.
        File.WriteAllText(jsonl, whole.Split('\n')[0] + "\n{\"kind\":\"epo");
        Assert.Contains("metrics.jsonl:2", Assert.Throws<CrsException>(() => MetricsLog.Open(temp.Path, keepThroughEpoch: 1)).Message);

        // A damaged line that is not the last one.
        File.WriteAllText(jsonl, "not json\n" + whole);
        Assert.Contains("metrics.jsonl:1", Assert.Throws<CrsException>(() => MetricsLog.Open(temp.Path, keepThroughEpoch: 1)).Message);
    }
}
