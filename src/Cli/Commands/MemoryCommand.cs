using CrsIlgpu.Training.Plots;
using CrsIlgpu.Model;
using CrsIlgpu.Training.Memory;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs memory`: peak memory of one training step, overall, per tag and per layer type.</summary>
public static class MemoryCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var batch = ModelOptions.Batch(64);
        var classes = ModelOptions.Classes();
        var plan = new Option<bool>("--plan")
        {
            Description = "Make every allocation of the step through the pool with no memory behind it and no kernel launched: seconds, any size",
        };
        var capacity = new Option<string?>("--capacity") { Description = "With --plan: device memory to plan against, e.g. 80GiB (default: unlimited)" };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file" };
        var timeline = new Option<string?>("--timeline") { Description = "Write the pool's event timeline (JSON) to this file (last ratio)" };
        var png = new Option<string?>("--png") { Description = "Plot allocated memory over the step, one line per ratio, to this PNG" };
        var ratios = new Option<string?>("--ratios") { Description = "WTA-CRS keep ratios to compare, e.g. 1,0.5,0.3 (1 = dense); default: dense only" };
        var maxBatch = new Option<bool>("--max-batch")
        {
            Description = "Instead of one batch: per ratio, the largest batch whose planned step fits each --capacity (a list, e.g. 24GiB,48GiB,80GiB)",
        };
        var sampling = new SamplingOptions();
        var command = new Command("memory",
            "Run one training step (forward, loss, backward, Adam) and report peak memory by tag and saved-for-backward bytes by layer type");
        foreach (var o in new Option[] { model, batch, classes, plan, capacity, json, timeline, png, ratios, maxBatch })
            command.Options.Add(o);
        sampling.AddTo(command);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var config = VitConfig.Resolve(parse.GetValue(model)!).WithClasses(parse.GetValue(classes));
            config.Validate();
            if (parse.GetValue(maxBatch))
            {
                if (parse.GetResult(batch) is { Implicit: false })
                    throw new CrsException("--batch and --max-batch exclude each other (--max-batch searches the batch)");
                if (parse.GetValue(timeline) is not null)
                    throw new CrsException("--timeline applies to one measured batch, not to --max-batch");
                var maxRatios = parse.GetValue(ratios) is { } list ? OptionLists.Ratios(list, "--ratios") : [1.0];
                sampling.WarnIfUnused(parse, maxRatios);
                MemoryMaxBatch.Run(config, parse.GetValue(capacity), maxRatios.Select(r => sampling.Config(parse, r, seed: 0, "--ratios")).ToList(),
                    sampling.Savers(parse), parse.GetValue(json), parse.GetValue(png));
                return 0;
            }
            var options = CommonOptions.DeviceOptions(parse, recordTimeline: parse.GetValue(timeline) is not null || parse.GetValue(png) is not null);
            if (parse.GetValue(capacity) is not null && !parse.GetValue(plan))
                throw new CrsException("--capacity applies only with --plan (a measured step uses the device's memory; cap it with --memory-limit)");
            long cap = long.MaxValue;
            if (parse.GetValue(capacity) is { } text && (!ByteSize.TryParse(text, out cap) || cap <= 0))
                throw new CrsException($"--capacity: '{text}' is not a byte count like 80GiB");
            // Before the work: a bad output path should not cost a whole (possibly long) measurement.
            FileSystemError.CheckOutputFile("--json", parse.GetValue(json));
            FileSystemError.CheckOutputFile("--png", parse.GetValue(png));
            FileSystemError.CheckOutputFile("--timeline", parse.GetValue(timeline));
            var ratioList = parse.GetValue(ratios) is { } text2 ? OptionLists.Ratios(text2, "--ratios") : [1.0];
            sampling.WarnIfUnused(parse, ratioList);
            var reports = new List<StepMemoryReport>();
            var samplingConfigs = new List<WtaCrsConfig?>();
            var timelines = new List<(string, IReadOnlyList<MemoryEvent>)>();
            foreach (var ratio in ratioList)
            {
                // ρ = 1 is the dense baseline: the comparison is against training without sampling.
                var samplingConfig = sampling.Config(parse, ratio, seed: 0, "--ratios");
                samplingConfigs.Add(samplingConfig);
                using var device = parse.GetValue(plan) ? DeviceContext.CreatePlanner(options, cap) : DeviceContext.Create(options);
                var report = StepMemory.Measure(device, config, parse.GetValue(batch), sampling: samplingConfig,
                    savers: sampling.Savers(parse));
                Print(report);
                reports.Add(report);
                timelines.Add((report.Sampling, device.Pool.Timeline()));
                if (parse.GetValue(timeline) is { } timelinePath)
                    AtomicFile.WriteAllText(timelinePath, device.Pool.TimelineJson());
            }
            if (reports.Count > 1)
                PrintComparison(reports);
            // ρ = 1 first (the default order): what each sampled site saves against it, under the same savers.
            if (reports.Count > 1 && ratioList[0] >= 1)
            {
                for (var i = 1; i < reports.Count; i++)
                {
                    if (samplingConfigs[i] is { } sampled)
                        PrintSites(reports[i], SiteSavings.Compare(reports[0], reports[i], sampled));
                }
            }
            if (parse.GetValue(png) is { } pngPath)
            {
                MemoryTimelinePlot.Save(timelines, pngPath,
                    $"{config.Name}, batch {parse.GetValue(batch)}: one training step{(parse.GetValue(plan) ? " (plan)" : "")}");
            }
            if (parse.GetValue(json) is { } path)
            {
                var jsonOptions = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(reports, jsonOptions));
            }
            return 0;
        }));
        return command;
    }

    private static void PrintComparison(IReadOnlyList<StepMemoryReport> reports)
    {
        var baseline = reports[0].Stats.PeakAllocated;
        var table = new Table().AddColumns("sampling", "peak allocated", "vs first", "saved for backward at peak");
        foreach (var r in reports)
        {
            table.AddRow(Markup.Escape(r.Sampling), ByteSize.Format(r.Stats.PeakAllocated),
                ((double)r.Stats.PeakAllocated / baseline).ToString("0.000", CultureInfo.InvariantCulture) + "×",
                ByteSize.Format(r.Stats.ByTagAtPeak[MemoryTag.SavedForBackward]));
        }
        AnsiConsole.Write(table);
    }

    private static void PrintSites(StepMemoryReport sampled, IReadOnlyList<SiteSavings> sites)
    {
        Console.WriteLine($"what sampling saves per site, against dense with the same savers ({Markup.Escape(sampled.Sampling)}):");
        var table = new Table().AddColumns("site", "dense keeps", "sampled keeps", "saved", "why");
        foreach (var s in sites)
        {
            table.AddRow(s.Site.ToString(), ByteSize.Format(s.DenseBytes), ByteSize.Format(s.SampledBytes),
                (s.Saved < 0 ? "-" : "") + ByteSize.Format(Math.Abs(s.Saved)), Markup.Escape(s.Reason));
        }
        AnsiConsole.Write(table);
    }

    private static void Print(StepMemoryReport r)
    {
        var s = r.Stats;
        var loss = r.Loss is { } value ? $", loss {value.ToString("0.0000", CultureInfo.InvariantCulture)}" : "";
        Console.WriteLine($"{r.Sampling}: {r.Model}, batch {r.Batch}, {r.Parameters:N0} parameters, {r.Device}{loss}");
        Console.WriteLine($"peak allocated {ByteSize.Format(s.PeakAllocated)} ({s.PeakAllocated:N0} B), peak reserved {ByteSize.Format(s.PeakReserved)}, "
            + $"driver allocations {s.DriverAllocs}");
        var tags = new Table().AddColumns("tag", "at overall peak", "own peak");
        foreach (var tag in Enum.GetValues<MemoryTag>())
            tags.AddRow(tag.ToString(), ByteSize.Format(s.ByTagAtPeak[tag]), ByteSize.Format(s.PeakByTag[tag]));
        AnsiConsole.Write(tags);
        var layers = new Table().AddColumns("layer type", "saved for backward", "share");
        var total = r.SavedBytesByLayerType.Values.Sum();
        foreach (var (type, bytes) in r.SavedBytesByLayerType.OrderByDescending(kv => kv.Value))
            layers.AddRow(type, ByteSize.Format(bytes), (100.0 * bytes / Math.Max(total, 1)).ToString("0.0", CultureInfo.InvariantCulture) + "%");
        layers.AddRow("total", ByteSize.Format(total), "100%");
        AnsiConsole.Write(layers);
        var tensors = new Table().AddColumns("saved tensor", "role", "count", "bytes", "share");
        foreach (var t in r.SavedTensors)
        {
            tensors.AddRow(Markup.Escape(t.Name), t.Role.ToString(), t.Count.ToString(CultureInfo.InvariantCulture), ByteSize.Format(t.Bytes),
                (100.0 * t.Bytes / Math.Max(total, 1)).ToString("0.0", CultureInfo.InvariantCulture) + "%");
        }
        AnsiConsole.Write(tensors);
    }
}
