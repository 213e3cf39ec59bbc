namespace CrsIlgpu.Kernels.Tests;

/// <summary>An op's checks before launch: the call throws <see cref="ArgumentException"/>
/// whose message names each of the given things (the kernel, the shapes).</summary>
public static class Rejects
{
    public static void With(Action call, params string[] mentions)
    {
        var ex = Assert.Throws<ArgumentException>(call);
        foreach (var mention in mentions)
            Assert.Contains(mention, ex.Message);
    }
}
