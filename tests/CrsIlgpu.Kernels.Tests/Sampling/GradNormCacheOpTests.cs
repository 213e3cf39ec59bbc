using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Sampling;

public class GradNormCacheOpTests : DeviceTests
{
    /// <summary>
    /// A seen row scores ‖x‖ · its cached ‖G‖ — a cached 0 (a row whose gradient was exactly zero) scores
    /// 0, so it is never drawn — and an unseen one (<see cref="GradNormCacheReference.Unseen"/>) ‖x‖ alone.
    /// </summary>
    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void ScoreUsesTheCachedNormOrOneWhereNeverSeen(string deviceName)
    {
        var device = Device(deviceName);
        const int tokens = 3, slots = 5;
        using var cache = TestData.Tensor(device, new float[slots * tokens], slots, tokens);
        using var examples = new IntTensor(device.Pool, 2, MemoryTag.Workspace, "examples");
        examples.CopyFrom([4, 1]); // batch row 0 is example 4, row 1 is example 1

        var stored = Enumerable.Repeat(GradNormCacheReference.Unseen, slots * tokens).ToArray();
        GradNormCacheReference.Store([1f, 2f, 3f, 4f, 0f, 6f], [4, 1], stored, tokens); // the host side of the cache
        cache.CopyFrom(stored);
        Assert.Equal([4f, 0f, 6f], stored[(1 * tokens)..(2 * tokens)]); // example 1 got batch row 1's norms
        Assert.Equal([1f, 2f, 3f], stored[(4 * tokens)..(5 * tokens)]);
        Assert.Equal(GradNormCacheReference.Unseen, stored[0]);

        examples.CopyFrom([1, 0]); // example 1 again (cached, one zero norm), example 0 (never seen)
        using var xNorms = TestData.Tensor(device, [2f, 2f, 2f, 3f, 3f, 3f], 6);
        using var scores = TestData.Tensor(device, new float[6], 6);
        GradNormCacheOp.Scores(device, xNorms, cache, examples, scores, tokens);
        device.Synchronize();
        float[] expected = [8f, 0f, 12f, 3f, 3f, 3f]; // 2·(4, 0, 6), then ‖x‖ alone
        var reference = new float[6];
        GradNormCacheReference.Scores([2f, 2f, 2f, 3f, 3f, 3f], stored, [1, 0], reference, tokens);
        Assert.Equal(expected, reference);
        Assert.Equal(expected, scores.ToArray());
    }

    [Fact]
    public void ExampleIdsPastTheCacheAreRejected()
    {
        var device = TestAccelerators.CpuBackend;
        using var cache = TestData.Tensor(device, new float[6], 2, 3);
        using var examples = new IntTensor(device.Pool, 1, MemoryTag.Workspace, "examples");
        examples.CopyFrom([2]);
        using var norms = TestData.Tensor(device, new float[3], 3);
        using var scores = TestData.Tensor(device, new float[3], 3);
        var ex = Assert.Throws<ArgumentException>(() => GradNormCacheOp.Scores(device, norms, cache, examples, scores, 3));
        Assert.Contains("gradnorm_cache_scores", ex.Message);
    }
}
