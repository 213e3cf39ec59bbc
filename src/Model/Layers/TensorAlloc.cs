using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Model.Layers;

/// <summary>Short names for the pool allocations layers make (what they keep, the step's store retags as SavedForBackward).</summary>
internal static class TensorAlloc
{
    public static Tensor Activation(DeviceContext device, string label, params int[] shape) =>
        new(device.Pool, MemoryTag.Activations, label, shape);

    public static Tensor Workspace(DeviceContext device, string label, params int[] shape) =>
        new(device.Pool, MemoryTag.Workspace, label, shape);
}
