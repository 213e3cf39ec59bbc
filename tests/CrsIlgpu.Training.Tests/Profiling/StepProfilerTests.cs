using System.Text.Json;
using CrsIlgpu.Model.Saved;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Profiling;

namespace CrsIlgpu.Training.Tests.Profiling;

/// <summary>Profiles of a tiny ViT on the ILGPU CPU accelerator (the kernel path, so every name is a catalog kernel).</summary>
public class StepProfilerTests
{
    // 8×8 images in 4×4 patches: 4 patches + class = 5 tokens; batch 2 → N = 10 rows per linear.
    private static readonly VitConfig Tiny = new()
    {
        Name = "test-tiny", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 32, Depth = 1, Heads = 2, NumClasses = 5,
    };

    /// <summary>Every kernel a dense step of this model launches on the kernel path, read off the model's code.</summary>
    private static readonly string[] DenseKernels =
    [
        // forward: patch embedding, tokens, one block, head
        "patch_extract", "gemm_nt", "bias_add", "cls_concat", "pos_add", "layernorm_forward", "attention_split_qkv",
        "gemm_nn", "softmax_forward", "attention_merge_heads", "add", "gelu_forward", "cls_gather",
        // loss, then backward
        "accuracy_hits", "cross_entropy_forward_backward", "cross_entropy_mean", "gemm_tn", "bias_grad_partial", "cls_scatter",
        "layernorm_backward_dparams_partial", "layernorm_backward_dparams_reduce", "layernorm_backward_dx",
        "gelu_backward", "accumulate", "attention_split_heads_grad", "softmax_backward", "attention_merge_qkv_grad",
        "pos_grad", "cls_split_tokens", "cls_grad",
        // optimizer
        "adam_update",
    ];

    private static StepProfile Profile(WtaCrsConfig? sampling, int steps)
    {
        using var device = TestDevices.Create("kernels");
        return StepProfiler.Run(device, new StepProfileOptions(Tiny, Batch: 2, sampling, WarmupSteps: 0, Steps: steps));
    }

    [Fact]
    [KernelPath]
    public void DenseProfileListsEveryKernelTheStepUsesWithPositiveTimesAndShares()
    {
        var p = Profile(null, steps: 2);

        Assert.Equal(DenseKernels.Order(), p.Kernels.Select(k => k.Kernel).Distinct().Order());
        foreach (var k in p.Kernels)
        {
            var entry = KernelCatalog.Find(k.Kernel);
            Assert.NotNull(entry);
            Assert.Equal(entry.PtxEntryName, k.PtxEntry);
            Assert.True(k.TotalUsPerStep > 0 && k.MeanUs > 0 && k.MinUs > 0, $"{k.Kernel}: time must be positive");
            Assert.True(k.MinUs <= k.MeanUs);
            Assert.Equal(Math.Round(k.LaunchesPerStep), k.LaunchesPerStep); // the same launches in every step
            Assert.Null(k.Roofline); // no peaks on the CPU
        }

        // GEMM launches per step, by hand. Forward NT: the 6 linears (patch, qkv, proj, fc1, fc2, head) + QKᵀ;
        // forward NN: A·V. Backward TN: 6 weight gradients + dV = Aᵀ·dO + dK = dSᵀ·Q; NN: dx of the 5 linears
        // after the patch embedding + dQ = dS·K; NT: dA = dO·Vᵀ. Adam: one launch over the flat buffers of all
        // 20 parameter tensors; the step waits for the device once (the read-back of loss, hits and norm).
        double Launches(string phase, string kernel) => p.Kernels.Single(k => k.Phase == phase && k.Kernel == kernel).LaunchesPerStep;
        Assert.Equal(7, Launches(ProfilePhase.Forward, "gemm_nt"));
        Assert.Equal(1, Launches(ProfilePhase.Forward, "gemm_nn"));
        Assert.Equal(8, Launches(ProfilePhase.Backward, "gemm_tn"));
        Assert.Equal(6, Launches(ProfilePhase.Backward, "gemm_nn"));
        Assert.Equal(1, Launches(ProfilePhase.Backward, "gemm_nt"));
        Assert.Equal(1, Launches(ProfilePhase.Optimizer, "adam_update"));
        Assert.Equal(1, Launches(ProfilePhase.Backward, "accuracy_hits"));
        Assert.Equal(2 * 3, Launches(ProfilePhase.Backward, "layernorm_backward_dparams_reduce")); // two levels × 3 LayerNorms
        Assert.Equal(1, p.SyncsPerStep);
        // Groups per launch where the op declares them: the GEMMs (the weight gradients' 64×64 tiles, no split at K = 10).
        double? Groups(string phase, string kernel) => p.Kernels.Single(k => k.Phase == phase && k.Kernel == kernel).GroupsPerLaunch;
        Assert.True(Groups(ProfilePhase.Backward, "gemm_tn") >= 1);
        Assert.Null(Groups(ProfilePhase.Optimizer, "adam_update"));

        Assert.Equal([ProfilePhase.Forward, ProfilePhase.Backward, ProfilePhase.Optimizer], p.Phases.Select(x => x.Phase));
        Assert.Equal(100, p.Phases.Sum(x => x.SharePercent), 9);
        Assert.Equal(100, p.Kernels.Sum(x => x.SharePercent), 9);
        // As printed (one decimal), the phase shares still add up to 100% within rounding.
        Assert.InRange(p.Phases.Sum(x => Math.Round(x.SharePercent, 1)), 100 - 0.05 * p.Phases.Count, 100 + 0.05 * p.Phases.Count);
        Assert.Equal(p.Kernels.Sum(k => k.TotalUsPerStep), p.KernelUsPerStep, 6);
        Assert.True(p.WallUsPerStep >= p.KernelUsPerStep, "kernels run inside the step's wall time");
        Assert.True(float.IsFinite(p.Loss));
        // Unprofiled steps ran too: images/s comes from their wall time.
        Assert.True(p.PlainUsPerStep > 0);
        Assert.Equal(p.Batch / (p.PlainUsPerStep!.Value / 1e6), p.ImagesPerSecond!.Value, 9);
    }

