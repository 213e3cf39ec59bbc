namespace CrsIlgpu.Model.Reference;

/// <summary>Argument checks shared by the reference layers, so a wrong size fails loudly instead of reading garbage.</summary>
internal static class ReferenceChecks
{
    public static void Length(double[] array, long expected, string what)
    {
        if (array.Length != expected)
            throw new ArgumentException($"{what}: expected {expected} values, got {array.Length}");
    }

    /// <summary>target += source, element by element.</summary>
    public static void AddInto(double[] target, double[] source)
    {
        Length(source, target.Length, "gradient");
        for (var i = 0; i < target.Length; i++)
            target[i] += source[i];
    }
}
