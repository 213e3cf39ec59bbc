using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Compiles a catalog kernel to PTX with ILGPU's PTX backend: no GPU or driver needed, so the
/// PTX gate runs on any machine.
/// </summary>
public sealed class PtxCompiler : IDisposable
{
    private readonly Context _context = DeviceContext.CreateIlgpuContext();

    /// <summary>Architectures the gate knows, by their sm number.</summary>
    public static CudaArchitecture Architecture(int sm) => sm switch
    {
        70 => CudaArchitecture.SM_70,
        75 => CudaArchitecture.SM_75,
        80 => CudaArchitecture.SM_80,
        86 => CudaArchitecture.SM_86,
        89 => CudaArchitecture.SM_89,
        90 => CudaArchitecture.SM_90,
        _ => throw new CrsException($"unsupported architecture sm_{sm}; use one of sm_70, sm_75, sm_80, sm_86, sm_89, sm_90"),
    };

    public string Compile(KernelEntry kernel, int sm)
    {
        using var backend = new PTXBackend(_context, new CudaCapabilityContext(Architecture(sm)), Architecture(sm), CudaInstructionSet.ISA_78, null!);
        var entry = kernel.Grouping == KernelGrouping.Explicit
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        return compiled.PTXAssembly;
    }

    public void Dispose() => _context.Dispose();
}
