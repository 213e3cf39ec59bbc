namespace CrsIlgpu.Kernels.Embed;

/// <summary>
/// Patch and token embedding entry points. The patch embedding is ExtractPatches then a GEMM
/// patches · Wᵀ with a PyTorch Conv2d weight [D, C, P, P] read as [D, C·P·P]; its weight gradient is
/// the GEMM dYᵀ · patches (no kernel here), and the image needs no gradient.
/// </summary>
public static class EmbedOp
{
    /// <summary>
    /// im2col of a stride = kernel = P conv: images [B, C, H, W] (NCHW) → patches [B·(H/P)·(W/P), C·P·P],
    /// row (b, ph, pw) row-major over the patch grid, column (c, py, px). H and W must be multiples of P.
    /// </summary>
    public static void ExtractPatches(DeviceContext device, Tensor images, int patch, Tensor patches)
    {
        const string op = EmbedKernels.PatchExtractName;
        OpCheck.That(op, images.Shape.Length == 4, $"images '{images.Label}' {images.ShapeText} must be [B, C, H, W]");
        OpCheck.That(op, patch >= 1, $"patch size {patch} must be positive");
        int batch = images.Shape[0], channels = images.Shape[1], height = images.Shape[2], width = images.Shape[3];
        OpCheck.That(op, height % patch == 0 && width % patch == 0,
            $"images '{images.Label}' {images.ShapeText}: H and W must be multiples of the patch size {patch}");
        OpCheck.Shape(op, patches, batch * (height / patch) * (width / patch), channels * patch * patch);
        if (patches.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, 0, 8.0 * patches.Length);
        if (device.Mode == ExecutionMode.Kernels)
            EmbedKernels.LaunchExtractPatches(device, images.View, patches.View, channels, height, width, patch);
        else
            EmbedCpu.ExtractPatches(images.AsSpan(), batch, channels, height, width, patch, patches.AsSpan());
    }

    /// <summary>x [B, N+1, D]: x[b, 0, :] = cls [D], x[b, 1 + n, :] = tokens[b, n, :] (tokens [B, N, D]).</summary>
    public static void ClsConcat(DeviceContext device, Tensor tokens, Tensor cls, Tensor x)
    {
        const string op = EmbedKernels.ClsConcatName;
        var (batch, count, dim) = Tokens(op, tokens);
        OpCheck.Shape(op, cls, dim);
        OpCheck.Shape(op, x, batch, count + 1, dim);
        if (x.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, 0, 4.0 * (tokens.Length + cls.Length + x.Length));
        if (device.Mode == ExecutionMode.Kernels)
            EmbedKernels.LaunchClsConcat(device, tokens.View, cls.View, x.View, count, dim);
        else
            EmbedCpu.ClsConcat(tokens.AsSpan(), cls.AsSpan(), batch, count, x.AsSpan());
    }

    /// <summary>y [B, D] = x[:, 0, :] for x [B, L, D]: the class-token rows the head reads.</summary>
    public static void ClsGather(DeviceContext device, Tensor x, Tensor y)
    {
        const string op = EmbedKernels.ClsGatherName;
        var (batch, tokens, dim) = Tokens(op, x);
        OpCheck.Shape(op, y, batch, dim);
        if (device.IsPlanning || y.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, 8.0 * y.Length);
        if (device.Mode == ExecutionMode.Kernels)
            EmbedKernels.LaunchClsGather(device, x.View, y.View, tokens, dim);
        else
            EmbedCpu.ClsGather(x.AsSpan(), batch, tokens, dim, y.AsSpan());
    }

    /// <summary>Backward of <see cref="ClsGather"/>: dx [B, L, D] = dy at token 0, zero elsewhere (overwritten).</summary>
    public static void ClsScatter(DeviceContext device, Tensor dy, Tensor dx)
    {
        const string op = EmbedKernels.ClsScatterName;
        var (batch, tokens, dim) = Tokens(op, dx);
        OpCheck.Shape(op, dy, batch, dim);
        if (device.IsPlanning || dx.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, 4.0 * (dx.Length + dy.Length));
        if (device.Mode == ExecutionMode.Kernels)
            EmbedKernels.LaunchClsScatter(device, dy.View, dx.View, tokens, dim);
        else
            EmbedCpu.ClsScatter(dy.AsSpan(), batch, tokens, dim, dx.AsSpan());
    }

