using CrsIlgpu.Training.Prediction;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs predict`: class probabilities of JPEG/PNG files from a saved model.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var checkpoint = CheckpointOptions.Checkpoint;
        var input = new Argument<string>("IMAGE|FOLDER")
        {
            Description = "A JPEG or PNG file of any size, or a folder: its *.png, *.jpg and *.jpeg files by name (not sub-folders)",
        };
        var dataset = new Option<string?>("--dataset")
        {
            Description = "The dataset whose training-split statistics normalise the images and whose class names label them: "
                + "cifar10, cifar100 or cifar100-coarse (default: the one the run trained on, else cifar10)",
        };
        dataset.AcceptOnlyFromAmong([.. CifarDatasets.Names]);
        var top = new Option<int>("--top") { Description = "Most probable classes shown per image (at most all of them)", DefaultValueFactory = _ => 5 };
        var batch = ModelOptions.Batch(64, "Images per forward pass");
        var json = new Option<string?>("--json") { Description = "Also write every image's top classes as JSON to this file (written whole or not at all)" };
        var command = new Command("predict",
            "Class probabilities of JPEG/PNG images of any size from a saved model: each image is normalised as the model's dataset was, " +
            "resized to the model's input (bilinear, align_corners = false, no antialias, aspect ratio not kept; gray and RGBA read as RGB), " +
            "and run through the inference forward. An unreadable file stops the command, naming it, before any prediction.");
        command.Arguments.Add(input);
        foreach (var o in new Option[] { checkpoint, dataset, top, batch, json, DataOptions.Dir, DataOptions.Packs })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            Predictor.CheckOptions(parse.GetValue(top), parse.GetValue(batch));
            FileSystemError.CheckOutputFile("--json", parse.GetValue(json));
            var folder = CheckpointEvaluation.ResolveFolder(parse.GetValue(checkpoint)!);
            var files = PredictionInputs.Resolve(parse.GetValue(input)!);
            PredictionInputs.CheckReadable(files);
            var (name, dataDir) = CheckpointOptions.Dataset(parse, dataset, folder);
            using var device = DeviceContext.Create(CommonOptions.DeviceOptions(parse));
            var result = CheckpointPrediction.Run(device, folder, name, dataDir, files, parse.GetValue(top), parse.GetValue(batch));
            foreach (var image in result.Images)
                Console.WriteLine($"{image.File} ({image.Width}×{image.Height}): {string.Join(", ", image.Top.Select(t => $"{t.Name} {P(t.Probability)}"))}");
            Console.WriteLine($"{result.Images.Count} image(s) resized to {result.ImageSize}×{result.ImageSize}; {folder}, {name} normalisation and classes, "
                + $"{device.Description}; peak pool memory {ByteSize.Format(result.PeakBytes)}");
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path, Json(result, folder, name));
            if (result.Images.Any(i => i.Top.Any(t => !double.IsFinite(t.Probability))))
            {
                Console.Error.WriteLine($"warning: non-finite probabilities: {folder} holds non-finite weights (a diverged or damaged checkpoint); "
                    + "its predictions mean nothing");
                return TrainingDivergedException.ExitCodeValue;
            }
            return 0;
        }));
        return command;
    }

    private static string Json(PredictionResult result, string folder, string dataset)
    {
        var images = result.Images.Select(i => new
        {
            file = i.File,
            width = i.Width,
            height = i.Height,
            top = i.Top.Select(t => new { @class = t.Name, index = t.Class, probability = t.Probability }),
        });
        return JsonSerializer.Serialize(new { checkpoint = folder, dataset, image_size = result.ImageSize, peak_bytes = result.PeakBytes, images },
            CheckpointOptions.Json);
    }

    private static string P(double fraction) => CheckpointOptions.Percent(fraction);
}
