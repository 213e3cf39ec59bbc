namespace CrsIlgpu.Kernels.Resize;

/// <summary>The public entry of the bilinear resize: checks before any launch, the profiler scope, dispatch by device mode.</summary>
public static class ResizeOp
{
    /// <summary>Declared work per output element: 6 multiplies and 3 adds of the blend; 4 reads and 1 write of a float (cache reuse aside).</summary>
    public const double FlopsPerElement = 9;

    public const double BytesPerElement = 20;

    /// <summary>
    /// output [N, C, outH, outW] ← bilinear resize of input [N, C, inH, inW] (align_corners = false,
    /// no antialias: torch's F.interpolate(mode="bilinear", align_corners=False)). Up- and downscaling;
    /// equal sizes copy.
    /// </summary>
    public static void Bilinear(DeviceContext device, Tensor input, Tensor output)
    {
        const string op = ResizeKernels.Name;
        OpCheck.That(op, input.Shape.Length == 4 && output.Shape.Length == 4,
            $"input '{input.Label}' {input.ShapeText} and output '{output.Label}' {output.ShapeText} must both be [N, C, H, W]");
        OpCheck.That(op, input.Shape[0] == output.Shape[0] && input.Shape[1] == output.Shape[1],
            $"input '{input.Label}' {input.ShapeText} and output '{output.Label}' {output.ShapeText} differ in N or C");
        OpCheck.That(op, input.Length > 0 && output.Length > 0, $"input {input.ShapeText} and output {output.ShapeText} must not be empty");
        OpCheck.That(op, output.Length <= int.MaxValue, $"'{output.Label}' {output.ShapeText} has more than 2^31 elements");
        if (device.IsPlanning)
            return;
        int planes = input.Shape[0] * input.Shape[1], inH = input.Shape[2], inW = input.Shape[3], outH = output.Shape[2], outW = output.Shape[3];
        using var _ = device.Profiler.Launch(op, FlopsPerElement * output.Length, BytesPerElement * output.Length);
        if (device.Mode == ExecutionMode.Kernels)
            ResizeKernels.Launch(device, input.View, output.View, inH, inW, outH, outW);
        else
            ResizeCpu.Bilinear(input.AsSpan(), output.AsSpan(), planes, inH, inW, outH, outW);
    }
}
