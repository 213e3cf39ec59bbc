using Xunit.v3;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// Marks a test (method or class) that runs the ILGPU kernels on the "kernels" test device, which is
/// the GPU when CRS_TEST_DEVICE=cuda: trait <c>Path=Kernel</c>. On CUDA, tools/device/run.sh runs only
/// these (<c>-trait "Path=Kernel"</c>); the C#-only tests prove nothing new there. The trait belongs
/// to the method or class: the runner's filter does not see a theory row's own traits. So a theory
/// over <see cref="TestDevices.Names"/>, <see cref="DeviceCases"/> or <c>[InlineData("kernels", ...)]</c>
/// takes it whole; on CUDA its "cpu" rows from those tables are left out (<see cref="TestDevices.NameList"/>).
/// A test that reaches the kernels device without the trait fails (<see cref="Require"/>), on the CPU
/// too, so the filter can never leave a kernel test out unnoticed.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class KernelPathAttribute : Attribute, ITraitAttribute
{
    public const string Name = "Path";

    public const string Value = "Kernel";

    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(Name, Value)];

    /// <summary>Whether the running test case carries <c>Path=Kernel</c> (what the runner's trait filter sees); null outside a test.</summary>
    public static bool? CurrentTestIsMarked()
    {
        var testCase = TestContext.Current.TestCase;
        if (testCase is null)
            return null;
        return testCase.Traits.TryGetValue(Name, out var values) && values.Contains(Value);
    }

    /// <summary>
    /// Throws when the running test reaches the kernels device (<paramref name="what"/>) without the trait;
    /// does nothing outside a test (discovery, static setup).
    /// </summary>
    public static void Require(string what)
    {
        if (CurrentTestIsMarked() is false)
            throw new InvalidOperationException(
                $"{TestContext.Current.Test?.TestDisplayName ?? TestContext.Current.TestCase?.TestCaseDisplayName} uses {what} "
                + $"but has no trait {Name}={Value}: mark it [KernelPath] (or give its \"kernels\" data row the trait), "
                + "or run.sh's kernel-path filter on CUDA leaves it out");
    }
}
