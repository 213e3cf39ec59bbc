namespace CrsIlgpu.Kernels.Sampling;

/// <summary>The four 32-bit words one Philox4x32 evaluation returns (a struct, so kernels keep it in registers).</summary>
public readonly struct PhiloxBlock
{
    public PhiloxBlock(uint x0, uint x1, uint x2, uint x3)
    {
        X0 = x0;
        X1 = x1;
        X2 = x2;
        X3 = x3;
    }

    public uint X0 { get; }

    public uint X1 { get; }

    public uint X2 { get; }

    public uint X3 { get; }

    public override string ToString() => $"{X0:x8} {X1:x8} {X2:x8} {X3:x8}";
}
