using System.Diagnostics;
using CrsIlgpu.Kernels.Example;
using CrsIlgpu.Kernels.Runtime.Driver;
using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Runtime.Probe;

/// <summary>
/// First contact with each device, the way every run will touch it: find and initialise the driver
/// (CUDA), create the accelerator, load one catalog kernel (axpby; on CUDA this is the driver's JIT
/// of ILGPU's PTX), upload, launch, synchronize, copy back and compare with the kernel's C#
/// reference. Each stage is timed and a failure keeps the driver's CUresult code and name, so
/// `crs devices` says where a GPU stops being usable and why, before any real job spends device
/// time finding out.
/// </summary>
public static class DeviceProbe
{
    /// <summary>More than one group of 1,024 threads, the last one partial; tiny, so every stage but the JIT is instant.</summary>
    public const int Elements = 4099;

    /// <summary>
    /// Small integers, so α·x + β·y is exact in fp32 whether or not the JIT fuses the multiply-add:
    /// the copy back must equal the reference bit for bit on any device.
    /// </summary>
    public const float Alpha = 2f;

    public const float Beta = -3f;

    private static string KernelLabel => $"{AxpbyKernels.Name} ({KernelCatalog.Get(AxpbyKernels.Name).PtxEntryName})";

    /// <summary>Probes what <paramref name="kind"/> involves: CUDA's devices (cuda, auto), the CPU accelerator (cpu, auto).</summary>
    public static DeviceProbeReport Run(DeviceKind kind)
    {
        CudaStatus? status = null;
        var results = new List<DeviceProbeResult>();
        if (kind != DeviceKind.Cpu)
        {
            var (cuda, probed) = ProbeCuda();
            status = cuda;
            results.AddRange(probed);
        }
        if (kind != DeviceKind.Cuda)
            results.Add(ProbeCpu());
        return new DeviceProbeReport(kind, status, results);
    }

    /// <summary>The CPU accelerator running the ILGPU kernel (not the C# backend): the code path a GPU runs, on the host.</summary>
    public static DeviceProbeResult ProbeCpu() => ProbeCpu(null);

