using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Compiles a catalog kernel to PTX with ILGPU's PTX backend: no GPU or driver needed, so the
/// PTX gate runs on any machine. It compiles what runs: the context comes from
/// <see cref="DeviceContext.CreateIlgpuContext"/> (same properties and optimisation level), the
/// backend is built as CudaAccelerator builds it (capabilities and architecture of the device),
/// and the specialisation is the empty one LoadStreamKernel/LoadAutoGroupedStreamKernel use.
/// The one difference is the PTX ISA: at run time ILGPU picks the highest the driver allows (8.8
/// with CUDA 13), here the caller picks one its ptxas accepts (ptxas 11.8: 7.8). The ISA only sets
/// the `.version` line (a test checks the rest is identical). ILGPU 1.5.3 writes `.target sm_80`
/// for sm_80 and newer (its target is capped at what its features need); ptxas and the driver
/// assemble that for sm_90.
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

    /// <summary>The ISA the gate writes: the highest that Debian's ptxas 11.8 assembles.</summary>
    public static readonly CudaInstructionSet GateInstructionSet = CudaInstructionSet.ISA_78;

    public string Compile(KernelEntry kernel, int sm) => Compile(kernel, sm, GateInstructionSet);

    public string Compile(KernelEntry kernel, int sm, CudaInstructionSet isa)
    {
        using var backend = new PTXBackend(_context, new CudaCapabilityContext(Architecture(sm)), Architecture(sm), isa, null!);
        var entry = kernel.Grouping == KernelGrouping.Explicit
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        return compiled.PTXAssembly;
    }

    public void Dispose() => _context.Dispose();
}