    [Fact]
    [KernelPath]
    public void TraceIsValidJsonWithOneEventPerLaunch()
    {
        var p = Profile(null, steps: 2);
        using var trace = JsonDocument.Parse(p.ToChromeTrace());
        var events = trace.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();

        var launches = p.Kernels.Sum(k => k.LaunchesPerStep) * p.Steps;
        Assert.Equal(launches, events.Count);
        Assert.Equal(p.LaunchesByStep.Sum(s => s.Count), events.Count);
        var byKernel = events.GroupBy(e => e.GetProperty("name").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        foreach (var k in p.Kernels.GroupBy(k => k.Kernel))
            Assert.Equal(k.Sum(x => x.LaunchesPerStep) * p.Steps, byKernel[k.Key]);
        double lastEnd = 0;
        foreach (var e in events)
        {
            Assert.Equal("X", e.GetProperty("ph").GetString());
            Assert.Contains(e.GetProperty("cat").GetString(), ProfilePhase.All);
            Assert.InRange(e.GetProperty("args").GetProperty("step").GetInt32(), 0, p.Steps - 1);
            var ts = e.GetProperty("ts").GetDouble();
            Assert.True(ts >= lastEnd - 1e-6, "launches are sequential: events must not overlap");
            lastEnd = ts + e.GetProperty("dur").GetDouble();
        }

        using var json = JsonDocument.Parse(p.ToJson());
        Assert.Equal(p.Kernels.Count, json.RootElement.GetProperty("kernels").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("unattributed_us_per_step").GetDouble() >= 0);
    }

    [Theory]
    [KernelPath]
    [InlineData(SamplingPolicy.Deferred, new[] { "selection_row_norms", "selection_wtacrs" }, "sampled_gemm_tn_gather")]
    [InlineData(SamplingPolicy.Cached, new[] { "selection_row_norms", "selection_wtacrs",
        "row_gather_scaled", "gradnorm_cache_scores" }, "sampled_gemm_tn_presampled")]
    public void SamplingKernelsFormTheSelectionPhaseAndTheSampledGemmStaysInBackward(SamplingPolicy policy, string[] selection, string sampledGemm)
    {
        // k_min 2 so ρ = 0.5 keeps k = 5 of N = 10 rows: selection really selects.
        var sites = SampledSite.Qkv | SampledSite.Proj | SampledSite.Fc1 | SampledSite.Fc2;
        var p = Profile(new WtaCrsConfig(sites, 0.5, policy, KMin: 2), steps: 1);

        Assert.Equal(DenseKernels.Concat(selection).Append(sampledGemm).Order(), p.Kernels.Select(k => k.Kernel).Distinct().Order());
        Assert.Equal(selection.Order(), p.Kernels.Where(k => k.Phase == ProfilePhase.Selection).Select(k => k.Kernel).Order());
        Assert.All(selection, s => Assert.True(ProfilePhase.IsSelectionKernel(s)));
        // One sampled GEMM per sampled linear, where the dense weight-gradient GEMM was: 8 − 4 dense TN left.
        Assert.Equal(4, p.Kernels.Single(k => k.Kernel == sampledGemm).LaunchesPerStep);
        Assert.Equal(ProfilePhase.Backward, p.Kernels.Single(k => k.Kernel == sampledGemm).Phase);
        Assert.Equal(4, p.Kernels.Single(k => k.Phase == ProfilePhase.Backward && k.Kernel == "gemm_tn").LaunchesPerStep);
        // One selection per sampled linear.
        Assert.Equal(4, p.Kernels.Single(k => k.Kernel == "selection_wtacrs").LaunchesPerStep);
        Assert.Equal(100, p.Phases.Sum(x => x.SharePercent), 9);
        Assert.Equal(ProfilePhase.All, p.Phases.Select(x => x.Phase));
    }

    [Fact]
    public void ASavedPrecisionStepShowsItsCodecsAsTheirOwnPhase()
    {
        using var device = TestDevices.Create("cpu");
        var savers = new MemorySavers { Precision = SavedPrecisionPolicy.Parse("bf16", "attn=int8") };
        var p = StepProfiler.Run(device, new StepProfileOptions(Tiny, Batch: 2, null, WarmupSteps: 0, Steps: 1, Savers: savers));

        var codec = p.Kernels.Where(k => k.Phase == ProfilePhase.Codec).Select(k => k.Kernel).Order().ToList();
        Assert.Equal(["codec_bf16_decode", "codec_bf16_encode", "codec_int8_decode", "codec_int8_encode"], codec);
        Assert.Equal(ProfilePhase.Codec, p.Phases[^1].Phase);
        Assert.True(p.Phases[^1].SharePercent > 0);
        Assert.DoesNotContain(p.Kernels, k => k.Kernel.StartsWith("codec_", StringComparison.Ordinal) && k.Phase != ProfilePhase.Codec);
    }

    [Fact]
    public void TheDevicesProfilerIsLeftAsItWas()
    {
        using var device = TestDevices.Create("cpu");
        device.Profiler.Phase = "mine";
        StepProfiler.Run(device, new StepProfileOptions(Tiny, 2, WarmupSteps: 1, Steps: 1));
        Assert.False(device.Profiler.Enabled);
        Assert.Equal("mine", device.Profiler.Phase);
        Assert.Empty(device.Profiler.Launches);
    }

    [Fact]
    public void InterleavedProfilesAlternateTheirTimedSteps()
    {
        using var device = TestDevices.Create("cpu");
        var sampled = new WtaCrsConfig(SampledSite.Fc1 | SampledSite.Fc2, 0.5, SamplingPolicy.Cached, KMin: 2);
        var profiles = StepProfiler.RunInterleaved(device,
            [new StepProfileOptions(Tiny, 2, WarmupSteps: 1, Steps: 3), new StepProfileOptions(Tiny, 2, sampled, WarmupSteps: 1, Steps: 3)]);

        Assert.Equal(2, profiles.Count);
        Assert.Equal("dense", profiles[0].Sampling);
        Assert.DoesNotContain(profiles[0].Phases, p => p.Phase == ProfilePhase.Selection);
        Assert.Contains(profiles[1].Phases, p => p.Phase == ProfilePhase.Selection);
        // Launch times share the device's profiler clock: dense step i, sampled step i, dense step i + 1, ...
        var order = Enumerable.Range(0, 3)
            .SelectMany(i => new[] { profiles[0].LaunchesByStep[i], profiles[1].LaunchesByStep[i] })
            .ToList();
        for (var i = 1; i < order.Count; i++)
            Assert.True(order[i].Min(l => l.StartUs) >= order[i - 1].Max(l => l.StartUs + l.DurationUs), $"step block {i} overlaps the one before");
        Assert.Throws<ArgumentException>(() => StepProfiler.RunInterleaved(device,
            [new StepProfileOptions(Tiny, 2, Steps: 1), new StepProfileOptions(Tiny, 2, Steps: 2)]));
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(2, 0, 0)]
    [InlineData(2, 1, -1)]
    public void BadOptionsAreUserErrors(int batch, int steps, int warmup)
    {
        using var device = TestDevices.Create("cpu");
        Assert.Throws<CrsException>(() => StepProfiler.Run(device, new StepProfileOptions(Tiny, batch, WarmupSteps: warmup, Steps: steps)));
    }
}
