namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs kernels`: the PTX gate over every catalog kernel.</summary>
public static class KernelsCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "Architectures, e.g. sm_80,sm_90", DefaultValueFactory = _ => "sm_80,sm_90" };
        var outDir = new Option<string>("--out") { Description = "Folder for the .ptx files", DefaultValueFactory = _ => "out/ptx" };
        var command = new Command("kernels",
            "Compile every kernel to PTX (no GPU needed), assemble it with ptxas if installed, report registers, spills and shared memory");
        command.Options.Add(arch);
        command.Options.Add(outDir);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var architectures = PtxGate.ParseArchitectures(parse.GetValue(arch)!);
            var ptxas = Ptxas.Find();
            var rows = PtxGate.Run(KernelCatalog.All, architectures, parse.GetValue(outDir)!, ptxas);

            var table = new Table().AddColumns("kernel", "ptxas -arch", "registers", "spill st/ld B", "stack B", "shared B", "status");
            foreach (var r in rows)
            {
                var rep = r.Report;
                table.AddRow(r.Kernel, r.Arch, rep?.Registers.ToString() ?? "-",
                    rep is null ? "-" : $"{rep.SpillStoreBytes}/{rep.SpillLoadBytes}",
                    rep?.StackBytes.ToString() ?? "-", rep?.SharedBytes.ToString() ?? "-",
                    r.Failed ? "[red]failed[/]" : r.Status);
            }
            AnsiConsole.Write(table);
            foreach (var r in rows.Where(r => r.Failed))
                Console.Error.WriteLine($"{r.Kernel} {r.Arch}: {r.Error}");
            if (ptxas is null)
                Console.WriteLine("ptxas not found (PATH, /usr/lib/nvidia-cuda-toolkit/bin, /usr/local/cuda/bin or $CRS_PTXAS): PTX compiled, not assembled.");
            // Say what was checked: ILGPU writes one PTX target whatever --arch asks for.
            var targets = rows.Where(r => r.PtxFile is not null).Select(r => PtxHeader(r.PtxFile!)).Distinct().ToList();
            Console.WriteLine("PTX as the runtime compiles it " +
                $"(ILGPU {DeviceContext.KernelOptimization}, empty specialisation): {string.Join("; ", targets)}; " +
                "at run time the ISA is the driver's highest and the driver JIT-compiles the PTX for the GPU, as ptxas did here for each -arch");
            Console.WriteLine($"{rows.Count(r => !r.Failed)}/{rows.Count} kernel×arch passed; PTX in {Path.GetFullPath(parse.GetValue(outDir)!)}");
            return rows.Any(r => r.Failed) ? 1 : 0;
        }));
        return command;
    }

    /// <summary>".target sm_80, .version 7.8" from a PTX file's header.</summary>
    private static string PtxHeader(string file)
    {
        var lines = File.ReadLines(file).Take(20).ToList();
        string Find(string directive) => lines.FirstOrDefault(l => l.StartsWith(directive, StringComparison.Ordinal))?.Trim() ?? directive + " ?";
        return $"{Find(".target")}, {Find(".version")}";
    }
}
