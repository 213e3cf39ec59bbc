using CrsIlgpu.Kernels.Attention;

namespace CrsIlgpu.Kernels.Tests.Attention;

public class AttentionOpTests : DeviceTests
{
    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void ForwardAndBackwardMatchTheDoubleReference(string deviceName)
    {
        var device = Device(deviceName);
        var s = new AttentionShape(Batch: 2, Tokens: 7, Heads: 2, HeadDim: 5);
        var n = (int)s.HeadTensorLength;
        var (q, k, v, dO) = (TestData.Uniform(n, 1, 2f), TestData.Uniform(n, 2, 2f), TestData.Uniform(n, 3), TestData.Uniform(n, 4));
        var (eAttn, eO) = AttentionCoreReference.Forward(s, q, k, v);
        var (eDq, eDk, eDv) = AttentionCoreReference.Backward(s, q, k, v, eAttn, dO);

        int[] head = [s.BatchHeads, s.Tokens, s.HeadDim];
        int[] square = [s.BatchHeads, s.Tokens, s.Tokens];
        using var tq = TestData.Tensor(device, q, head);
        using var tk = TestData.Tensor(device, k, head);
        using var tv = TestData.Tensor(device, v, head);
        using var tdO = TestData.Tensor(device, dO, head);
        using var attn = TestData.Tensor(device, new float[s.BatchHeads * s.Tokens * s.Tokens], square);
        using var work = TestData.Tensor(device, new float[s.BatchHeads * s.Tokens * s.Tokens], square);
        using var o = TestData.Tensor(device, new float[n], head);
        using var dq = TestData.Tensor(device, new float[n], head);
        using var dk = TestData.Tensor(device, new float[n], head);
        using var dv = TestData.Tensor(device, new float[n], head);

        AttentionOp.Forward(device, s, tq, tk, tv, attn, o);
        AttentionOp.Backward(device, s, tq, tk, tv, attn, tdO, dq, dk, dv, work);
        device.Synchronize();

        // Values are O(1) and each output sums ≤ 7 products: fp32 rounding (and the GPU's approximate
        // exp, ~1e-7 relative) keeps errors near 1e-6; 2e-5 leaves margin while a wrong index or a
        // missing scale is off by O(0.1).
        Closeness.AssertClose(eAttn, attn.ToArray(), 2e-5, what: "attn");
        Closeness.AssertClose(eO, o.ToArray(), 2e-5, what: "o");
        Closeness.AssertClose(eDv, dv.ToArray(), 2e-5, what: "dv");
        Closeness.AssertClose(eDq, dq.ToArray(), 2e-5, what: "dq");
        Closeness.AssertClose(eDk, dk.ToArray(), 2e-5, what: "dk");
    }

    [Fact]
    [KernelPath]
    public void WrongScoreShapeIsRejected()
    {
        var device = TestAccelerators.Kernels;
        var s = new AttentionShape(1, 3, 1, 2);
        using var t = TestData.Tensor(device, new float[6], 1, 3, 2);
        using var attn = TestData.Tensor(device, new float[6], 1, 3, 2);
        Rejects.With(() => AttentionOp.Forward(device, s, t, t, t, attn, t), "attention_forward", "[1, 3, 3]");
    }
}
