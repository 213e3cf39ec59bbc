namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs sweep`: the dataset × keep-ratio grid, each cell a resumable `crs train` run, summarised in results.md and bar charts.</summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var set = new TrainingOptionSet();
        var datasets = new Option<string>("--datasets")
        {
            Description = "Comma-separated datasets",
            DefaultValueFactory = _ => "cifar10,cifar100,cifar100-coarse",
        };
        var ratios = new Option<string>("--ratios") { Description = "Comma-separated keep ratios (1 = dense)", DefaultValueFactory = _ => "1,0.5,0.3" };
        var output = new Option<string>("--out")
        {
            Description = "Sweep folder: one run folder per cell, results.md, results.json, PNGs",
            DefaultValueFactory = _ => "runs/sweep",
        };
        var command = new Command("sweep", "Train every dataset × keep ratio (resumable: finished cells are kept) and tabulate accuracy and peak memory");
        set.AddTo(command, withDataset: false);
        command.Options.Remove(set.Ratio);
        foreach (var o in new Option[] { datasets, ratios, output })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var names = parse.GetValue(datasets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var name in names.Where(n => !CifarDatasets.Names.Contains(n)))
                throw new CrsException($"--datasets: unknown data set '{name}', expected some of: {string.Join(", ", CifarDatasets.Names)}");
            var ratioList = OptionLists.Ratios(parse.GetValue(ratios)!, "--ratios");
            set.Sampling.WarnIfUnused(parse, ratioList);
            var sweepDir = parse.GetValue(output)!;
            FileSystemError.CheckOutputFolder("--out", sweepDir);
            var template = set.Bind(parse);
            try
            {
                Sweep.Run(template, names, ratioList, sweepDir,
                    (options, dir, resume) => TrainCommand.Run(parse, options, dir, resume, set) ?? throw new OperationCanceledException(),
                    line => Console.WriteLine(line));
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("sweep interrupted; run the same command again to continue (finished cells are kept, the interrupted one resumes)");
                return 130;
            }
            Console.WriteLine($"results: {Path.Combine(sweepDir, Sweep.ResultsFileName)}, " +
                $"{Path.Combine(sweepDir, Sweep.AccuracyPlotFileName)}, {Path.Combine(sweepDir, Sweep.MemoryPlotFileName)}");
            Console.WriteLine(File.ReadAllText(Path.Combine(sweepDir, Sweep.ResultsFileName)));
            return 0;
        }));
        return command;
    }
}
