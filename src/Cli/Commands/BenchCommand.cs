using CrsIlgpu.Training.Plots;
using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs bench ...`: speed of implementations measured in one run, printed as a table with ratios.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure speed: each implementation and its baseline in the same run");
        bench.Subcommands.Add(Gemm());
        bench.Subcommands.Add(Ops());
        bench.Subcommands.Add(WtaCrs());
        bench.Subcommands.Add(BenchKernelCommand.Create());
        bench.Subcommands.Add(BenchStepCommand.Create());
        return bench;
    }

    private static Command WtaCrs()
    {
        var sizes = new Option<string>("--sizes")
        {
            Description = "vit-tiny (N = 8,320, D = 192) and/or vit-b16 (N = 12,608, D = 768); fc1's weight gradient [4D, D]",
            DefaultValueFactory = _ => "vit-tiny,vit-b16",
        };
        var ratios = new Option<string>("--ratios") { Description = "Keep ratios", DefaultValueFactory = _ => "1,0.5,0.3,0.1" };
        var json = new Option<string?>("--json") { Description = "Also write the rows as JSON to this file" };
        var png = new Option<string?>("--png") { Description = "Also plot time over dense and the error against ρ to this PNG" };
        var command = new Command("wtacrs", "WTA-CRS weight gradient (fc1) and attention dV/dK: row norms, selection and sampled GEMM "
            + "vs the dense GEMMs in one run, and the estimator's error");
        foreach (var o in new Option[] { sizes, ratios, json, png })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var sizeList = ParseSizes(parse.GetValue(sizes)!);
            var ratioList = OptionLists.Ratios(parse.GetValue(ratios)!, "--ratios");
            using var device = OpenDevice(parse);
            var rows = WtaCrsBench.Run(device, sizeList, ratioList, Measuring);
            var table = new Table().AddColumns("size", "ρ", "k", "norms ms", "selection ms", "sampled GEMM ms", "dense GEMM ms", "sampled / dense",
                "selection / GEMM", "rel. error", "selection launches / groups");
            foreach (var r in rows)
            {
                AddRow(table, $"{r.Size} [{r.Rows}×{r.In}]→[{r.Out}×{r.In}]", F(r.Ratio, "0.##"), r.Budget.ToString(CultureInfo.InvariantCulture),
                    F(r.NormsMs, "0.000"), F(r.SelectionMs, "0.000"), F(r.SampledGemmMs, "0.000"), F(r.DenseMs, "0.000"),
                    F(r.TimeVsDense, "0.00") + "×", F(r.SelectionOverhead, "0.00"), F(r.RelativeError, "0.0000"),
                    SelectionLaunches(r.SelectionPath, r.SelectionLaunches, r.SelectionGroups));
            }
            AnsiConsole.Write(table);
            var attentionRows = WtaCrsAttentionBench.Run(device, sizeList, ratioList, Measuring);
            var attention = new Table().AddColumns("attention (B·H, L, Dh)", "ρ", "k", "norms ms", "selection ms", "sampled GEMMs ms", "dense GEMMs ms",
                "sampled / dense", "selection / GEMMs", "dV error", "dK error", "selection launches / groups");
            foreach (var r in attentionRows)
            {
                AddRow(attention, $"{r.Size} ({r.BatchHeads}, {r.Tokens}, {r.HeadDim})", F(r.Ratio, "0.##"), r.Budget.ToString(CultureInfo.InvariantCulture),
                    F(r.NormsMs, "0.000"), F(r.SelectionMs, "0.000"), F(r.SampledGemmMs, "0.000"), F(r.DenseMs, "0.000"),
                    F(r.TimeVsDense, "0.00") + "×", F(r.SelectionOverhead, "0.00"), F(r.ValueError, "0.0000"), F(r.KeyError, "0.0000"),
                    SelectionLaunches(r.SelectionPath, r.SelectionLaunches, r.SelectionGroups));
            }
            AnsiConsole.Write(attention);
            if (parse.GetValue(json) is { } path)
            {
                var options = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new { device = device.Description, rows, attention_rows = attentionRows }, options));
            }
            if (parse.GetValue(png) is { } pngPath)
                WtaCrsBenchPlot.Save(rows, attentionRows, pngPath, device.Description);
            return 0;
        }));
        return command;
    }

    /// <summary>The device of the run (--device, --memory-limit), its description printed first.</summary>
    private static DeviceContext OpenDevice(ParseResult parse)
    {
        var device = DeviceContext.Create(CommonOptions.DeviceOptions(parse));
        Console.WriteLine($"device: {device.Description}");
        return device;
    }

    /// <summary>Progress of a bench, on stderr so the tables on stdout stay clean.</summary>
    private static void Measuring(string what) => Console.Error.WriteLine("  measuring " + what);

    /// <summary>Prints the report and, with --json, writes it to that file.</summary>
    private static void Report(ParseResult parse, Option<string?> json, BenchReport report)
    {
        Print(report);
        if (parse.GetValue(json) is { } path)
            AtomicFile.WriteAllText(path, report.ToJson());
    }

    /// <summary>How one selection ran: "11 / 96 (DeviceWide)", or "cpu" on the CPU backend.</summary>
    private static string SelectionLaunches(string path, int launches, int groups) =>
        path == "cpu" ? "cpu" : $"{launches} / {groups} ({path})";

    private static List<OpBenchSize> ParseSizes(string text, string option = "--sizes") =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => name switch
            {
                "vit-tiny" => OpBenchSize.VitTiny,
                "vit-b16" => OpBenchSize.VitBase,
                _ => throw new CrsException($"{option}: unknown size '{name}'; use vit-tiny and/or vit-b16"),
            })
            .ToList();

    private static Command Ops()
    {
        var sizes = new Option<string>("--sizes")
        {
            Description = "Model sizes: vit-tiny (batch 128, 65 tokens, dim 192), vit-b16 (64, 197, 768)",
            DefaultValueFactory = _ => "vit-tiny,vit-b16",
        };
        var family = new Option<string?>("--family") { Description = "Only this op family (e.g. softmax)" };
        var noReference = new Option<bool>("--no-reference") { Description = "Skip the plain C# reference (it is slow at vit-b16 sizes)" };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file" };
        var command = new Command("ops", "Every ViT op at ViT sizes: the device's implementation vs the plain reference in the same run");
        foreach (var o in new Option[] { sizes, family, noReference, json })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var sizeList = ParseSizes(parse.GetValue(sizes)!);
            using var device = OpenDevice(parse);
            Report(parse, json, OpsBench.Run(device, sizeList, parse.GetValue(family), !parse.GetValue(noReference), Measuring));
            return 0;
        }));
        return command;
    }

    private static Command Gemm()
    {
        var sizes = new Option<string?>("--sizes")
        {
            Description = "Square NN sizes n (n×n×n), comma-separated (default 256,512,1024 unless --shapes is given)",
        };
        var shapes = new Option<string?>("--shapes")
        {
            Description = "The GEMMs of a ViT step: vit-tiny and/or vit-b16 "
                + "(qkv/fc1/fc2 forward NT, weight gradients TN with K = B·L, fc1 dX NN, attention QKᵀ and A·V batched)",
        };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file" };
        var command = new Command("gemm",
            "SGEMM: ILGPU kernel (GPU) or C# CPU backend vs the plain reference and numpy/cuBLAS, square sizes and ViT layer shapes");
        foreach (var o in new Option[] { sizes, shapes, json, CommonOptions.MatmulPrecision })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var shapeText = parse.GetValue(shapes);
            var sizeText = parse.GetValue(sizes) ?? (shapeText is null ? "256,512,1024" : null);
            var cases = new List<GemmBench.Case>();
            if (sizeText is not null)
                cases.AddRange(GemmBench.Square(OptionLists.PositiveInts(sizeText, "--sizes")));
            if (shapeText is not null)
                cases.AddRange(ParseSizes(shapeText, "--shapes").SelectMany(GemmBench.Vit));
            using var device = OpenDevice(parse);
            Report(parse, json, GemmBench.Run(device, cases, Measuring));
            return 0;
        }));
        return command;
    }

    public static void Print(BenchReport report)
    {
        var table = new Table().AddColumns("op", "shape", "implementation", "repeats", "mean ms", "min ms", "GFLOP/s", "GB/s");
        foreach (var r in report.Rows)
        {
            AddRow(table, r.Op, r.Shape, r.Implementation, r.Repeats.ToString(CultureInfo.InvariantCulture),
                F(r.MeanMs, "0.000"), F(r.MinMs, "0.000"), r.Gflops is { } g ? F(g, "0.0") : "-", r.GBps is { } b ? F(b, "0.0") : "-");
        }
        AnsiConsole.Write(table);
        if (report.Ratios.Count > 0)
        {
            var ratios = new Table().AddColumns("op", "shape", "implementation", "vs", "throughput ratio");
            foreach (var r in report.Ratios)
                AddRow(ratios, r.Op, r.Shape, r.Implementation, r.Baseline, F(r.Ratio, "0.00") + "×");
            AnsiConsole.Write(ratios);
        }
        foreach (var note in report.Notes)
            Console.WriteLine("note: " + note);
    }

    /// <summary>Cells are plain text: shapes like [8320, 576] must not be read as Spectre markup.</summary>
    private static void AddRow(Table table, params string[] cells) => table.AddRow(cells.Select(Markup.Escape).ToArray());

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
