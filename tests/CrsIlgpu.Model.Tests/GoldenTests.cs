using System.Collections.Concurrent;
using CrsIlgpu.Kernels.Loss;

namespace CrsIlgpu.Model.Tests;

/// <summary>
/// The golden test: the model on tests/golden/vit-golden/ against PyTorch's float64 logits, loss and
/// gradients (expected.safetensors, written by tools/reference/vit_reference.py on a machine with
/// PyTorch), and against the C# double reference, which needs no dump.
/// </summary>
public class GoldenTests
{
    // fp32 against float64 through 2 blocks of width 32: measured on the CPU (both devices), the worst
    // error is 3.6e-7 of its tensor's largest value; 1e-4 of it (llm.c's test_gpt2 allows 1e-2) leaves margin while any missing term,
    // wrong index or transposed weight is off by far more.
    private const double ModelTolerance = 1e-4;

    // Two float64 computations of the same graph, compared after rounding to F32 (relative 6e-8).
    private const double ReferenceTolerance = 1e-6;

    private const string DumpMissing = "golden dump missing: run tools/reference/vit_reference.py tests/golden/vit-golden on a machine with PyTorch";

    private static string ExpectedPath => Path.Combine(GoldenInputs.Folder, GoldenInputs.ExpectedFileName);

    private sealed record Result(double[] Logits, double Loss, Dictionary<string, double[]> Gradients);

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void ModelMatchesThePyTorchDump(string deviceName)
    {
        var expected = ReadExpected();
        var golden = GoldenInputs.Read(GoldenInputs.Folder);
        AssertClose(expected, ModelResult(golden, deviceName), ModelTolerance, "model vs PyTorch");
    }

    [Fact]
    public void DoubleReferenceMatchesThePyTorchDump()
    {
        var expected = ReadExpected();
        var golden = GoldenInputs.Read(GoldenInputs.Folder);
        AssertClose(expected, RunReference(golden), ReferenceTolerance, "C# double reference vs PyTorch");
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void ModelMatchesTheDoubleReferenceOnTheGoldenInputs(string deviceName)
    {
        var golden = GoldenInputs.Read(GoldenInputs.Folder);
        AssertClose(RunReference(golden), ModelResult(golden, deviceName), ModelTolerance, "model vs C# double reference");
    }

    /// <summary>
    /// The dump comparison itself, exercised without PyTorch: the C# double reference written in
    /// expected.safetensors' layout (what vit_reference.py writes), read back and compared as the dump is.
    /// </summary>
    [Fact]
    public void ADumpInTheScriptsLayoutIsReadAndCompared()
    {
        var golden = GoldenInputs.Read(GoldenInputs.Folder);
        var reference = RunReference(golden);
        var path = Path.Combine(Directory.CreateTempSubdirectory("crs-golden-dump-").FullName, GoldenInputs.ExpectedFileName);
        var tensors = new List<(string, int[], float[])>
        {
            ("logits", [GoldenInputs.Batch, golden.Config.NumClasses], ToFloats(reference.Logits)),
            ("loss", [1], [(float)reference.Loss]),
        };
        tensors.AddRange(VitParameterLayout.For(golden.Config).Select(p => ("grad." + p.Name, p.Shape, ToFloats(reference.Gradients[p.Name]))));
        SafetensorsFile.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["dtype"] = "float64 (stored as F32)" });

        var expected = ReadExpected(path);
        AssertClose(expected, reference, ReferenceTolerance, "F32-rounded dump vs C# double reference");
        AssertClose(expected, ModelResult(golden, "cpu"), ModelTolerance, "F32-rounded dump vs model");

