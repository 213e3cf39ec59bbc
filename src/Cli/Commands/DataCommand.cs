namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs data`: put the CIFAR packs in place, and describe a dataset.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "CIFAR datasets: unpack the packs, print counts and channel statistics");
        data.Subcommands.Add(Unpack());
        data.Subcommands.Add(Info());
        return data;
    }

    private static Command Unpack()
    {
        var from = new Option<string>("--from")
        {
            Description = "Folder with cifar-10-jpg.tar.gz and/or cifar-100-binary.tar.gz",
            DefaultValueFactory = _ => "../shared/data",
        };
        var command = new Command("unpack", "Unpack the CIFAR packs into --data (each complete or not at all)");
        command.Options.Add(from);
        command.Options.Add(DataOptions.Dir);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            foreach (var line in DataPacks.Unpack(parse.GetValue(from)!, parse.GetValue(DataOptions.Dir)!, msg => Console.Error.WriteLine("  " + msg)))
                Console.WriteLine(line);
            return 0;
        }));
        return command;
    }

    private static Command Info()
    {
        var dataset = new Option<string>("--dataset") { Description = "cifar10, cifar100 or cifar100-coarse", DefaultValueFactory = _ => "cifar10" };
        dataset.AcceptOnlyFromAmong([.. CifarDatasets.Names]);
        var command = new Command("info", "Images per split and class, and per-channel mean/std in [0, 1]");
        command.Options.Add(dataset);
        command.Options.Add(DataOptions.Dir);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var name = parse.GetValue(dataset)!;
            var splits = new[] { "train", "test" }.Select(split => (split, images: CifarDatasets.Load(name, split, parse.GetValue(DataOptions.Dir)!))).ToList();
            var summary = new Table().AddColumns("split", "images", "classes", "mean (R, G, B)", "std (R, G, B)", "source");
            foreach (var (split, images) in splits)
            {
                var stats = ChannelStats.Compute(images);
                summary.AddRow(split, images.Count.ToString(CultureInfo.InvariantCulture), images.Classes.ToString(CultureInfo.InvariantCulture),
                    Triple(stats.Mean), Triple(stats.Std), Markup.Escape(images.Source));
            }
            AnsiConsole.Write(summary);
            var perClass = new Table().AddColumns("class", "train", "test");
            var train = splits[0].images.CountPerClass();
            var test = splits[1].images.CountPerClass();
            for (var c = 0; c < splits[0].images.Classes; c++)
            {
                perClass.AddRow(Markup.Escape(splits[0].images.ClassNames[c]), train[c].ToString(CultureInfo.InvariantCulture),
                    test[c].ToString(CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(perClass);
            return 0;
        }));
        return command;
    }

    private static string Triple(IReadOnlyList<double> v) =>
        string.Join(", ", v.Select(x => x.ToString("0.0000", CultureInfo.InvariantCulture)));
}