    /// <summary>Backward of <see cref="ClsConcat"/>: dtokens = dx[:, 1:, :] and dcls = Σ_b dx[b, 0, :], both overwritten.</summary>
    public static void ClsSplit(DeviceContext device, Tensor dx, Tensor dtokens, Tensor dcls, int groupSize = EmbedKernels.DefaultGroupSize)
    {
        const string op = EmbedKernels.ClsSplitTokensName;
        var (batch, count, dim) = Tokens(op, dtokens);
        OpCheck.Shape(op, dx, batch, count + 1, dim);
        OpCheck.Shape(op, dcls, dim);
        CheckGroupSize(op, groupSize);
        if (device.Mode != ExecutionMode.Kernels)
        {
            using var _ = device.Profiler.Launch(op, batch * dim, 4.0 * (dx.Length + dtokens.Length + dim));
            EmbedCpu.ClsSplit(dx.AsSpan(), batch, count, dtokens.AsSpan(), dcls.AsSpan());
            return;
        }
        if (device.IsPlanning)
            return;
        if (dtokens.Length > 0)
        {
            using (device.Profiler.Launch(op, 0, 8.0 * dtokens.Length))
                EmbedKernels.LaunchClsSplitTokens(device, dx.View, dtokens.View, count, dim);
        }
        if (dim > 0)
        {
            using (device.Profiler.Launch(EmbedKernels.ClsGradName, batch * dim, 4.0 * (batch + 1) * dim))
                EmbedKernels.LaunchClsGrad(device, dx.View, dcls.View, batch, count, dim, groupSize);
        }
    }

    /// <summary>x [B, L, D] += pos [L, D] for every image b, in place.</summary>
    public static void PosAdd(DeviceContext device, Tensor x, Tensor pos)
    {
        const string op = EmbedKernels.PosAddName;
        var (_, length, dim) = Tokens(op, x);
        OpCheck.Shape(op, pos, length, dim);
        if (x.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, x.Length, 4.0 * (2 * x.Length + pos.Length));
        if (device.Mode == ExecutionMode.Kernels)
            EmbedKernels.LaunchPosAdd(device, x.View, pos.View);
        else
            EmbedCpu.PosAdd(x.AsSpan(), pos.AsSpan());
    }

    /// <summary>dpos [L, D] = Σ_b dx[b, :, :] (dx [B, L, D]), overwritten, deterministic.</summary>
    public static void PosGrad(DeviceContext device, Tensor dx, Tensor dpos, int groupSize = EmbedKernels.DefaultGroupSize)
    {
        const string op = EmbedKernels.PosGradName;
        var (batch, length, dim) = Tokens(op, dx);
        OpCheck.Shape(op, dpos, length, dim);
        CheckGroupSize(op, groupSize);
        if (dpos.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, dx.Length, 4.0 * (dx.Length + dpos.Length));
        if (device.Mode == ExecutionMode.Kernels)
            EmbedKernels.LaunchPosGrad(device, dx.View, dpos.View, batch, groupSize);
        else
            EmbedCpu.PosGrad(dx.AsSpan(), dpos.AsSpan());
    }

    private static (int Batch, int Count, int Dim) Tokens(string op, Tensor t)
    {
        OpCheck.That(op, t.Shape.Length == 3, $"'{t.Label}' {t.ShapeText} must be [B, N, D]");
        return (t.Shape[0], t.Shape[1], t.Shape[2]);
    }

    private static void CheckGroupSize(string op, int groupSize) =>
        OpCheck.That(op, groupSize is >= 1 and <= Bias.ColumnSumTile.MaxGroupSize, $"group size {groupSize} is not in 1..{Bias.ColumnSumTile.MaxGroupSize}");
}
