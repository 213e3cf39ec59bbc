using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// A run's metrics.jsonl (every logged step and every epoch, one JSON object per line, appended as
/// they happen) and metrics.csv (one row per epoch, rewritten atomically after each). A resume
/// first drops what was logged after the checkpoint it continues from, so the files read as one run.
/// </summary>
public sealed class MetricsLog
{
    public const string JsonLinesFileName = "metrics.jsonl";
    public const string CsvFileName = "metrics.csv";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // grad_norm is NaN when not clipping
    };
    private readonly string _jsonl;
    private readonly string _csv;
    private readonly List<RunMetrics> _records;

    private MetricsLog(string runDir, List<RunMetrics> records)
    {
        _jsonl = Path.Combine(runDir, JsonLinesFileName);
        _csv = Path.Combine(runDir, CsvFileName);
        _records = records;
        AtomicFile.WriteAllText(_jsonl, string.Concat(records.Select(r => Line(r) + "\n")));
        WriteCsv();
    }

    /// <summary>
    /// Starts the files afresh, or (resume) keeps what was logged up to the checkpoint: epoch records
    /// through epoch <paramref name="keepThroughEpoch"/> and step records through update
    /// <paramref name="keepThroughStep"/> (past the last epoch for a mid-epoch checkpoint); null: all
    /// steps of the kept epochs. A torn last line (a crash or a full disk in the middle of an append)
    /// that lies after the checkpoint is dropped with a warning: nothing the resume keeps is lost.
    /// It lies after the checkpoint when the checkpoint's epoch record precedes it: every record up
    /// to the checkpoint's update was appended (synchronously) before that checkpoint was written,
    /// so a line torn mid-append is a later one. Damage anywhere else is still an error.
    /// </summary>
    public static MetricsLog Open(string runDir, int keepThroughEpoch = 0, int? keepThroughStep = null, Action<string>? warn = null)
    {
        Directory.CreateDirectory(runDir);
        var resume = keepThroughEpoch > 0 || keepThroughStep > 0;
        var kept = resume
            ? Read(runDir, before => keepThroughEpoch == 0 || before.OfType<EpochMetrics>().Any(e => e.Epoch == keepThroughEpoch), warn)
                .Where(r => r is EpochMetrics ? r.Epoch <= keepThroughEpoch
                    : keepThroughStep is { } s ? r.GlobalStep <= s : r.Epoch <= keepThroughEpoch).ToList()
            : [];
        return new MetricsLog(runDir, kept);
    }

    public IReadOnlyList<RunMetrics> Records => _records;

    public IEnumerable<EpochMetrics> Epochs => _records.OfType<EpochMetrics>();

    public IEnumerable<StepMetrics> Steps => _records.OfType<StepMetrics>();

    public void Append(RunMetrics record)
    {
        _records.Add(record);
        File.AppendAllText(_jsonl, Line(record) + "\n");
        if (record is EpochMetrics)
            WriteCsv();
    }

    /// <summary>Reads a run's metrics.jsonl; a line that does not parse is an error naming the file and line.</summary>
    public static List<RunMetrics> Read(string runDir) => Read(runDir, tornLastLineIsHarmless: null, warn: null);

    /// <param name="tornLastLineIsHarmless">Given the records before it, whether an unparsable last line may be dropped.</param>
    private static List<RunMetrics> Read(string runDir, Func<List<RunMetrics>, bool>? tornLastLineIsHarmless, Action<string>? warn)
    {
        var path = Path.Combine(runDir, JsonLinesFileName);
        if (!File.Exists(path))
            return [];
        var lines = File.ReadAllLines(path);
        var last = Array.FindLastIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        var records = new List<RunMetrics>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<RunMetrics>(lines[i], Json) ?? throw new JsonException("null record"));
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException)
            {
                if (i == last && tornLastLineIsHarmless?.Invoke(records) == true)
                {
                    warn?.Invoke($"{path}:{i + 1}: dropped an unreadable last line (a write cut short by a crash or a full disk); " +
                        "it was logged after the checkpoint, so nothing the resume keeps is lost");
                    break;
                }
                throw new CrsException($"{path}:{i + 1}: not a metrics record ({ex.Message})");
            }
        }
        return records;
    }

    private static string Line(RunMetrics record) => JsonSerializer.Serialize(record, Json);

    private void WriteCsv()
    {
        var csv = new StringBuilder("epoch,global_step,train_loss,train_accuracy," +
            "test_loss,test_accuracy,learning_rate,images_per_second,train_seconds,eval_seconds,peak_bytes,eval_peak_bytes\n");
        foreach (var e in Epochs)
        {
            csv.AppendLine(string.Join(',',
                e.Epoch.ToString(CultureInfo.InvariantCulture),
                e.GlobalStep.ToString(CultureInfo.InvariantCulture),
                F(e.TrainLoss), F(e.TrainAccuracy), F(e.TestLoss), F(e.TestAccuracy), F(e.LearningRate),
                F(e.ImagesPerSecond), F(e.TrainSeconds), F(e.EvalSeconds),
                e.PeakBytes.ToString(CultureInfo.InvariantCulture),
                e.EvalPeakBytes.ToString(CultureInfo.InvariantCulture)));
        }
        AtomicFile.WriteAllText(_csv, csv.ToString());
    }

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
