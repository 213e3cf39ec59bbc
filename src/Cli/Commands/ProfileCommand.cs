using CrsIlgpu.Model;
using CrsIlgpu.Training.Profiling;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs profile`: every kernel of one training step by phase, with throughput and roofline position; or two keep ratios side by side.</summary>
public static class ProfileCommand
{
    private const string Caption =
        "Shares are of the step's summed kernel time. wtacrs-selection = the row-norm, selection, row-gather and gradient-norm-cache kernels, " +
        "wherever in the step they ran; the sampled GEMM stays in backward, where it replaces the dense weight-gradient GEMM. " +
        "backward starts with the fused softmax cross-entropy. " +
        "groups = the grid's groups per launch where the op declares them (the GEMMs; a split-K weight gradient shows its K groups × tiles). " +
        "Roofline: % of the FP32 peak or of DRAM bandwidth, whichever bounds the kernel's declared work (GPU only).";

    public static Command Create()
    {
        var model = ModelOptions.Model();
        var batch = ModelOptions.Batch(128, "Images per step (synthetic, seeded)");
        var classes = ModelOptions.Classes();
        var ratio = new Option<double?>("--ratio") { Description = "WTA-CRS keep ratio in (0, 1); default: dense (no sampling)" };
        var compare = new Option<string?>("--compare-ratios")
        {
            Description = "Profile two keep ratios (1 = dense) and print them side by side with the difference, e.g. 1,0.3",
        };
        var steps = new Option<int>("--steps") { Description = "Timed steps (the table is their mean)", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (kernel loading, JIT)", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, the synthetic batch and the WTA-CRS draws", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out")
        {
            Description = "Folder for profile.json, trace.json (chrome://tracing, Perfetto) and profile.png",
            DefaultValueFactory = _ => "runs/profile",
        };
        var plan = new Option<bool>("--plan")
        {
            Description = "Count launches and host synchronisations per step of the model's structure on the CPU accelerator's kernel path " +
                "at a miniature width and batch (for models the CPU cannot run; times are meaningless)",
        };
        var mode = CommonOptions.CreateMode();
        var sampling = new SamplingOptions();
        var command = new Command("profile",
            "Profile one training step: every kernel by phase (forward, backward, WTA-CRS selection, optimizer) " +
            "with time, share, GFLOP/s, GB/s and roofline position");
        foreach (var o in new Option[] { model, batch, classes, ratio, compare, steps, warmup, seed, outDir, plan, mode, CommonOptions.MatmulPrecision })
            command.Options.Add(o);
        sampling.AddTo(command);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var config = VitConfig.Resolve(parse.GetValue(model)!).WithClasses(parse.GetValue(classes));
            config.Validate();
            if (parse.GetValue(compare) is not null && parse.GetValue(ratio) is not null)
                throw new CrsException("--ratio and --compare-ratios exclude each other");
            var ratios = parse.GetValue(compare) is { } text
                ? OptionLists.Ratios(text, "--compare-ratios")
                : [parse.GetValue(ratio) ?? 1.0];
            sampling.WarnIfUnused(parse, ratios);
            if (parse.GetValue(compare) is not null && ratios.Count != 2)
                throw new CrsException($"--compare-ratios: give exactly two keep ratios, e.g. 1,0.3 (got {ratios.Count})");
            var ratioOption = parse.GetValue(compare) is not null ? "--compare-ratios" : "--ratio";
            var planned = parse.GetValue(plan);
            var (runConfig, runBatch) = planned ? (StepProfilePlan.Miniature(config), StepProfilePlan.Batch) : (config, parse.GetValue(batch));
            var options = ratios.Select(rho => new StepProfileOptions(runConfig, runBatch, sampling.Config(parse, rho, parse.GetValue(seed), ratioOption),
                parse.GetValue(warmup), parse.GetValue(steps), parse.GetValue(seed), sampling.Savers(parse))).ToList();
            foreach (var o in options)
                o.Validate();
            FileSystemError.CheckOutputFolder("--out", parse.GetValue(outDir));

            IReadOnlyList<StepProfile> profiles;
            string dir;
            var deviceOptions = planned
                ? CommonOptions.DeviceOptions(parse) with { Kind = DeviceKind.Cpu, Mode = ExecutionMode.Kernels }
                : CommonOptions.DeviceOptions(parse) with { Mode = CommonOptions.Mode(parse, mode) };
            if (planned)
                Console.WriteLine($"plan: {config.Name}'s structure (depth {config.Depth}, heads {config.Heads}, MLP {config.MlpRatio}x) " +
                    $"at width {runConfig.Dim}, {runConfig.Tokens} tokens, batch {runBatch} " +
                    "on the CPU accelerator's kernel path: launches and synchronisations per step are the full model's, times are not");
            using (var device = DeviceContext.Create(deviceOptions))
            {
                // Created only once the device exists: `--device cuda` without a GPU leaves no empty folder behind.
                dir = StepProfileFiles.PrepareDirectory(parse.GetValue(outDir)!);
                // Compare mode interleaves the two configurations' steps, so machine noise hits both alike.
                profiles = StepProfiler.RunInterleaved(device, options, msg => Console.Error.WriteLine("  " + msg));
            }
            foreach (var (profile, rho) in profiles.Zip(ratios))
            {
                Print(profile);
                var files = StepProfileFiles.Write(profile, ratios.Count > 1 ? Path.Combine(dir, StepProfileFiles.RatioFolder(rho)) : dir);
                Console.WriteLine("wrote " + string.Join(", ", files));
            }
            if (profiles.Count == 2)
            {
                var comparison = StepProfileComparison.Of(profiles[0], profiles[1]);
                PrintComparison(comparison, ratios);
                Console.WriteLine("wrote " + StepProfileFiles.WriteComparison(comparison, dir));
            }
            return 0;
        }));
        return command;
    }

    private static void Print(StepProfile p)
    {
        Console.WriteLine($"profile: {p.Model}, batch {p.Batch}, {p.Sampling}, on {p.Device}; " +
            $"{p.WarmupSteps} warm-up + {p.Steps} timed steps (per-step means), loss {F(p.Loss, "0.0000")}");
        var table = new Table().AddColumns("phase", "kernel", "launches", "groups", "total ms", "mean µs", "share", "GFLOP/s", "GB/s", "roofline");
        foreach (var phase in p.Phases)
        {
            foreach (var k in p.Kernels.Where(k => k.Phase == phase.Phase))
            {
                AddRow(table, k.Phase, k.Kernel, F(k.LaunchesPerStep, "0.##"), k.GroupsPerLaunch is { } g ? F(g, "0.#") : "",
                    F(k.TotalUsPerStep / 1e3, "0.000"), F(k.MeanUs, "0.0"),
                    F(k.SharePercent, "0.0") + "%", Rate(k.GflopsPerSecond), Rate(k.GbytesPerSecond), k.Roofline?.ToString() ?? "n/a");
            }
            table.AddRow(
                new Markup($"[bold]{Markup.Escape(phase.Phase)}[/]"), new Markup("[bold]phase total[/]"),
                new Markup(F(phase.LaunchesPerStep, "0.##")), new Markup(""),
                new Markup($"[bold]{F(phase.TotalUsPerStep / 1e3, "0.000")}[/]"), new Markup(""), new Markup($"[bold]{F(phase.SharePercent, "0.0")}%[/]"),
                new Markup(""), new Markup(""), new Markup(""));
        }
        AnsiConsole.Write(table);
        Console.WriteLine("note: " + Caption);
        Console.WriteLine($"step: wall {F(p.WallUsPerStep / 1e3, "0.000")} ms = kernels {F(p.KernelUsPerStep / 1e3, "0.000")} ms " +
            $"+ unattributed (host, launch, sync) {F(p.UnattributedUsPerStep / 1e3, "0.000")} ms; " +
            $"phases: {string.Join(", ", p.Phases.Select(x => $"{x.Phase} {F(x.SharePercent, "0.0")}%"))}");
        if (p.PlainUsPerStep is { } plain)
            Console.WriteLine($"unprofiled step (profiler off): {F(plain / 1e3, "0.000")} ms, {F(p.ImagesPerSecond ?? 0, "0.0")} images/s");
        Console.WriteLine($"per step: {F(p.LaunchesPerStep, "0.##")} launches, " +
            $"{(p.SyncsPerStep is { } syncs ? F(syncs, "0.##") : "n/a")} host synchronisations (waits for the device: synchronizes and blocking copies)");
    }

    private static void PrintComparison(StepProfileComparison c, IReadOnlyList<double> ratios)
    {
        string Name(double rho) => rho >= 1 ? "ρ=1 (dense)" : $"ρ={F(rho, "0.###")}";
        var table = new Table().AddColumns("phase", "kernel", Name(ratios[0]) + " ms", Name(ratios[1]) + " ms", "difference ms", "difference");
        foreach (var row in c.Rows)
        {
            var cells = new[]
            {
                row.Phase, row.Kernel ?? "phase total", F(row.FirstUs / 1e3, "0.000"), F(row.SecondUs / 1e3, "0.000"),
                (row.DifferenceUs >= 0 ? "+" : "") + F(row.DifferenceUs / 1e3, "0.000"),
                row.FirstUs > 0 ? (row.DifferenceUs >= 0 ? "+" : "") + F(100 * row.DifferenceUs / row.FirstUs, "0.0") + "%" : "new",
            };
            if (row.Kernel is null || row.Phase == StepProfileComparison.StepPhase)
                table.AddRow(cells.Select(x => new Markup($"[bold]{Markup.Escape(x)}[/]")).ToArray());
            else
                AddRow(table, cells);
        }
        AnsiConsole.Write(table);
        Console.WriteLine($"note: {c.First.Sampling} vs {c.Second.Sampling}; difference = second − first (negative: time saved); " +
            "a kernel one side lacks counts as 0 there.");
    }

    private static void AddRow(Table table, params string[] cells) => table.AddRow(cells.Select(Markup.Escape).ToArray());

    private static string Rate(double? value) => value is { } v ? F(v, "0.0") : "-";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
