using CrsIlgpu.Training.Probe;

namespace CrsIlgpu.Training.Tests.Probe;

/// <summary>probe.jsonl: append, read back, and the resume rules of metrics.jsonl
/// (records past the checkpoint dropped, a torn last line only when it lies past it).</summary>
public class ProbeLogTests
{
    /// <summary>Two sites of one block per probe step.</summary>
    private static List<ProbeRecord> StepRecords(int step) =>
    [
        new(step, 1, 0, "fc1", 20, 68, 1, 3, 0.5, 0.87, 1.5, 1.6, 0.25),
        new(step, 1, 0, "av", 10, 17, 8, 1.25, double.NaN, double.NaN, 0, 0.1, 0.5),
    ];

    [Fact]
    public void RecordsRoundTripOneJsonObjectPerLine()
    {
        using var temp = new TempFolder();
        var log = ProbeLog.Open(temp.Path, 0, every: 2, recordsPerStep: 2);
        log.Append(StepRecords(2));
        log.Append(StepRecords(4));
        var read = ProbeLog.Read(temp.Path);
        Assert.Equal(4, read.Count);
        Assert.Equal(StepRecords(2)[0], read[0]);
        Assert.True(double.IsNaN(read[1].RelativeError)); // G = 0 gives NaN, which survives the round trip
        var line = File.ReadAllLines(Path.Combine(temp.Path, ProbeLog.FileName))[0];
        Assert.Equal(
            """{"step":2,"epoch":1,"block":0,"site":"fc1","k":20,"n":68,"problems":1,"winners":3,"rel_error":""" +
            """0.5,"cosine":0.87,"exact_norm":1.5,"sampled_norm":1.6,"ms":0.25}""",
            line);
    }

    [Fact]
    public void AResumeKeepsTheRecordsThroughTheCheckpointAndAFreshRunStartsEmpty()
    {
        using var temp = new TempFolder();
        var log = ProbeLog.Open(temp.Path, 0, every: 2, recordsPerStep: 2);
        foreach (var step in new[] { 2, 4, 6 })
            log.Append(StepRecords(step));
        var resumed = ProbeLog.Open(temp.Path, keepThroughStep: 5, every: 2, recordsPerStep: 2);
        Assert.Equal([2, 2, 4, 4], resumed.Records.Select(r => r.Step));
        Assert.Equal(4, ProbeLog.Read(temp.Path).Count);
        ProbeLog.Open(temp.Path, 0, every: 2, recordsPerStep: 2);
        Assert.Empty(ProbeLog.Read(temp.Path));
    }

    [Fact]
    public void ATornLastLinePastTheCheckpointIsDroppedWithAWarningAndOneBeforeItIsAnError()
    {
        using var temp = new TempFolder();
        var log = ProbeLog.Open(temp.Path, 0, every: 2, recordsPerStep: 2);
        log.Append(StepRecords(2));
        log.Append(StepRecords(4));
        var path = Path.Combine(temp.Path, ProbeLog.FileName);
        File.AppendAllText(path, """{"step":6,"epoch":1,"blo""");
        var warnings = new List<string>();
        // Checkpoint at update 5: step 4 (the last probe step before it) is complete, so the torn line is step 6's.
        var resumed = ProbeLog.Open(temp.Path, keepThroughStep: 5, every: 2, recordsPerStep: 2, warn: warnings.Add);
        Assert.Equal(4, resumed.Records.Count);
        Assert.Contains("dropped an unreadable last line", Assert.Single(warnings));

        // Step 4's second record torn: the checkpoint at update 4 was written after it, so this is damage, not a crash after the checkpoint.
        File.WriteAllText(path, string.Concat(File.ReadAllLines(path).Take(3).Select(l => l + "\n")) + """{"step":4,"epo""");
        var error = Assert.Throws<CrsException>(() => ProbeLog.Open(temp.Path, keepThroughStep: 4, every: 2, recordsPerStep: 2));
        Assert.Contains($"{ProbeLog.FileName}:4: not a probe record", error.Message);
    }
}
