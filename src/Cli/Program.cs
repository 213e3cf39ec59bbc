using System.CommandLine.Help;
using CrsIlgpu.Cli.Commands;

namespace CrsIlgpu.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Redirected output (logs, CI) would otherwise wrap tables at 80 columns.
        if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Profile.Width = 160;
        // `crs` alone asks what there is: the help, not an error about a missing command.
        var parse = BuildRoot().Parse(args.Length == 0 ? ["--help"] : args);
        // A typo is a user error like any other: one line and exit code 2, not the whole help and 1.
        // --help still wins, so `crs train --bogus --help` shows the help.
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            Console.Error.WriteLine("error: " + ParseErrors.Describe(parse));
            return ParseErrors.ExitCode;
        }
        return parse.Invoke();
    }

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("crs: a Vision Transformer with hand-written ILGPU kernels and WTA-CRS sampled backprop");
        root.Options.Add(CommonOptions.Device);
        root.Options.Add(CommonOptions.MemoryLimit);
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(KernelsCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(MemoryCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        return root;
    }
}
