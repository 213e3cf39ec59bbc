using System.Collections.Concurrent;
using CrsIlgpu.Kernels.Runtime.Driver;
using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// The device a run uses: the ILGPU context and accelerator, the memory pool every buffer comes
/// from, the profiler every launch reports to, and the loaded kernels.
/// </summary>
public sealed class DeviceContext : IDisposable
{
    /// <summary>
    /// How ILGPU optimises every kernel, at run time and in the PTX gate (which compiles through
    /// <see cref="CreateIlgpuContext"/> too). O2 over ILGPU's default O1: its address-space
    /// inference turns generic ld/st into ld.global/ld.shared and it adds loop-invariant code
    /// motion; docs/ARCHITECTURE.md ("Optimisation level") gives the PTX evidence.
    /// </summary>
    public const OptimizationLevel KernelOptimization = OptimizationLevel.O2;

    private readonly ConcurrentDictionary<string, Lazy<Delegate>> _kernels = new();

    private DeviceContext(Context context, Accelerator accelerator, ExecutionMode mode, DeviceOptions options, IDeviceAllocator? allocator = null)
    {
        Context = context;
        Accelerator = accelerator;
        Mode = mode;
        IsPlanning = allocator is VirtualAllocator;
        Pool = new MemoryPool(allocator ?? new AcceleratorAllocator(accelerator), options.MemoryLimit, options.RecordMemoryTimeline);
        Profiler = new Profiler(accelerator.Synchronize) { Enabled = options.Profile };
        Peak = IsPlanning ? null : PeakOf(accelerator);
        MatmulPrecision = options.MatmulPrecision;
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public ExecutionMode Mode { get; }

    public MemoryPool Pool { get; }

    public Profiler Profiler { get; }

    public bool IsCuda => Accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>
    /// How the dense GEMMs multiply (one setting for every call site, read by GemmOp): TF32 runs the
    /// tensor-core kernels on the kernel path; the C# CPU backend multiplies in fp32 either way.
    /// </summary>
    public MatmulPrecision MatmulPrecision { get; }

    /// <summary>True when GEMMs run the TF32 kernels (TF32 asked for and the ILGPU kernel path in use).</summary>
    public bool UsesTf32Matmul => MatmulPrecision == MatmulPrecision.Tf32 && Mode == ExecutionMode.Kernels;

    /// <summary>FP32 and DRAM peaks for roofline positions; null on the CPU, where the profiler prints n/a.</summary>
    public DevicePeak? Peak { get; }

    /// <summary>
    /// A planning device: every allocation goes through the pool (with no memory behind it) exactly
    /// as on the GPU's kernel path, and ops launch nothing. Tensors hold no data.
    /// </summary>
    public bool IsPlanning { get; }

    public string Description => IsPlanning
        ? "memory plan (kernel path, no launches)"
        : $"{Accelerator.Name} ({Accelerator.AcceleratorType}, "
            + $"{(Mode == ExecutionMode.Kernels ? "ILGPU kernels" : $"C# CPU backend, {CpuThreads.Count} threads")}{MatmulNote})";

    private string MatmulNote => MatmulPrecision == MatmulPrecision.Fp32
        ? ""
        : UsesTf32Matmul ? ", TF32 matmul" : ", TF32 matmul asked for: ignored by the C# CPU backend (fp32)";

    /// <summary>Builds the ILGPU context with every backend this project uses.</summary>
    public static Context CreateIlgpuContext()
    {
        // Before ILGPU first touches its CUDA API: the driver is found by libcuda.so.1.
        CudaDriverLibrary.Register();
        return Context.Create(b => b.CPU(CPUDeviceKind.Nvidia).Cuda().EnableAlgorithms().Optimize(KernelOptimization));
    }

    public static DeviceContext Create(DeviceOptions? options = null)
    {
        options ??= new DeviceOptions();
        _ = CpuThreads.Count; // a bad CRS_CPU_THREADS is a one-line error now, not inside the first op
        var context = CreateIlgpuContext();
        try
        {
            var cuda = context.GetCudaDevices();
            Accelerator accelerator;
            switch (options.Kind)
            {
                case DeviceKind.Cuda when cuda.Count == 0:
                    throw new CrsException($"--device cuda: no usable CUDA device: {CudaProbe.Run(0).Describe()}");
                case DeviceKind.Cuda:
                case DeviceKind.Auto when cuda.Count > 0:
                    accelerator = CreateCudaAccelerator(context, PickCuda(cuda, options.CudaDevice), cuda.Count);
                    break;
                default:
                    accelerator = context.CreateCPUAccelerator(0);
                    break;
            }

            var isCuda = accelerator.AcceleratorType == AcceleratorType.Cuda;
            var mode = options.Mode ?? (isCuda ? ExecutionMode.Kernels : ExecutionMode.CpuBackend);
            if (isCuda && mode == ExecutionMode.CpuBackend)
                throw new CrsException("the C# CPU backend cannot run on a CUDA device; use --device cpu");
            return new DeviceContext(context, accelerator, mode, options);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The device <see cref="DeviceOptions.CudaDevice"/> names (a driver ordinal), or ILGPU's first.</summary>
    private static CudaDevice PickCuda(Context.DeviceCollection<CudaDevice> cuda, int? ordinal)
    {
        if (ordinal is not { } wanted)
            return cuda[0];
        var ids = new List<int>();
        foreach (var device in cuda)
        {
            if (device.DeviceId == wanted)
                return device;
            ids.Add(device.DeviceId);
        }
        throw new CrsException($"CUDA device {wanted} is not among those ILGPU can use (device ids {string.Join(", ", ids)})");
    }

    /// <summary>
    /// The CUDA accelerator (a CUDA context on the device). A failure here (a driver entry point
    /// ILGPU binds is missing, the context cannot be made) is an error with the driver's facts, not
    /// a stack trace; with --device auto too, since falling back to the CPU would hide a broken GPU.
    /// </summary>
    private static Accelerator CreateCudaAccelerator(Context context, CudaDevice device, int ilgpuDevices)
    {
        try
        {
            return device.CreateAccelerator(context);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new CrsException(
                $"CUDA device {device.Name} was found but ILGPU could not open it ({ex.GetType().Name}: {ex.Message.Split('\n')[0]}); "
                + $"{CudaProbe.Run(ilgpuDevices).Describe()}; --device cpu runs without it",
                exitCode: 2, ex);
        }
    }

    /// <summary>
    /// A planning device (see <see cref="IsPlanning"/>); <paramref name="capacity"/> plays the GPU's
    /// memory, so a plan fails like the real run would.
    /// </summary>
    public static DeviceContext CreatePlanner(DeviceOptions? options = null, long capacity = long.MaxValue)
    {
        options ??= new DeviceOptions();
        var context = Context.Create(b => b.CPU(CPUDeviceKind.Nvidia));
        return new DeviceContext(context, context.CreateCPUAccelerator(0), ExecutionMode.Kernels, options, new VirtualAllocator(capacity));
    }

    /// <summary>Every accelerator ILGPU can see, CUDA first.</summary>
    public static IReadOnlyList<DeviceInfo> ListDevices()
    {
        using var context = CreateIlgpuContext();
        var result = new List<DeviceInfo>();
        foreach (var device in context.Devices.OrderBy(d => d.AcceleratorType == AcceleratorType.Cuda ? 0 : 1))
        {
            string? capability = device is CudaDevice cd && cd.Architecture is { } arch
                ? $"{arch.Major}.{arch.Minor}"
                : null;
            var isCpu = device.AcceleratorType == AcceleratorType.CPU;
            result.Add(new DeviceInfo(
                result.Count,
                isCpu ? $"{device.Name} on {HostProcessorName()} ({Environment.ProcessorCount} cores)" : device.Name,
                device.AcceleratorType.ToString(),
                capability,
                // The CPU accelerator reports no real limit; its memory is the host's.
                isCpu ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : device.MemorySize,
                device.NumMultiprocessors,
                device.WarpSize,
                device.MaxNumThreadsPerGroup)
            {
                Peak = device is CudaDevice cuda && cuda.Architecture is { } a
                    ? DevicePeak.FromCudaAttributes(a.Major, a.Minor, cuda.NumMultiprocessors, cuda.ClockRate, cuda.MemoryClockRate, cuda.MemoryBusWidth)
                    : null,
            });
        }
        return result;
    }

    private static DevicePeak? PeakOf(Accelerator accelerator) =>
        accelerator is CudaAccelerator cuda && cuda.Architecture is { } a
            ? DevicePeak.FromCudaAttributes(a.Major, a.Minor, cuda.NumMultiprocessors, cuda.ClockRate, cuda.MemoryClockRate, cuda.MemoryBusWidth)
            : null;

    private static string HostProcessorName()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "host CPU";
        }
        catch (IOException)
        {
            return "host CPU";
        }
    }

    /// <summary>
    /// Loads a kernel exactly once per context, however many threads ask at once (a Lazy per name:
    /// ConcurrentDictionary.GetOrAdd alone may run its factory twice, compiling and loading the
    /// module twice); later calls return the cached delegate. A failed load is not cached and
    /// raises a <see cref="CrsException"/> naming the kernel and the JIT log (<see cref="KernelLoadLog"/>).
    /// </summary>
    /// <summary>
    /// A kernel loads only under a catalogued name: one left out of <see cref="KernelCatalog"/>
    /// would miss the PTX gate and the profiler's phases, so its first load fails instead.
    /// </summary>
    private static void RequireCatalogued(string name)
    {
        if (KernelCatalog.Find(name) is null)
            throw new InvalidOperationException($"kernel {name} is not in KernelCatalog: give its family's Catalog an entry of that name");
    }

    public T Kernel<T>(string name, Func<Accelerator, T> load)
        where T : Delegate
    {
        var lazy = _kernels.GetOrAdd(name, n => new Lazy<Delegate>(() =>
        {
            RequireCatalogued(n);
            return KernelLoadLog.Capture(n, Accelerator.Name, () => load(Accelerator));
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value as T
                ?? throw new InvalidOperationException(
                    $"kernel {name} is cached as {lazy.Value.GetType().Name}, not {typeof(T).Name}: two kernels share the name");
        }
        catch (CrsException)
        {
            _kernels.TryRemove(new KeyValuePair<string, Lazy<Delegate>>(name, lazy));
            throw;
        }
    }

    /// <summary>How many kernels this context has loaded (tests check loads happen once).</summary>
    public int LoadedKernels => _kernels.Values.Count(l => l.IsValueCreated);

    /// <summary>
    /// Waits for every queued launch. Counted in <see cref="Synchronizations"/> unless it is the
    /// profiler's own wait after each profiled launch.
    /// </summary>
    public void Synchronize()
    {
        Pool.Syncs.Add();
        Accelerator.Synchronize();
    }

    /// <summary>Host waits so far: synchronizes plus blocking copies through <see cref="Tensor"/> and <see cref="IntTensor"/> (see <see
    /// cref="SyncCounter"/>).</summary>
    public long Synchronizations => Pool.Syncs.Count;

    public void Dispose()
    {
        Pool.Dispose();
        Accelerator.Dispose();
        Context.Dispose();
    }
}
