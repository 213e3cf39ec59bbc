using CrsIlgpu.Kernels.Resize;

namespace CrsIlgpu.Model.Tests.Checkpoint;

/// <summary>
/// The fine-tuning path against PyTorch (tests/golden/finetune-golden, written by
/// tools/reference/finetune_golden.py): a 7-class, 4×4-grid F16 timm checkpoint loaded with --init
/// semantics into a 10-class, 6×6-grid model; CIFAR-sized images resized on the device; logits.
/// </summary>
public class FinetuneGoldenTests
{
    private static string Folder => Path.Combine(RepositoryRoot.Path, "tests", "golden", "finetune-golden");

    private static SafetensorsContent Expected => SafetensorsFile.Read(Path.Combine(Folder, "expected.safetensors"));

    private static VitConfig Config => VitConfig.FromJson(File.ReadAllText(Path.Combine(Folder, "config.json")));

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void InitResizeAndForwardMatchPyTorch(string deviceName)
    {
        var c = Config;
        var expected = Expected.Tensors;
        using var lease = SharedTestDevices.Lease(deviceName); // one context per collection on CUDA: nothing here needs a fresh one
        var device = lease.Device;
        using var model = new VisionTransformer(device, c);
        model.Parameters.Initialize(5);
        var seededHead = model.Parameters["head.weight"].Value.ToArray();

        var notes = InitCheckpoint.Apply(Path.Combine(Folder, "init.safetensors"), c, model.Parameters);

        // The head was re-initialised (left as the seed drew it) and said so; pos_embed resampled and said so.
        Assert.Contains(notes, n => n.Contains("head re-initialised") && n.Contains("7 classes"));
        Assert.Contains(notes, n => n.Contains("pos_embed resampled from a 4×4 to a 6×6"));
        Assert.Equal(seededHead, model.Parameters["head.weight"].Value.ToArray());
        // The resample in double from F16 values, against torch's float64 bicubic (stored as F32).
        Closeness.AssertClose(expected["pos_embed"].Data, model.Parameters["pos_embed"].Value.ToArray(), 1e-6, 1e-6, "pos_embed");

        // The head PyTorch used, so the logits are comparable (its own head cannot follow C#'s seeded draw).
        var head = SafetensorsFile.Read(Path.Combine(Folder, "head.safetensors")).Tensors;
        model.Parameters["head.weight"].Value.CopyFrom(head["head.weight"].Data);
        model.Parameters["head.bias"].Value.CopyFrom(head["head.bias"].Data);

        var batch = SafetensorsFile.Read(Path.Combine(Folder, "batch.safetensors")).Tensors;
        var n = batch["labels"].Shape[0];
        using var cifar = new Tensor(device.Pool, MemoryTag.Activations, "images.cifar", n, 3, 32, 32);
        cifar.CopyFrom(batch["images"].Data);
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", n, 3, c.ImageSize, c.ImageSize);
        ResizeOp.Bilinear(device, cifar, images);
        device.Synchronize();
        // Same float arithmetic as torch's CPU kernel; 1e-6 leaves room for an FMA on a GPU.
        Closeness.AssertClose(expected["resized"].Data, images.ToArray(), 1e-6, 0, "resized images");

        using var logits = model.Forward(images);
        device.Synchronize();
        var want = expected["logits"].Data;
        // fp32 model against a float64 reference: within 1e-4 of the largest |logit| (as the ViT golden test).
        var scale = want.Max(Math.Abs);
        Closeness.AssertClose(want, logits.ToArray(), 1e-4 * scale, 0, "logits");
    }
}
