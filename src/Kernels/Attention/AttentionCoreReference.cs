namespace CrsIlgpu.Kernels.Attention;

/// <summary>Scaled dot-product attention per (batch, head) in double, written as the textbook formulas.</summary>
public static class AttentionCoreReference
{
    public static (double[] Attn, double[] O) Forward(AttentionShape s, float[] q, float[] k, float[] v)
    {
        int l = s.Tokens, dh = s.HeadDim;
        var scale = 1.0 / Math.Sqrt(dh);
        var attn = new double[s.BatchHeads * l * l];
        var o = new double[s.HeadTensorLength];
        for (var bh = 0; bh < s.BatchHeads; bh++)
        {
            var hb = bh * l * dh;
            for (var i = 0; i < l; i++)
            {
                var row = new double[l];
                for (var j = 0; j < l; j++)
                {
                    double dot = 0;
                    for (var d = 0; d < dh; d++)
                        dot += (double)q[hb + i * dh + d] * k[hb + j * dh + d];
                    row[j] = dot * scale;
                }
                var max = row.Max();
                var sum = row.Sum(x => Math.Exp(x - max));
                for (var j = 0; j < l; j++)
                    attn[(bh * l + i) * l + j] = Math.Exp(row[j] - max) / sum;
                for (var d = 0; d < dh; d++)
                {
                    double acc = 0;
                    for (var j = 0; j < l; j++)
                        acc += attn[(bh * l + i) * l + j] * v[hb + j * dh + d];
                    o[hb + i * dh + d] = acc;
                }
            }
        }
        return (attn, o);
    }

    public static (double[] Dq, double[] Dk, double[] Dv) Backward(AttentionShape s, float[] q, float[] k, float[] v, double[] attn, float[] dO)
    {
        int l = s.Tokens, dh = s.HeadDim;
        var scale = 1.0 / Math.Sqrt(dh);
        var (dq, dk, dv) = (new double[s.HeadTensorLength], new double[s.HeadTensorLength], new double[s.HeadTensorLength]);
        for (var bh = 0; bh < s.BatchHeads; bh++)
        {
            var hb = bh * l * dh;
            for (var i = 0; i < l; i++)
            {
                var dA = new double[l];
                for (var j = 0; j < l; j++)
                {
                    var a = attn[(bh * l + i) * l + j];
                    for (var d = 0; d < dh; d++)
                    {
                        dA[j] += (double)dO[hb + i * dh + d] * v[hb + j * dh + d];
                        dv[hb + j * dh + d] += a * dO[hb + i * dh + d];
                    }
                }
                double dot = 0;
                for (var j = 0; j < l; j++)
                    dot += dA[j] * attn[(bh * l + i) * l + j];
                for (var j = 0; j < l; j++)
                {
                    var dS = attn[(bh * l + i) * l + j] * (dA[j] - dot) * scale;
                    for (var d = 0; d < dh; d++)
                    {
                        dq[hb + i * dh + d] += dS * k[hb + j * dh + d];
                        dk[hb + j * dh + d] += dS * q[hb + i * dh + d];
                    }
                }
            }
        }
        return (dq, dk, dv);
    }
}
