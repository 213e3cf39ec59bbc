namespace CrsIlgpu.Kernels.Runtime.Probe;

/// <summary>
/// The stages of a device's first contact, in the order they run. The CUDA ones up to
/// <see cref="Enumerate"/> are the driver's (shared by every CUDA device); from
/// <see cref="Context"/> on they are the device's own, and the CPU accelerator has only those.
/// </summary>
public enum ProbeStage
{
    /// <summary>The driver library (libcuda.so.1) found and loaded.</summary>
    Library,

    /// <summary>Every driver entry point ILGPU binds is exported by that library.</summary>
    EntryPoints,

    /// <summary>cuInit(0) returned CUDA_SUCCESS.</summary>
    Init,

    /// <summary>cuDeviceGetCount answered with at least one device.</summary>
    DeviceCount,

    /// <summary>ILGPU enumerated the device (it drops one it has no PTX ISA for, or whose setup throws).</summary>
    Enumerate,

    /// <summary>The accelerator was created (on CUDA: cuCtxCreate_v2 and ILGPU's context setup).</summary>
    Context,

    /// <summary>The catalog kernel compiled and loaded (on CUDA: the driver JIT-compiled its PTX).</summary>
    Kernel,

    /// <summary>Its buffers were allocated and filled from the host.</summary>
    Upload,

    /// <summary>The kernel was launched.</summary>
    Launch,

    /// <summary>The device finished it (a fault in the kernel surfaces here).</summary>
    Synchronize,

    /// <summary>The result was copied back to the host.</summary>
    Download,

    /// <summary>The result equals the C# reference exactly.</summary>
    Check,
}
