using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// One kernels device per test collection on CUDA (CRS_TEST_DEVICE=cuda), for tests that need no
/// fresh context (no pool statistics, profiler, sync counts or options of their own): each test then
/// skips a CUDA context creation and the JIT of every kernel it loads. Elsewhere, and for "cpu", a
/// lease is a fresh <see cref="TestDevices.Create"/> as before. The shared device is made through
/// <see cref="TestDevices.Create"/>, so the fault guard synchronizes it after every test and names
/// the test whose kernel faulted. When a test of another collection asks, the devices of collections
/// with no lease open are disposed (on CUDA the tests run one at a time, collection after collection).
/// </summary>
public sealed class SharedTestDevices(bool share, Func<string, DeviceContext> create)
{
    /// <summary>The process's cache: sharing on CUDA only.</summary>
    public static SharedTestDevices Default { get; } = new(TestDevices.IsCuda, TestDevices.Create);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byCollection = [];

    /// <summary>A lease on the kernels or cpu device for the running test (see the class summary).</summary>
    public static TestDeviceLease Lease(string name) =>
        Default.Lease(name, TestContext.Current.TestCollection?.UniqueID ?? "(no collection)");

    /// <summary>How many shared devices are alive (tests of this class).</summary>
    public int Alive
    {
        get
        {
            lock (_gate)
                return _byCollection.Count;
        }
    }

    public TestDeviceLease Lease(string name, string collection)
    {
        if (!share || name != TestDevices.KernelsName)
            return new TestDeviceLease(create(name), release: null);
        KernelPathAttribute.Require("the shared kernels test device");
        lock (_gate)
        {
            foreach (var (key, idle) in _byCollection.Where(e => e.Key != collection && e.Value.Leases == 0).ToList())
            {
                _byCollection.Remove(key);
                DisposeQuietly(idle.Device);
            }
            if (!_byCollection.TryGetValue(collection, out var entry))
                _byCollection[collection] = entry = new Entry(create(name));
            entry.Leases++;
            return new TestDeviceLease(entry.Device, () =>
            {
                lock (_gate)
                    entry.Leases--;
            });
        }
    }

    /// <summary>A device already poisoned by a fault fails its dispose; the fault guard has named the test by then.</summary>
    private static void DisposeQuietly(DeviceContext device)
    {
        try
        {
            device.Dispose();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"shared test device: dispose failed after a fault: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
        }
    }

    private sealed class Entry(DeviceContext device)
    {
        public DeviceContext Device { get; } = device;

        public int Leases { get; set; }
    }
}
