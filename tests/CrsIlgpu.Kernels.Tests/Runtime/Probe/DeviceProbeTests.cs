using CrsIlgpu.Kernels.Runtime.Driver;
using CrsIlgpu.Kernels.Runtime.Probe;
using CrsIlgpu.Kernels.Tests.Runtime.Driver;

namespace CrsIlgpu.Kernels.Tests.Runtime.Probe;

public class DeviceProbeTests
{
    private static readonly ProbeStage[] DeviceStages =
        [ProbeStage.Context, ProbeStage.Kernel, ProbeStage.Upload, ProbeStage.Launch, ProbeStage.Synchronize, ProbeStage.Download, ProbeStage.Check];

    private static readonly CudaDriverSearch Loaded = new([new CudaDriverSearch.Attempt("/fake/libcuda.so.1", null)], "/fake/libcuda.so.1", new IntPtr(1));

    private static readonly CudaDeviceStatus H200 = new(0, "NVIDIA H200", "9.0", "8.8", null);

    private static DeviceContext CpuKernels(int _) => DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = ExecutionMode.Kernels });

    private static IReadOnlyList<DeviceProbeResult> FakeCuda(Func<string, IntPtr> exports, IReadOnlyList<int> ilgpu,
        Func<int, DeviceContext>? open = null, Action<float[]>? tamper = null, CudaDriverSearch? library = null) =>
        DeviceProbe.ProbeCuda(library ?? Loaded, exports, () => [H200], ilgpu, 1.0, open ?? CpuKernels, tamper);

    [Fact]
    public void TheCpuAcceleratorRunsTheKernelAndMatchesTheReference()
    {
        var result = DeviceProbe.ProbeCpu();

        Assert.True(result.Passed, result.Describe());
        Assert.Equal(DeviceStages, result.Steps.Select(s => s.Stage));
        Assert.All(result.Steps, s => Assert.True(s.Ok && s.Milliseconds >= 0));
        Assert.Null(result.Failure);
        Assert.Equal(ProbeStage.Check, result.Reached);
        Assert.Equal("axpby (Kernel_Axpby)", result.Kernel);
        Assert.Contains("bit for bit", result.Steps[^1].Detail);
    }

    [Fact]
    public void AWrongValueCopiedBackFailsTheCheck()
    {
        var result = DeviceProbe.ProbeCpu(y => y[17] += 1);

        Assert.False(result.Passed);
        Assert.Equal(ProbeStage.Check, result.Failure!.Stage);
        Assert.Contains("1 of 4099 values differ from the C# reference; first at [17]", result.Failure.Detail);
        Assert.StartsWith("CPU accelerator (ILGPU kernels): failed at check: ", result.Describe());
        var report = new DeviceProbeReport(DeviceKind.Cpu, null, [result]);
        Assert.Equal(1, report.ExitCode);
        Assert.StartsWith("--device cpu: the CPU accelerator never ran the probe kernel: ", report.Error);
    }

    [Fact]
    public void TheInputsAreExactWithOrWithoutAFusedMultiplyAdd()
    {
        // Why the check may be exact on a GPU whose JIT contracts mul + add into FFMA.
        var (x, y) = DeviceProbe.Inputs();
        for (var i = 0; i < x.Length; i++)
        {
            var plain = DeviceProbe.Alpha * x[i] + DeviceProbe.Beta * y[i];
            Assert.Equal(plain, MathF.FusedMultiplyAdd(DeviceProbe.Alpha, x[i], DeviceProbe.Beta * y[i]));
            Assert.Equal(Math.Round(plain), plain);
        }
        Assert.True(x.Distinct().Count() > 50 && y.Distinct().Count() > 50);
    }

    [Fact]
    public void CompareComparesBitsSoASignedZeroIsADifference()
    {
        Assert.True(DeviceProbe.Compare([0f, 1f], [0f, 1f], 0).Ok);
        Assert.False(DeviceProbe.Compare([0f, 1f], [-0f, 1f], 0).Ok);
        Assert.False(DeviceProbe.Compare([0f, 1f], [0f], 0).Ok);
    }

    [Fact]
    public void NoDriverLibraryStopsAtTheLibraryStage()
    {
        var none = new CudaDriverSearch([new CudaDriverSearch.Attempt("libcuda.so.1", "libcuda.so.1: cannot open shared object file")], null, IntPtr.Zero);
        var result = Assert.Single(FakeCuda(_ => throw new InvalidOperationException("no library: nothing to look up"), [], library: none));

        Assert.Equal(ProbeStage.Library, Assert.Single(result.Steps).Stage);
        Assert.StartsWith("libcuda.so.1 not found: no driver library loaded (tried libcuda.so.1: ", result.Failure!.Detail);
        Assert.Equal(2, new DeviceProbeReport(DeviceKind.Cuda, null, [result]).ExitCode);
    }

    [Fact]
    public void ACuInitFailureKeepsItsCodeAndName()
    {
        var result = Assert.Single(FakeCuda(FakeDriver.Exports(init: 803, devices: 1), [0]));

        Assert.Equal([ProbeStage.Library, ProbeStage.EntryPoints, ProbeStage.Init], result.Steps.Select(s => s.Stage));
        Assert.Equal(ProbeStage.Init, result.Failure!.Stage);
        Assert.Equal(803, result.ErrorCode);
        Assert.Equal("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", result.ErrorName);
        Assert.Contains("cuInit(0) returned 803 CUDA_ERROR_SYSTEM_DRIVER_MISMATCH; driver API 13.0", result.Failure.Detail);
        var report = new DeviceProbeReport(DeviceKind.Cuda, null, [result]);
        Assert.Equal(2, report.ExitCode);
        Assert.StartsWith("--device cuda: no CUDA device ran the probe kernel: CUDA driver: failed at init: cuInit(0) returned 803", report.Error);
    }

    [Fact]
    public void AMissingEntryPointFailsTheProbeEvenWhenTheKernelStillRuns()
    {
        var result = Assert.Single(FakeCuda(FakeDriver.Exports(init: 0, devices: 1, "cuEventElapsedTime"), [0]));

        Assert.Equal(["cuEventElapsedTime"], result.MissingEntryPoints);
        Assert.Equal(ProbeStage.EntryPoints, result.Failure!.Stage);
        Assert.Contains("/fake/libcuda.so.1 lacks 1 of the 48 driver entry points ILGPU binds: cuEventElapsedTime", result.Failure.Detail);
        Assert.True(result.Steps[^1] is { Stage: ProbeStage.Check, Ok: true }); // it went on and ran the kernel
        Assert.False(result.Passed);
        Assert.Equal(1, new DeviceProbeReport(DeviceKind.Cuda, null, [result]).ExitCode);
    }

    [Fact]
    public void ADeviceIlgpuDidNotEnumerateStopsThere()
    {
        var result = Assert.Single(FakeCuda(FakeDriver.Exports(init: 0, devices: 1), [], _ => throw new InvalidOperationException("not opened")));

        Assert.Equal("CUDA device 0: NVIDIA H200", result.Device);
        Assert.Equal(ProbeStage.Enumerate, result.Failure!.Stage);
        Assert.Equal(ProbeStage.Enumerate, result.Steps[^1].Stage);
        Assert.Equal(2, new DeviceProbeReport(DeviceKind.Cuda, null, [result]).ExitCode);
    }

    [Fact]
    public void AContextThatCannotBeCreatedIsTheContextStage()
    {
        var result = Assert.Single(FakeCuda(FakeDriver.Exports(init: 0, devices: 1), [0],
            _ => throw new CrsException("CUDA device was found but ILGPU could not open it", 2, new InvalidOperationException("cuCtxCreate_v2 failed\nmore"))));

        Assert.Equal(ProbeStage.Context, result.Failure!.Stage);
        Assert.Equal("InvalidOperationException: cuCtxCreate_v2 failed", result.Failure.Detail);
        Assert.Equal(2, new DeviceProbeReport(DeviceKind.Cuda, null, [result]).ExitCode);
    }

    [Fact]
    public void AWorkingDriverRunsEveryStageOnTheDevice()
    {
        // The CUDA flow end to end, with the CPU accelerator standing in for the opened GPU.
        var result = Assert.Single(FakeCuda(FakeDriver.Exports(init: 0, devices: 1), [0]));

        Assert.True(result.Passed, result.Describe());
        Assert.Equal([ProbeStage.Library, ProbeStage.EntryPoints, ProbeStage.Init, ProbeStage.DeviceCount, ProbeStage.Enumerate, .. DeviceStages],
            result.Steps.Select(s => s.Stage));
        Assert.Equal(0, result.Ordinal);
        Assert.Contains("1 device(s)", result.Steps[3].Detail);
        var report = new DeviceProbeReport(DeviceKind.Cuda, null, [result]);
        Assert.Equal(0, report.ExitCode);
        Assert.Null(report.Error);

        var tampered = Assert.Single(FakeCuda(FakeDriver.Exports(init: 0, devices: 1), [0], tamper: y => y[0] = float.NaN));
        Assert.Equal(ProbeStage.Check, tampered.Failure!.Stage);
        Assert.Equal(1, new DeviceProbeReport(DeviceKind.Cuda, null, [tampered]).ExitCode);
    }

    [Fact]
    public void AutoIsDecidedByTheDeviceItWouldUse()
    {
        var cpu = DeviceProbe.ProbeCpu();
        var noDriver = Assert.Single(FakeCuda(FakeDriver.Exports(init: 100, devices: 0), []));
        var brokenGpu = Assert.Single(FakeCuda(FakeDriver.Exports(init: 0, devices: 1), [0], tamper: y => y[1] += 1));

        // No CUDA device enumerated: auto runs on the CPU, which passed.
        Assert.True(new DeviceProbeReport(DeviceKind.Auto, null, [noDriver, cpu]).Passed);
        // An enumerated GPU is what auto uses, broken or not: the CPU passing does not save it.
        var report = new DeviceProbeReport(DeviceKind.Auto, null, [brokenGpu, cpu]);
        Assert.False(report.Passed);
        Assert.Equal(1, report.ExitCode);
        Assert.StartsWith("--device auto: the CUDA device --device auto picks never ran the probe kernel: CUDA device 0", report.Error);
    }

    [Fact]
    public void AnyPassingCudaDeviceIsEnoughForDeviceCuda()
    {
        var passing = Assert.Single(FakeCuda(FakeDriver.Exports(init: 0, devices: 1), [0]));
        var failing = passing with { Ordinal = 1, Steps = [.. passing.Steps.SkipLast(1), DeviceProbe.Compare([1f], [2f], 0)] };
        Assert.True(new DeviceProbeReport(DeviceKind.Cuda, null, [failing, passing]).Passed);
        Assert.False(new DeviceProbeReport(DeviceKind.Cuda, null, [failing]).Passed);
    }

    [Fact]
    public void OnThisMachineDeviceCudaFailsAtTheDriverWhenThereIsNoGpu()
    {
        if (File.Exists("/dev/nvidiactl"))
            Assert.Skip("this machine has an NVIDIA device");
        var report = DeviceProbe.Run(DeviceKind.Cuda);

        var result = Assert.Single(report.Results);
        Assert.Equal(DeviceProbeReport.CudaKind, result.Kind);
        Assert.False(report.Passed);
        Assert.Equal(2, report.ExitCode);
        Assert.NotNull(report.Cuda);
        if (report.Cuda.Library.Loaded is null)
            Assert.StartsWith("libcuda.so.1 not found: ", result.Failure!.Detail);
    }
}
