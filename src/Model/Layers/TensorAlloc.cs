using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Model.Layers;

/// <summary>Short names for the pool allocations layers make.</summary>
internal static class TensorAlloc
{
    public static Tensor Saved(DeviceContext device, string label, params int[] shape) =>
        new(device.Pool, MemoryTag.SavedForBackward, label, shape);

    public static Tensor Activation(DeviceContext device, string label, params int[] shape) =>
        new(device.Pool, MemoryTag.Activations, label, shape);

    public static Tensor Workspace(DeviceContext device, string label, params int[] shape) =>
        new(device.Pool, MemoryTag.Workspace, label, shape);
}
