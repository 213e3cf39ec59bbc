namespace CrsIlgpu.Model;

/// <summary>
/// timm's trunc_normal_(std=0.02): normal samples outside ±2σ are drawn again. Box–Muller on a
/// seeded System.Random, so a seed gives the same parameters on every machine.
/// </summary>
public static class TruncatedNormal
{
    public static void Fill(Span<float> values, Random random, double std = 0.02, double bound = 2.0)
    {
        for (var i = 0; i < values.Length; i++)
        {
            double z;
            do
            {
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }
            while (Math.Abs(z) > bound);
            values[i] = (float)(z * std);
        }
    }
}
