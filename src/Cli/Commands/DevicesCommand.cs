using System.Text.Json.Serialization;
using CrsIlgpu.Kernels.Runtime.Driver;
using CrsIlgpu.Kernels.Runtime.Probe;

namespace CrsIlgpu.Cli.Commands;

/// <summary>
/// `crs devices`: every accelerator ILGPU sees, what the CUDA driver answered, and a first-contact
/// probe of the devices --device involves (a catalog kernel launched and checked). The exit code
/// answers "can --device run a kernel?": 0 yes, 2 no device could be opened, 1 one opened but its
/// kernel failed (DeviceProbeReport.ExitCode).
/// </summary>
public static class DevicesCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("devices",
            "List the accelerators (CUDA GPUs and the CPU) and probe the ones --device involves: create the accelerator, load, launch and check "
            + "a catalog kernel; exit 0 when --device can run a kernel, 2 when no such device opens, 1 when one opens but its kernel fails");
        command.Options.Add(json);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var kind = CommonOptions.DeviceOptions(parse).Kind;
            var devices = DeviceContext.ListDevices();
            var probe = DeviceProbe.Run(kind);
            // The driver's answers beside ILGPU's enumeration (ListDevices has registered the driver resolver).
            var cuda = probe.Cuda ?? CudaProbe.Run(devices.Count(d => d.Kind == "Cuda"));
            if (parse.GetValue(json))
            {
                var report = new { probe.Requested, probe.Passed, probe.ExitCode, probe.Error, probe.Results };
                Console.WriteLine(JsonSerializer.Serialize(new { devices, cuda, probe = report }, Json));
            }
            else
            {
                PrintTable(devices, cuda, probe);
            }
            if (probe.Passed)
                return 0;
            Console.Error.WriteLine("error: " + probe.Error);
            return probe.ExitCode;
        }));
        return command;
    }

    private static void PrintTable(IReadOnlyList<DeviceInfo> devices, CudaStatus cuda, DeviceProbeReport probe)
    {
        var table = new Table().AddColumns("#", "name", "kind", "compute", "memory", "SMs", "warp", "max threads/group", "FP32 peak, DRAM BW");
        foreach (var d in devices)
        {
            table.AddRow(d.Index.ToString(), Markup.Escape(d.Name), d.Kind, d.ComputeCapability ?? "-",
                ByteSize.Format(d.MemoryBytes), d.Multiprocessors.ToString(), d.WarpSize.ToString(), d.MaxThreadsPerGroup.ToString(),
                d.Peak is { } p ? $"{p.Fp32FlopsPerSecond / 1e12:0.0} TFLOP/s, {p.BytesPerSecond / 1e12:0.00} TB/s" : "-");
        }
        AnsiConsole.Write(table);
        Console.WriteLine($"CUDA driver resolver: {cuda.Resolver}");
        Console.WriteLine(cuda.Usable
            ? $"CUDA: {cuda.Describe()}"
            : $"No usable CUDA device: {cuda.Describe()}. --device auto uses the CPU.");

        var results = new Table().AddColumns("probed device", "result", "CUresult", "ms", "detail");
        foreach (var r in probe.Results)
        {
            var last = r.Failure ?? r.Steps.LastOrDefault();
            results.AddRow(Markup.Escape(r.Device),
                r.Passed ? "passed" : $"failed at {ProbeStep.NameOf(r.Failure?.Stage ?? r.Furthest)}",
                r.ErrorCode is { } c ? Markup.Escape(CudaResult.Describe(c)) : "-",
                $"{r.TotalMilliseconds:0.0}",
                Markup.Escape(last?.Detail ?? "-"));
        }
        Console.WriteLine($"Probe (--device {probe.Requested.ToString().ToLowerInvariant()}): {probe.Results.FirstOrDefault()?.Kernel} over "
            + $"{DeviceProbe.Elements} values, created, loaded, launched, synchronized, copied back and compared with its C# reference");
        AnsiConsole.Write(results);
        foreach (var r in probe.Results)
        {
            var steps = r.Steps.Select(s => $"{ProbeStep.NameOf(s.Stage)} {(s.Ok ? "" : "FAILED ")}{s.Milliseconds:0.0} ms");
            Console.WriteLine($"{r.Device}: {string.Join(", ", steps)}");
            if (r.MissingEntryPoints.Count > 0)
                Console.WriteLine($"  missing driver entry points ({r.MissingEntryPoints.Count}): {string.Join(", ", r.MissingEntryPoints)}");
            if (r.JitLog is not null || r.JitLogFirstLine is not null)
                Console.WriteLine($"  JIT log: {r.JitLogFirstLine} ({r.JitLog ?? "not written"})");
        }
    }
}