        // And the comparison does catch a wrong gradient.
        expected.Gradients["blocks.1.attn.qkv.bias"][5] += 1e-3;
        var message = Assert.ThrowsAny<Exception>(() => AssertClose(expected, reference, ReferenceTolerance, "tampered")).Message;
        Assert.Contains("grad.blocks.1.attn.qkv.bias: 1 of", message);
        Assert.Contains("worst [5]", message);
    }

    private static float[] ToFloats(double[] values) => values.Select(v => (float)v).ToArray();

    private static Result ReadExpected(string? path = null)
    {
        path ??= ExpectedPath;
        if (!File.Exists(path))
            Assert.Skip(DumpMissing);
        var content = SafetensorsFile.Read(path);
        var config = GoldenInputs.Config;
        double[] Read(string name, int[] shape)
        {
            Assert.True(content.Tensors.TryGetValue(name, out var t), $"{path}: no tensor '{name}'");
            Assert.Equal("F32", t.DType);
            Assert.Equal(shape, t.Shape);
            return t.Data.Select(v => (double)v).ToArray();
        }

        var layout = VitParameterLayout.For(config);
        var expected = new Result(
            Read("logits", [GoldenInputs.Batch, config.NumClasses]),
            Read("loss", [1])[0],
            layout.ToDictionary(p => p.Name, p => Read("grad." + p.Name, p.Shape)));
        Assert.Equal(2 + layout.Count, content.Tensors.Count); // nothing the comparison would silently ignore
        return expected;
    }

    // One model run per device serves both comparisons (the kernels device on the CPU accelerator takes ~25 s).
    private static readonly ConcurrentDictionary<string, Lazy<Result>> ModelResults = new();

    private static Result ModelResult(GoldenInputs.Case golden, string deviceName) =>
        ModelResults.GetOrAdd(deviceName, name => new Lazy<Result>(() => RunModel(golden, name))).Value;

    private static Result RunModel(GoldenInputs.Case golden, string deviceName)
    {
        var c = golden.Config;
        var batch = golden.Labels.Length;
        using var lease = SharedTestDevices.Lease(deviceName); // one context per collection on CUDA: nothing here needs a fresh one
        var device = lease.Device;
        using var model = new VisionTransformer(device, c);
        ModelCheckpoint.LoadInto(GoldenInputs.Folder, model);
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, c.Channels, c.ImageSize, c.ImageSize);
        images.CopyFrom(golden.Images);
        using var labels = new IntTensor(device.Pool, batch);
        labels.CopyFrom(golden.Labels);
        var logits = new float[batch * c.NumClasses];
        var loss = model.ForwardBackward(images, labels, golden.LabelSmoothing, logits);
        return new Result(logits.Select(v => (double)v).ToArray(), loss,
            model.Parameters.GradientsToHost().ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => (double)v).ToArray()));
    }

    private static Result RunReference(GoldenInputs.Case golden)
    {
        var (forward, gradients) = VitReference.ForwardBackward(golden.Config, ReferenceParameters.FromFloats(golden.Config, golden.Parameters),
            golden.Images.Select(v => (double)v).ToArray(), golden.Labels, golden.LabelSmoothing);
        return new Result(forward.Logits, forward.Loss, gradients.Parameters.Tensors.ToDictionary(t => t.Name, t => t.Data));
    }

    /// <summary>
    /// Each tensor within <paramref name="tolerance"/> of its own largest |value|; the message names the
    /// tensor and its worst element. Tensors are checked loss, logits, then gradients; the first off fails.
    /// </summary>
    private static void AssertClose(Result expected, Result actual, double tolerance, string what)
    {
        var worstRatio = 0.0;
        void Check(string name, double[] want, double[] got)
        {
            Assert.Equal(want.Length, got.Length);
            var scale = Math.Max(1e-6, want.Max(Math.Abs)); // an all-zero gradient must stay (near) zero
            worstRatio = Math.Max(worstRatio, Closeness.MaxAbsDiff(want, got) / scale);
            Closeness.AssertClose(want, got, tolerance * scale, 0, $"{what}: {name}");
        }

        Check("loss", [expected.Loss], [actual.Loss]);
        Check("logits", expected.Logits, actual.Logits);
        foreach (var (name, want) in expected.Gradients)
            Check("grad." + name, want, actual.Gradients[name]);
        TestContext.Current.SendDiagnosticMessage($"{what}: worst |Δ|/max over all tensors {worstRatio:E2}");
    }
}
