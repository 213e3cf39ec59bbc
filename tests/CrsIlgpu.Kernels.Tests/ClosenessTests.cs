using Xunit.Sdk;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>The shared closeness assertion fails where it must (so the tests built on it can fail).</summary>
public class ClosenessTests
{
    [Fact]
    public void WithinAbsolutePlusRelativePasses() =>
        Closeness.AssertClose([1.0, 100.0], [1.0005f, 100.05f], abs: 1e-3, rel: 1e-3);

    [Fact]
    public void OneElementOutsideFailsAndNamesTheWorst()
    {
        var ex = Assert.Throws<FailException>(() => Closeness.AssertClose([1f, 2f, 3f], [1f, 2.5f, 3.01f], abs: 0.1, what: "y"));
        Assert.Contains("y: 1 of 3 elements off; worst [1]", ex.Message);
    }

    [Fact]
    public void NanNeverPasses() =>
        Assert.Throws<FailException>(() => Closeness.AssertClose([1f], [float.NaN], abs: 1e9));

    [Fact]
    public void PerElementToleranceIsApplied()
    {
        Closeness.AssertClose([0f, 10f], [0.5f, 10f], i => i == 0 ? 1.0 : 0.0);
        Assert.Throws<FailException>(() => Closeness.AssertClose([0f, 10f], [0.5f, 10f], i => i == 0 ? 0.1 : 0.0));
    }

    [Fact]
    public void DifferentLengthsFail() =>
        Assert.ThrowsAny<Exception>(() => Closeness.AssertClose([1f, 2f], [1f], abs: 1));

    [Fact]
    public void DeviceCasesCrossEveryDeviceWithEveryShape() =>
        Assert.Equal(TestDevices.Names.Count() * 3, DeviceCases.Of((1, 2), (3, 4), (5, 6)).Count());
}
