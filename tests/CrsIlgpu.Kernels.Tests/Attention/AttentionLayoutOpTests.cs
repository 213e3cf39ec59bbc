using CrsIlgpu.Kernels.Attention;

namespace CrsIlgpu.Kernels.Tests.Attention;

public class AttentionLayoutOpTests : DeviceTests
{
    private static readonly AttentionShape Shape = new(Batch: 2, Tokens: 5, Heads: 3, HeadDim: 4);

    [Fact]
    public void ReferenceSplitPutsHeadsWhereTimmDoes()
    {
        // qkv.reshape(B, L, 3, H, Dh).permute(2, 0, 3, 1, 4): q[b, h, l, d] = qkv[b, l, 0, h, d].
        var s = Shape;
        var qkv = Enumerable.Range(0, s.Batch * s.Tokens * 3 * s.Dim).Select(i => (float)i).ToArray();
        var q = new float[s.HeadTensorLength];
        var k = new float[s.HeadTensorLength];
        var v = new float[s.HeadTensorLength];
        AttentionReference.SplitQkv(s, qkv, q, k, v);
        // b = 1, h = 2, l = 3, d = 1: head-major index ((1*3+2)*5+3)*4+1 = 113; qkv index (((1*5+3)*3+part)*3+2)*4+1.
        Assert.Equal((((1 * 5 + 3) * 3 + 0) * 3 + 2) * 4 + 1, q[113]);
        Assert.Equal((((1 * 5 + 3) * 3 + 1) * 3 + 2) * 4 + 1, k[113]);
        Assert.Equal((((1 * 5 + 3) * 3 + 2) * 3 + 2) * 4 + 1, v[113]);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void SplitAndMergeMatchReferenceAndInvertEachOther(string deviceName)
    {
        var device = Device(deviceName);
        var s = Shape;
        var n = (int)s.HeadTensorLength;
        var qkvData = TestData.Uniform(3 * n, 11);
        var (eq, ek, ev) = (new float[n], new float[n], new float[n]);
        AttentionReference.SplitQkv(s, qkvData, eq, ek, ev);

        using var qkv = TestData.Tensor(device, qkvData, s.Batch * s.Tokens, 3 * s.Dim);
        using var q = TestData.Tensor(device, new float[n], s.BatchHeads, s.Tokens, s.HeadDim);
        using var k = TestData.Tensor(device, new float[n], s.BatchHeads, s.Tokens, s.HeadDim);
        using var v = TestData.Tensor(device, new float[n], s.BatchHeads, s.Tokens, s.HeadDim);
        AttentionLayoutOp.SplitQkv(device, s, qkv, q, k, v);
        device.Synchronize();
        Assert.Equal(eq, q.ToArray()); // pure data movement: exact
        Assert.Equal(ek, k.ToArray());
        Assert.Equal(ev, v.ToArray());

        using var back = TestData.Tensor(device, new float[3 * n], s.Batch * s.Tokens, 3 * s.Dim);
        AttentionLayoutOp.MergeQkvGrad(device, s, q, k, v, back);
        device.Synchronize();
        Assert.Equal(qkvData, back.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void MergeHeadsMatchesReferenceAndSplitInvertsIt(string deviceName)
    {
        var device = Device(deviceName);
        var s = Shape;
        var n = (int)s.HeadTensorLength;
        var oData = TestData.Uniform(n, 12);
        var expected = new float[n];
        AttentionReference.MergeHeads(s, oData, expected);

        using var o = TestData.Tensor(device, oData, s.BatchHeads, s.Tokens, s.HeadDim);
        using var y = TestData.Tensor(device, new float[n], s.Batch * s.Tokens, s.Dim);
        AttentionLayoutOp.MergeHeads(device, s, o, y);
        device.Synchronize();
        Assert.Equal(expected, y.ToArray());

        using var dO = TestData.Tensor(device, new float[n], s.BatchHeads, s.Tokens, s.HeadDim);
        AttentionLayoutOp.SplitHeadsGrad(device, s, y, dO);
        device.Synchronize();
        Assert.Equal(oData, dO.ToArray());
    }

    [Fact]
    [KernelPath]
    public void WrongShapesNameTheOp()
    {
        var device = TestAccelerators.Kernels;
        var s = Shape;
        using var qkv = TestData.Tensor(device, new float[10 * 35], 10, 35);
        using var q = TestData.Tensor(device, new float[s.HeadTensorLength], s.BatchHeads, s.Tokens, s.HeadDim);
        Rejects.With(() => AttentionLayoutOp.SplitQkv(device, s, qkv, q, q, q), AttentionKernels.SplitQkvName, "[10, 35]", "[10, 36]");
    }
}
