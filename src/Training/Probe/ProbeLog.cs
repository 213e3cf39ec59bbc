using System.Text.Json;

namespace CrsIlgpu.Training.Probe;

/// <summary>
/// A run's probe.jsonl: one <see cref="ProbeRecord"/> per (probe step, block, site), a probe step's
/// records appended together as they are measured — the same rules as metrics.jsonl
/// (<see cref="CrsIlgpu.Training.Trainer.MetricsLog"/>): a fresh run starts the file empty; a resume keeps the records
/// through the checkpoint's update and drops later ones; a torn last line (a crash or a full disk in
/// the middle of an append) is dropped with a warning when it lies after the checkpoint, i.e. when the
/// records before it already hold every record of the last probe step at or before the checkpoint
/// (all of a step's records were appended before that step's checkpoint was written). Damage
/// anywhere else is an error naming the file and line.
/// </summary>
public sealed class ProbeLog
{
    public const string FileName = "probe.jsonl";

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN when G = 0
    };

    private readonly string _path;
    private readonly List<ProbeRecord> _records;

    private ProbeLog(string runDir, List<ProbeRecord> records)
    {
        _path = Path.Combine(runDir, FileName);
        _records = records;
        AtomicFile.WriteAllText(_path, string.Concat(records.Select(r => Line(r) + "\n")));
    }

    /// <summary>
    /// Starts the file afresh (<paramref name="keepThroughStep"/> 0) or keeps the records through that
    /// update (resume). <paramref name="every"/> and <paramref name="recordsPerStep"/> (sampled sites ×
    /// depth) say which records a checkpoint at that update must already have.
    /// </summary>
    public static ProbeLog Open(string runDir, int keepThroughStep, int every, int recordsPerStep, Action<string>? warn = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(every);
        Directory.CreateDirectory(runDir);
        if (keepThroughStep <= 0)
            return new ProbeLog(runDir, []);
        var lastProbed = keepThroughStep - keepThroughStep % every;
        var kept = Read(runDir, before => lastProbed == 0 || before.Count(r => r.Step == lastProbed) >= recordsPerStep, warn)
            .Where(r => r.Step <= keepThroughStep).ToList();
        return new ProbeLog(runDir, kept);
    }

    public IReadOnlyList<ProbeRecord> Records => _records;

    /// <summary>Appends one probe step's records (one write).</summary>
    public void Append(IReadOnlyList<ProbeRecord> records)
    {
        if (records.Count == 0)
            return;
        _records.AddRange(records);
        File.AppendAllText(_path, string.Concat(records.Select(r => Line(r) + "\n")));
    }

    /// <summary>Reads a run's probe.jsonl (none: empty); a line that does not parse is an error naming the file and line.</summary>
    public static List<ProbeRecord> Read(string runDir) => Read(runDir, null, null);

    private static List<ProbeRecord> Read(string runDir, Func<List<ProbeRecord>, bool>? tornLastLineIsHarmless, Action<string>? warn)
    {
        var path = Path.Combine(runDir, FileName);
        if (!File.Exists(path))
            return [];
        var lines = File.ReadAllLines(path);
        var last = Array.FindLastIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        var records = new List<ProbeRecord>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<ProbeRecord>(lines[i], Json) ?? throw new JsonException("null record"));
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException)
            {
                if (i == last && tornLastLineIsHarmless?.Invoke(records) == true)
                {
                    warn?.Invoke($"{path}:{i + 1}: dropped an unreadable last line (a write cut short by a crash or a full disk); " +
                        "it was logged after the checkpoint, so nothing the resume keeps is lost");
                    break;
                }
                throw new CrsException($"{path}:{i + 1}: not a probe record ({ex.Message})");
            }
        }
        return records;
    }

    private static string Line(ProbeRecord record) => JsonSerializer.Serialize(record, Json);
}
