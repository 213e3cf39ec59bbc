namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Compiles every kernel of the catalog to PTX for each architecture and, where ptxas is
/// installed, assembles it and reads registers, spills and shared memory. A kernel that does not
/// compile for the GPU fails the gate, without needing a GPU.
/// </summary>
public static class PtxGate
{
    public const string Ok = "ok";
    public const string PtxOnly = "ptx-only";
    public const string Failed = "failed";

    public static IReadOnlyList<PtxGateRow> Run(IEnumerable<KernelEntry> kernels, IReadOnlyList<int> architectures, string outDir, string? ptxas)
    {
        Directory.CreateDirectory(outDir);
        var rows = new List<PtxGateRow>();
        using var compiler = new PtxCompiler();
        foreach (var kernel in kernels)
        {
            foreach (var sm in architectures)
            {
                var arch = $"sm_{sm}";
                string? file = null;
                try
                {
                    var ptx = compiler.Compile(kernel, sm);
                    file = Path.Combine(outDir, $"{kernel.Name}.{arch}.ptx");
                    File.WriteAllText(file, ptx);
                    if (ptxas is null)
                    {
                        rows.Add(new PtxGateRow(kernel.Name, arch, PtxOnly, null, file, null));
                        continue;
                    }
                    rows.Add(new PtxGateRow(kernel.Name, arch, Ok, Ptxas.Assemble(ptxas, file, sm), file, null));
                }
                catch (Exception ex) when (ex is not CrsException)
                {
                    rows.Add(new PtxGateRow(kernel.Name, arch, Failed, null, file, ex.GetType().Name + ": " + ex.Message));
                }
            }
        }
        return rows;
    }

    /// <summary>Parses "sm_80,sm_90" (or "80,90").</summary>
    public static IReadOnlyList<int> ParseArchitectures(string text)
    {
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var digits = part.StartsWith("sm_", StringComparison.OrdinalIgnoreCase) ? part[3..] : part;
            if (!int.TryParse(digits, out var sm))
                throw new CrsException($"--arch: '{part}' is not an architecture like sm_80");
            PtxCompiler.Architecture(sm);
            result.Add(sm);
        }
        if (result.Count == 0)
            throw new CrsException("--arch: give at least one architecture, e.g. sm_80,sm_90");
        return result;
    }
}

/// <summary>One kernel × architecture of the PTX gate. Status: ok, ptx-only (no ptxas here), failed.</summary>
public sealed record PtxGateRow(string Kernel, string Arch, string Status, PtxasReport? Report, string? PtxFile, string? Error)
{
    public bool Failed => Status == PtxGate.Failed;
}