    /// <param name="tamper">A test hook: changes the copied-back values before the check.</param>
    internal static DeviceProbeResult ProbeCpu(Action<float[]>? tamper) =>
        RunKernel("CPU accelerator (ILGPU kernels)", DeviceProbeReport.CpuKind, null, [],
            () => DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = ExecutionMode.Kernels }), tamper);

    /// <summary>Every CUDA device the driver reports, through the library the resolver loads.</summary>
    public static (CudaStatus Status, IReadOnlyList<DeviceProbeResult> Results) ProbeCuda()
    {
        var clock = Stopwatch.StartNew();
        var ilgpu = new List<int>();
        // ILGPU's context loads the driver (through our resolver), calls cuInit and enumerates.
        using (var context = DeviceContext.CreateIlgpuContext())
        {
            foreach (var device in context.GetCudaDevices())
                ilgpu.Add(device.DeviceId);
        }
        var enumerateMs = clock.Elapsed.TotalMilliseconds;
        var status = CudaProbe.Run(ilgpu.Count);
        var library = status.Library;
        IntPtr? handle = library.Loaded is null ? null : library.Handle;
        var results = ProbeCuda(library, name => Export(handle, name), () => status.Devices, ilgpu, enumerateMs,
            ordinal => DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cuda, CudaDevice = ordinal, Mode = ExecutionMode.Kernels }), null);
        return (status, results);
    }

    /// <summary>
    /// The CUDA probe with every outside fact passed in, so tests can hand in a fake library: its
    /// exports (<paramref name="export"/>: an address or zero), the driver's and ILGPU's view of each
    /// device, and how a device is opened.
    /// </summary>
    internal static IReadOnlyList<DeviceProbeResult> ProbeCuda(
        CudaDriverSearch library,
        Func<string, IntPtr> export,
        Func<IReadOnlyList<CudaDeviceStatus>> driverDevices,
        IReadOnlyList<int> ilgpuDevices,
        double enumerateMs,
        Func<int, DeviceContext> open,
        Action<float[]>? tamper)
    {
        const string driver = "CUDA driver";
        var steps = new List<ProbeStep>();
        DeviceProbeResult Stop() => new(driver, DeviceProbeReport.CudaKind, null, KernelLabel, Elements, steps);

        var clock = Stopwatch.StartNew();
        if (library.Loaded is not { } loaded)
        {
            var first = library.Attempts.Count > 0 ? Path.GetFileName(library.Attempts[0].Path) : CudaDriverLibrary.FileNames[0];
            steps.Add(new ProbeStep(ProbeStage.Library, false, Ms(clock), $"{first} not found: {library.Describe()}"));
            return [Stop()];
        }
        steps.Add(new ProbeStep(ProbeStage.Library, true, Ms(clock), library.Describe()));

        clock.Restart();
        var missing = CudaEntryPoints.Missing(name => export(name) != IntPtr.Zero);
        steps.Add(missing.Count == 0
            ? new ProbeStep(ProbeStage.EntryPoints, true, Ms(clock), $"all {CudaEntryPoints.Names.Count} entry points ILGPU binds are exported")
            : new ProbeStep(ProbeStage.EntryPoints, false, Ms(clock), CudaEntryPoints.DescribeMissing(missing, loaded)));

        // Past a missing entry point the probe goes on while it can: whether a kernel still runs is worth knowing.
        clock.Restart();
        var calls = new CudaDriverCalls(export);
        var init = calls.Init();
        var version = calls.DriverVersion(out var v) == CudaResult.Success ? $"driver API {v / 1000}.{v % 1000 / 10}" : "driver version unknown";
        var initStep = init switch
        {
            null => new ProbeStep(ProbeStage.Init, false, Ms(clock), $"{loaded} exports no cuInit"),
            CudaResult.Success => new ProbeStep(ProbeStage.Init, true, Ms(clock), $"cuInit(0) = {CudaResult.Describe(0)}; {version}"),
            { } code => new ProbeStep(ProbeStage.Init, false, Ms(clock), $"cuInit(0) returned {CudaResult.Describe(code)}; {version}{Hint(code)}",
                code, CudaResult.Name(code)),
        };
        steps.Add(initStep);
        if (!initStep.Ok)
            return [Stop() with { MissingEntryPoints = missing }];

        clock.Restart();
        var counted = calls.DeviceCount(out var count);
        var countStep = counted switch
        {
            null => new ProbeStep(ProbeStage.DeviceCount, false, Ms(clock), $"{loaded} exports no cuDeviceGetCount"),
            CudaResult.Success when count > 0 => new ProbeStep(ProbeStage.DeviceCount, true, Ms(clock), $"{count} device(s)"),
            CudaResult.Success => new ProbeStep(ProbeStage.DeviceCount, false, Ms(clock), "the driver reports 0 devices"),
            { } code => new ProbeStep(ProbeStage.DeviceCount, false, Ms(clock), $"cuDeviceGetCount returned {CudaResult.Describe(code)}",
                code, CudaResult.Name(code)),
        };
        steps.Add(countStep);
        if (!countStep.Ok)
            return [Stop() with { MissingEntryPoints = missing }];

        var facts = driverDevices();
        var results = new List<DeviceProbeResult>();
        for (var ordinal = 0; ordinal < count; ordinal++)
        {
            var fact = facts.FirstOrDefault(f => f.Ordinal == ordinal);
            var label = $"CUDA device {ordinal}: {fact?.Name ?? "?"}";
            var enumerated = ilgpuDevices.Contains(ordinal);
            var enumerate = new ProbeStep(ProbeStage.Enumerate, enumerated, enumerateMs, enumerated
                ? fact?.Describe() ?? $"device {ordinal}"
                : $"ILGPU did not enumerate it: {fact?.Problem ?? "the driver's facts for it are missing"}");
            List<ProbeStep> prefix = [.. steps, enumerate];
            var result = enumerated
                ? RunKernel(label, DeviceProbeReport.CudaKind, ordinal, prefix, () => open(ordinal), tamper)
                : new DeviceProbeResult(label, DeviceProbeReport.CudaKind, ordinal, KernelLabel, Elements, prefix);
            results.Add(result with { MissingEntryPoints = missing });
        }
        return results;
    }

    /// <summary>What a code usually means on a first contact, where cuda.h's name alone does not say.</summary>
    private static string Hint(int code) => code switch
    {
        100 => " (the driver sees no GPU: is the device passed into this container?)",
        803 => " (a CUDA compat libcuda loaded over an older kernel driver: load the system's libcuda.so.1 instead)",
        34 => " (a toolkit stub libcuda.so loaded instead of the driver's)",
        _ => "",
    };

    /// <summary>
    /// The device stages: open, load the kernel, upload, launch, synchronize, copy back, compare.
    /// Each exception becomes a failed step with its first line and CUresult; the rest are skipped.
    /// </summary>
    private static DeviceProbeResult RunKernel(string label, string kind, int? ordinal, IReadOnlyList<ProbeStep> prefix,
        Func<DeviceContext> open, Action<float[]>? tamper)
    {
        var steps = new List<ProbeStep>(prefix);
        var result = new DeviceProbeResult(label, kind, ordinal, KernelLabel, Elements, steps);
        var clock = Stopwatch.StartNew();

        bool Try(ProbeStage stage, Action action, Func<string> detail)
        {
            clock.Restart();
            try
            {
                action();
                steps.Add(new ProbeStep(stage, true, Ms(clock), detail()));
                return true;
            }
            catch (Exception ex)
            {
                var code = CudaCode(ex);
                steps.Add(new ProbeStep(stage, false, Ms(clock), Detail(ex, code), code, code is { } c ? CudaResult.Name(c) : null));
                if (ex is KernelLoadException load)
                    result = result with { JitLog = load.LogFile, JitLogFirstLine = load.FirstLine };
                return false;
            }
        }

        DeviceContext? device = null;
        if (!Try(ProbeStage.Context, () => device = open(), () => device!.Description))
            return result;
        using (device)
        {
            var d = device!;
            Action<Index1D, ArrayView<float>, ArrayView<float>, float, float>? kernel = null;
            if (!Try(ProbeStage.Kernel, () => kernel = AxpbyKernels.Load(d), () => $"{KernelLabel} loaded"))
                return result;

            var (x, y0) = Inputs();
            Tensor? tx = null, ty = null;
            try
            {
                if (!Try(ProbeStage.Upload, () =>
                    {
                        tx = new Tensor(d.Pool, MemoryTag.Activations, "probe x", Elements);
                        ty = new Tensor(d.Pool, MemoryTag.Activations, "probe y", Elements);
                        tx.CopyFrom(x);
                        ty.CopyFrom(y0);
                    }, () => $"2 × {Elements} floats"))
                    return result;
                if (!Try(ProbeStage.Launch, () => kernel!(Elements, tx!.View, ty!.View, Alpha, Beta), () => $"{Elements} threads"))
                    return result;
                if (!Try(ProbeStage.Synchronize, d.Synchronize, () => "done"))
                    return result;
                float[] got = [];
                if (!Try(ProbeStage.Download, () => got = ty!.ToArray(), () => $"{Elements} floats"))
                    return result;
                tamper?.Invoke(got);

                clock.Restart();
                var expected = (float[])y0.Clone();
                AxpbyReference.Run(x, expected, Alpha, Beta);
                steps.Add(Compare(expected, got, Ms(clock)));
                return result;
            }
            finally
            {
                ty?.Dispose();
                tx?.Dispose();
            }
        }
    }

    /// <summary>x and y as small integers (see <see cref="Alpha"/>): |α·x + β·y| ≤ 138, exact in fp32.</summary>
    internal static (float[] X, float[] Y) Inputs()
    {
        var x = new float[Elements];
        var y = new float[Elements];
        for (var i = 0; i < Elements; i++)
        {
            x[i] = i % 61 - 30;
            y[i] = i * 7 % 53 - 26;
        }
        return (x, y);
    }

    /// <summary>Exact: the inputs make every result representable, so any difference is a wrong result, not rounding.</summary>
    internal static ProbeStep Compare(float[] expected, float[] got, double ms)
    {
        if (got.Length != expected.Length)
            return new ProbeStep(ProbeStage.Check, false, ms, $"{got.Length} values came back, {expected.Length} expected");
        var wrong = Enumerable.Range(0, expected.Length)
            .Where(i => BitConverter.SingleToInt32Bits(got[i]) != BitConverter.SingleToInt32Bits(expected[i]))
            .ToList();
        if (wrong.Count == 0)
            return new ProbeStep(ProbeStage.Check, true, ms, $"{expected.Length} values equal the C# reference (AxpbyReference) bit for bit");
        var i0 = wrong[0];
        return new ProbeStep(ProbeStage.Check, false, ms,
            $"{wrong.Count} of {expected.Length} values differ from the C# reference; first at [{i0}]: got {got[i0]}, expected {expected[i0]}");
    }

    /// <summary>The CUresult behind an exception: ILGPU's CudaException anywhere in the chain.</summary>
    internal static int? CudaCode(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is CudaException cuda)
                return CudaResult.FromIlgpuError(cuda.Error);
        }
        return null;
    }

    /// <summary>
    /// The step's text: a kernel-load error as it is (it names the JIT log); another wrapped ILGPU
    /// error by its own first line (the wrapper's text repeats the driver facts the report already has).
    /// </summary>
    private static string Detail(Exception ex, int? code)
    {
        var shown = ex is CrsException and not KernelLoadException && ex.InnerException is { } inner ? inner : ex;
        var text = $"{shown.GetType().Name}: {FirstLine(shown.Message)}";
        if (ex is KernelLoadException)
            text = FirstLine(ex.Message);
        return code is { } c ? $"{text} (CUresult {CudaResult.Describe(c)})" : text;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static IntPtr Export(IntPtr? library, string name) =>
        library is { } handle && System.Runtime.InteropServices.NativeLibrary.TryGetExport(handle, name, out var address) ? address : IntPtr.Zero;

    private static double Ms(Stopwatch clock) => clock.Elapsed.TotalMilliseconds;
}
