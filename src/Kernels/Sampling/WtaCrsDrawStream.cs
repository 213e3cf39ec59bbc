namespace CrsIlgpu.Kernels.Sampling;

/// <summary>The Philox stream of a selection's draws, (seed, step, layer), as one kernel argument (ILGPU's loaders take at most 14 parameters).</summary>
public readonly struct WtaCrsDrawStream
{
    public WtaCrsDrawStream(uint seed, ulong step, uint layer)
    {
        Seed = seed;
        Step = step;
        Layer = layer;
    }

    public uint Seed { get; }

    public ulong Step { get; }

    public uint Layer { get; }

    /// <summary>Uniform of draw <paramref name="draw"/> of problem <paramref name="problem"/> (see <see cref="PhiloxRandom.Uniform"/>).</summary>
    public float Uniform(uint draw, uint problem) => PhiloxRandom.Uniform(Seed, Step, Layer, draw, problem);
}
