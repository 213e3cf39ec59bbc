namespace CrsIlgpu.Model.Reference;

/// <summary>Mlp forward: fc1's output [rows, hidden] (GELU's input), GELU's output, and fc2's output [rows, dim].</summary>
public sealed record ReferenceMlpResult(double[] Hidden, double[] Activated, double[] Output);
