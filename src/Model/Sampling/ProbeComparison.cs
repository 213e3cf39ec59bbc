namespace CrsIlgpu.Model.Sampling;

/// <summary>‖Ĝ − G‖, ‖G‖, ‖Ĝ‖ and ⟨Ĝ, G⟩ of two host copies, summed in double in element order.</summary>
public readonly record struct ProbeComparison(double DifferenceNorm, double ExactNorm, double SampledNorm, double Dot)
{
    /// <summary>‖Ĝ − G‖ / ‖G‖; NaN when G = 0.</summary>
    public double RelativeError => ExactNorm > 0 ? DifferenceNorm / ExactNorm : double.NaN;

    /// <summary>⟨Ĝ, G⟩ / (‖Ĝ‖ ‖G‖); NaN when either is 0.</summary>
    public double Cosine => ExactNorm > 0 && SampledNorm > 0 ? Dot / (ExactNorm * SampledNorm) : double.NaN;

    public static ProbeComparison Of(ReadOnlySpan<float> sampled, ReadOnlySpan<float> exact)
    {
        if (sampled.Length != exact.Length)
            throw new ArgumentException($"the estimate holds {sampled.Length} values, the exact gradient {exact.Length}");
        double difference = 0, exactSquares = 0, sampledSquares = 0, dot = 0;
        for (var i = 0; i < exact.Length; i++)
        {
            double s = sampled[i], e = exact[i], d = s - e;
            difference += d * d;
            exactSquares += e * e;
            sampledSquares += s * s;
            dot += s * e;
        }
        return new ProbeComparison(Math.Sqrt(difference), Math.Sqrt(exactSquares), Math.Sqrt(sampledSquares), dot);
    }
}
