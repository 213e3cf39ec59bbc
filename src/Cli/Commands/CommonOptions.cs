namespace CrsIlgpu.Cli.Commands;

/// <summary>Options every command understands, and the one place that turns them into a device.</summary>
public static class CommonOptions
{
    public static readonly Option<string> Device = CreateDevice();

    public static readonly Option<string?> MemoryLimit = new("--memory-limit")
    {
        Description = "Most bytes the memory pool may reserve, e.g. 8GiB or 512MiB; a request past it fails with the pool's state",
        Recursive = true,
    };

    /// <summary>
    /// --matmul-precision for the commands whose GEMMs it changes (train, profile, bench gemm): fp32
    /// (default) or tf32, the tensor-core kernels, as PyTorch's allow_tf32. Read by
    /// <see cref="DeviceOptions"/> when the command has it.
    /// </summary>
    public static readonly Option<string> MatmulPrecision = CreateMatmulPrecision();

    private static Option<string> CreateMatmulPrecision()
    {
        var option = new Option<string>("--matmul-precision")
        {
            Description = "fp32 (default) or tf32: every GEMM on the ILGPU kernel path (dense and WTA-CRS sampled) uses the TF32 tensor-core kernels " +
                "(inputs rounded to a 10-bit mantissa, FP32 accumulate), like PyTorch's allow_tf32; the C# CPU backend stays fp32",
            DefaultValueFactory = _ => "fp32",
        };
        option.AcceptOnlyFromAmong("fp32", "tf32");
        return option;
    }

    private static Option<string> CreateDevice()
    {
        var option = new Option<string>("--device")
        {
            Description = "auto (CUDA if present, else CPU), cuda or cpu",
            DefaultValueFactory = _ => "auto",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("auto", "cuda", "cpu");
        return option;
    }

    /// <summary>
    /// --mode for commands that can run either implementation: auto, kernels (the ILGPU kernels, also
    /// on the ILGPU CPU accelerator: slow, but the GPU's code path and kernel names) or cpu-backend.
    /// </summary>
    public static Option<string> CreateMode()
    {
        var option = new Option<string>("--mode")
        {
            Description = "auto (ILGPU kernels on CUDA, the C# backend on the CPU), " +
                "kernels (the ILGPU kernels, also on the ILGPU CPU accelerator: slow, for checking without a GPU) or cpu-backend",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "kernels", "cpu-backend");
        return option;
    }

    public static ExecutionMode? Mode(ParseResult parse, Option<string> mode) => parse.GetValue(mode) switch
    {
        "kernels" => ExecutionMode.Kernels,
        "cpu-backend" => ExecutionMode.CpuBackend,
        _ => null,
    };

    public static DeviceOptions DeviceOptions(ParseResult parse, bool profile = false, bool recordTimeline = false)
    {
        var kind = parse.GetValue(Device) switch
        {
            "cuda" => DeviceKind.Cuda,
            "cpu" => DeviceKind.Cpu,
            _ => DeviceKind.Auto,
        };
        long? limit = null;
        if (parse.GetValue(MemoryLimit) is { } text)
        {
            if (!ByteSize.TryParse(text, out var bytes) || bytes <= 0)
                throw new CrsException($"--memory-limit: '{text}' is not a byte count like 8GiB, 512MiB or 1000000");
            limit = bytes;
        }
        var precision = parse.GetResult(MatmulPrecision)?.GetValueOrDefault<string>() == "tf32"
            ? Kernels.Runtime.MatmulPrecision.Tf32
            : Kernels.Runtime.MatmulPrecision.Fp32;
        return new DeviceOptions { Kind = kind, MemoryLimit = limit, Profile = profile, RecordMemoryTimeline = recordTimeline, MatmulPrecision = precision };
    }

    /// <summary>
    /// Runs a command body: user errors and file-system failures (permission, read-only, full disk) print one
    /// line on stderr and give their exit code, no stack trace.
    /// </summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CrsException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (Exception ex) when (FileSystemError.IsFileSystem(ex))
        {
            // What the write sites did not wrap themselves: still one line naming the path (.NET puts it in its message).
            var error = FileSystemError.Wrap(ex);
            Console.Error.WriteLine("error: " + error.Message);
            return error.ExitCode;
        }
    }
}
