namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Counts the points where the host waits for the device: every <see cref="DeviceContext.Synchronize"/>
/// and every blocking copy between host and device the project makes through its own helpers
/// (<see cref="Tensor.CopyFrom"/>, <see cref="Tensor.ToArray"/>, the same on <see cref="IntTensor"/>).
/// A training step on a GPU should wait at most once (issue 21); tests and `crs profile` read this.
/// </summary>
public sealed class SyncCounter
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}
