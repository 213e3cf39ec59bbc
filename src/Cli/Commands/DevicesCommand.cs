using CrsIlgpu.Kernels.Runtime.Driver;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs devices`: every accelerator ILGPU sees, and which one --device picks.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("devices", "List the accelerators (CUDA GPUs and the CPU) and their properties");
        command.Options.Add(json);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var devices = DeviceContext.ListDevices();
            // The driver's answers beside ILGPU's enumeration (ListDevices has registered the driver resolver).
            var cuda = CudaProbe.Run(devices.Count(d => d.Kind == "Cuda"));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { devices, cuda }, new JsonSerializerOptions
                {
                    WriteIndented = true,
                    PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                }));
                return 0;
            }

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
            return 0;
        }));
        return command;
    }
}
