using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs bench kernel NAME --shape ...`: one kernel checked against its reference, then timed, at any shape.</summary>
public static class BenchKernelCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Catalog name of the kernel, e.g. axpby, gemm_nn, softmax_forward" };
        var shape = new Option<string>("--shape")
        {
            Description = "The kernel's sizes, comma-separated (an unknown name lists each kernel; e.g. gemm_nn takes m,n,k)",
            Required = true,
        };
        var mode = CommonOptions.CreateMode();
        var noReference = new Option<bool>("--no-reference") { Description = "Check against the reference but do not time it" };
        var json = new Option<string?>("--json") { Description = "Also write the result as JSON to this file" };
        var command = new Command("kernel",
            "One kernel at a given shape: checked against its plain C# reference, then timed (GFLOP/s, GB/s, roofline on a GPU); exit 1 if the check fails");
        command.Arguments.Add(name);
        foreach (var o in new Option[] { shape, mode, noReference, json })
            command.Options.Add(o);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var entry = OpBenchRegistry.Kernel(parse.GetValue(name)!);
            KernelBench.ParseShape(entry, parse.GetValue(shape)!);
            using var device = DeviceContext.Create(CommonOptions.DeviceOptions(parse) with { Mode = CommonOptions.Mode(parse, mode) });
            Console.WriteLine($"device: {device.Description}");
            var result = KernelBench.Run(device, entry.Kernel, parse.GetValue(shape)!,
                !parse.GetValue(noReference), msg => Console.Error.WriteLine("  " + msg));
            Print(result);
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path,
                    JsonSerializer.Serialize(result,
                        new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return result.Check.Passed ? 0 : 1;
        }));
        return command;
    }

    private static void Print(KernelBenchResult r)
    {
        var c = r.Check;
        Console.WriteLine($"{r.Kernel} {r.Shape} (PTX entry {r.PtxEntry}): check {(c.Passed ? "passed" : "FAILED")}: " +
            $"max |op − reference| / max(1, |reference|) = {c.MaxError.ToString("0.00e+0", CultureInfo.InvariantCulture)} " +
            $"(tolerance {c.Tolerance.ToString("0.0e+0", CultureInfo.InvariantCulture)}, {c.Elements} values)");
        var rows = new List<BenchRow> { r.Op };
        if (r.Reference is not null)
            rows.Add(r.Reference);
        var ratios = r.Reference is null ? [] : BenchReport.RatiosOf(rows, r.Op.Implementation, "reference").ToList();
        BenchCommand.Print(new BenchReport(r.Device, rows, ratios, []));
        Console.WriteLine($"roofline: {r.Roofline?.ToString() ?? "n/a (no peak figures for this device)"}");
        Console.WriteLine("launches of one run (as `crs profile` names them): " +
            string.Join(", ", r.Launches.Select(l => $"{l.Kernel} ×{l.Launches} {l.TotalUs.ToString("0.0", CultureInfo.InvariantCulture)} µs")));
    }
}
