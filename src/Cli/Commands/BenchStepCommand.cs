using CrsIlgpu.Training.Profiling;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs bench step`: a full training step of crs against PyTorch eager, their steps alternated in one run.</summary>
public static class BenchStepCommand
{
    public static Command Create()
    {
        var cases = new Option<string>("--cases")
        {
            Description = "MODEL:BATCH pairs (presets or config files)",
            DefaultValueFactory = _ => "vit-cifar-tiny:128,vit-cifar-small:64",
        };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps of each side first (kernel loading, allocator)", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "Timed steps of each side, alternated", DefaultValueFactory = _ => 5 };
        var json = new Option<string?>("--json") { Description = "Also write the rows as JSON to this file" };
        var command = new Command("step",
            "A full training step (forward, loss, backward, AdamW; dense, synthetic batch) of crs against the same step in PyTorch eager " +
            "(same model, batch, optimizer, fp32 with TF32 off, same threads on the CPU, CUDA on a GPU), steps alternated in one run: images/s and the ratio");
        foreach (var o in new Option[] { cases, warmup, steps, json })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var list = StepBench.ParseCases(parse.GetValue(cases)!);
            using var device = DeviceContext.Create(CommonOptions.DeviceOptions(parse));
            Console.WriteLine($"device: {device.Description}");
            var rows = StepBench.Run(device, list, parse.GetValue(warmup), parse.GetValue(steps), msg => Console.Error.WriteLine("  " + msg));
            var table = new Table().AddColumns("model", "batch", "threads", "crs ms", "crs images/s",
                "PyTorch ms", "PyTorch images/s", "PyTorch / crs time",
                "crs peak", "PyTorch peak", "BLAS core");
            foreach (var r in rows)
            {
                table.AddRow(new[]
                {
                    r.Model, r.Batch.ToString(CultureInfo.InvariantCulture), r.Threads == 0 ? "-" : r.Threads.ToString(CultureInfo.InvariantCulture),
                    F(r.CrsMs, "0.0"), F(r.CrsImagesPerSecond, "0.0"), r.PyTorchMs is { } t ? F(t, "0.0") : "-",
                    r.PyTorchImagesPerSecond is { } ips ? F(ips, "0.0") : "-", r.Speedup is { } s ? F(s, "0.00") + "×" : "-",
                    ByteSize.Format(r.CrsPeakAllocatedBytes), r.PyTorchMaxMemoryAllocatedBytes is { } m ? ByteSize.Format(m) : "-", r.BlasCore ?? "-",
                }.Select(Markup.Escape).ToArray());
            }
            AnsiConsole.Write(table);
            foreach (var r in rows.Where(r => r.PyTorchMissing is not null))
                Console.WriteLine($"PyTorch not measured for {r.Model} b{r.Batch}: {r.PyTorchMissing}");
            if (rows.FirstOrDefault(r => r.PyTorchVersion is not null) is { } any)
                Console.WriteLine($"PyTorch {any.PyTorchVersion} on {any.PyTorchDevice}; means over {any.Steps} alternated steps; ratio > 1: crs is faster");
            if (parse.GetValue(json) is { } path)
            {
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new { device = device.Description, rows },
                    new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            }
            return 0;
        }));
        return command;
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
