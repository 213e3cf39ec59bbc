namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs eval`: top-1 and per-class accuracy of a checkpoint on a test split.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = CheckpointOptions.Checkpoint;
        var dataset = new Option<string?>("--dataset") { Description = "cifar10, cifar100 or cifar100-coarse (default: the one the run trained on)" };
        dataset.AcceptOnlyFromAmong([.. CifarDatasets.Names]);
        var batch = ModelOptions.Batch(256, "Images per forward pass");
        var limit = new Option<int>("--test-limit")
        {
            Description = "Evaluate a fixed random subset of this many test images; 0 = all",
            DefaultValueFactory = _ => 0,
        };
        var json = new Option<string?>("--json") { Description = "Also write the result as JSON to this file" };
        var command = new Command("eval", "Top-1 and per-class accuracy of a saved model on a CIFAR test split");
        foreach (var o in new Option[] { checkpoint, dataset, DataOptions.Dir, DataOptions.Packs, batch, limit, json })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            FileSystemError.CheckOutputFile("--json", parse.GetValue(json));
            var folder = CheckpointEvaluation.ResolveFolder(parse.GetValue(checkpoint)!);
            var (name, dataDir) = CheckpointOptions.Dataset(parse, dataset, folder);
            using var device = DeviceContext.Create(CommonOptions.DeviceOptions(parse));
            var result = CheckpointEvaluation.Run(device, folder, name, dataDir, parse.GetValue(batch), parse.GetValue(limit));
            var table = new Table().AddColumns("class", "correct", "images", "accuracy");
            for (var c = 0; c < result.ClassNames.Length; c++)
            {
                table.AddRow(Markup.Escape(result.ClassNames[c]), I(result.CorrectPerClass[c]), I(result.TotalPerClass[c]),
                    double.IsNaN(result.ClassAccuracy(c)) ? "n/a" : P(result.ClassAccuracy(c)));
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"{folder} on {name} test ({I(result.Images)} images, {device.Description}): top-1 accuracy {P(result.Accuracy)}, "
                + $"loss {result.Loss.ToString("F4", CultureInfo.InvariantCulture)}; peak pool memory {ByteSize.Format(result.PeakBytes)}");
            if (parse.GetValue(json) is { } path)
            {
                var classes = result.ClassNames.Select((n, c) => new { name = n, correct = result.CorrectPerClass[c], images = result.TotalPerClass[c] });
                var report = new
                {
                    checkpoint = folder, dataset = name, images = result.Images, accuracy = result.Accuracy, loss = result.Loss,
                    peak_bytes = result.PeakBytes, classes,
                };
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, CheckpointOptions.Json));
            }
            if (!double.IsFinite(result.Loss))
            {
                // Non-finite weights still "predict" a class per image: the accuracy alone would hide the damage.
                Console.Error.WriteLine($"warning: the test loss is {result.Loss.ToString(CultureInfo.InvariantCulture)}: {folder} holds non-finite weights "
                    + "(a diverged or damaged checkpoint); its accuracy means nothing");
                return TrainingDivergedException.ExitCodeValue;
            }
            return 0;
        }));
        return command;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string P(double fraction) => CheckpointOptions.Percent(fraction);
}
