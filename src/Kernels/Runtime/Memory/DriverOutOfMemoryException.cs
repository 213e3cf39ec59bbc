namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>Thrown by an allocator when the device itself has no room; the pool turns it into <see cref="OutOfDeviceMemoryException"/>.</summary>
public sealed class DriverOutOfMemoryException(string message, Exception? inner = null) : Exception(message, inner);
