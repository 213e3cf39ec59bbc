using System.Diagnostics;
using CrsIlgpu.Kernels.Example;
using CrsIlgpu.Kernels.Runtime.Driver;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Runtime.Driver;

public class KernelLoadTests
{
    [Fact]
    public void ConcurrentRequestsLoadAKernelOnce()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        const int threads = 8;
        var loads = 0;
        using var start = new Barrier(threads);
        Action Load(ILGPU.Runtime.Accelerator _)
        {
            Interlocked.Increment(ref loads);
            Thread.Sleep(50); // a slow load (PTX JIT) is when racing callers would load twice
            return () => { };
        }

        var results = new Action[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = device.Kernel<Action>(AxpbyKernels.Name, Load);
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        Assert.Equal(1, loads);
        Assert.All(results, r => Assert.Same(results[0], r));
        Assert.Equal(1, device.LoadedKernels);
    }

    [Fact]
    public void EveryFamilyIncludingGemmSharesTheDeviceCache()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = ExecutionMode.Kernels });
        var p = GemmProblem.Create(GemmLayout.NN, 2, 2, 2);
        using var a = new Tensor(device.Pool, MemoryTag.Activations, "a", 4);
        using var b = new Tensor(device.Pool, MemoryTag.Activations, "b", 4);
        using var c = new Tensor(device.Pool, MemoryTag.Activations, "c", 4);
        GemmKernels.Launch(device, p, a.View, b.View, c.View);
        GemmKernels.Launch(device, p, a.View, b.View, c.View);
        device.Synchronize();
        Assert.Equal(1, device.LoadedKernels);
    }

    [Fact]
    public void AFailedLoadNamesTheKernelTheJitLogAndItsFileAndIsNotCached()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        var ex = Assert.Throws<KernelLoadException>(() => device.Kernel<Action>(AxpbyKernels.Name, _ =>
        {
            // What ILGPU's CudaKernel traces before throwing CudaException on a refused module.
            Trace.WriteLine("PTX Kernel loading failed:");
            Trace.WriteLine("ptxas application ptx input, line 42; error   : Unknown symbol 'foo'");
            Trace.WriteLine("ptxas fatal   : Ptx assembly aborted due to errors");
            throw new InvalidOperationException("CUDA_ERROR_INVALID_PTX");
        }));

        Assert.Equal(1, ex.ExitCode);
        Assert.Equal("ptxas application ptx input, line 42; error   : Unknown symbol 'foo'", ex.FirstLine);
        Assert.Equal(AxpbyKernels.Name, ex.Kernel);
        Assert.NotNull(ex.LogFile);
        Assert.DoesNotContain("\n", ex.Message);
        Assert.StartsWith($"kernel {AxpbyKernels.Name} failed to load on ", ex.Message);
        Assert.Contains("ptxas application ptx input, line 42; error   : Unknown symbol 'foo'", ex.Message);
        var file = ex.Message[(ex.Message.IndexOf("full log: ", StringComparison.Ordinal) + "full log: ".Length)..].TrimEnd(')');
        var log = File.ReadAllText(file);
        Assert.Contains("Ptx assembly aborted due to errors", log);
        Assert.Contains("CUDA_ERROR_INVALID_PTX", log);
        Assert.Equal(file, ex.LogFile);
        File.Delete(file);

        // Not cached: a later, working load of the same name succeeds.
        var ok = device.Kernel<Action>(AxpbyKernels.Name, _ => () => { });
        Assert.NotNull(ok);
    }

    [Fact]
    public void TraceFromOtherThreadsDoesNotLeakIntoALoadsLog()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        using var inside = new ManualResetEventSlim();
        using var written = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            inside.Wait();
            Trace.WriteLine("noise from another thread");
            written.Set();
        });
        other.Start();
        var ex = Assert.Throws<KernelLoadException>(() => device.Kernel<Action>(AxpbyKernels.Name, _ =>
        {
            inside.Set();
            written.Wait();
            Trace.WriteLine("the real reason");
            throw new InvalidOperationException("load failed");
        }));
        other.Join();
        Assert.Contains("the real reason", ex.Message);
        var file = ex.Message[(ex.Message.IndexOf("full log: ", StringComparison.Ordinal) + "full log: ".Length)..].TrimEnd(')');
        Assert.DoesNotContain("noise", File.ReadAllText(file));
        File.Delete(file);
    }

    [Fact]
    public void AKernelMissingFromTheCatalogDoesNotLoad()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        var ex = Assert.Throws<InvalidOperationException>(() => device.Kernel<Action>("uncatalogued_kernel", _ => () => { }));
        Assert.Contains("not in KernelCatalog", ex.Message);
        Assert.Equal(0, device.LoadedKernels);
    }
}
