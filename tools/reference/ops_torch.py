"""Anchor for `crs bench ops`: the same ops, at the same sizes, in PyTorch eager on the same device.

Usage: python3 ops_torch.py [--device cuda|cpu] [--threads N] vit-tiny vit-b16
On the CPU, torch multiplies through OpenBLAS: blas_core.py first picks its best valid kernels.
Prints one JSON object per op: {"op": "<name> (<size>)", "impl": "pytorch", "mean_ms": ..., "min_ms": ..., "repeats": ...}.
Op names match the kernel names `crs bench ops` prints, so the two are joined by name. fp32, TF32 off.
"""
import json
import sys

import torch
import torch.nn.functional as F

SIZES = {"vit-tiny": (128, 65, 192, 3), "vit-b16": (64, 197, 768, 12)}


DEVICE = "cuda"


def timed(fn, min_ms=300.0):
    if DEVICE == "cpu":
        return timed_cpu(fn, min_ms)
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times, total = [], 0.0
    while len(times) < 10 or total < min_ms:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        ms = start.elapsed_time(end)
        times.append(ms)
        total += ms
    return {"mean_ms": sum(times) / len(times), "min_ms": min(times), "repeats": len(times)}


def timed_cpu(fn, min_ms):
    import time
    fn()
    times, total = [], 0.0
    while len(times) < 3 or total < min_ms:
        t = time.perf_counter()
        fn()
        ms = (time.perf_counter() - t) * 1e3
        times.append(ms)
        total += ms
    return {"mean_ms": sum(times) / len(times), "min_ms": min(times), "repeats": len(times)}


def cases(name):
    b, l, d, h = SIZES[name]
    dh, n, dev = d // h, b * l, DEVICE
    r = lambda *s: torch.randn(*s, device=dev)
    x, hid = r(n, d), r(n, 4 * d)
    scores = r(b * h * l, l)
    probs = scores.softmax(-1)
    yield "softmax_forward", lambda: torch.softmax(scores, -1)
    yield "softmax_backward", lambda: torch._softmax_backward_data(scores, probs, -1, torch.float32)
    ln = torch.nn.LayerNorm(d, eps=1e-6, device=dev)
    xg = x.clone().requires_grad_()
    y = ln(xg)
    dy = r(n, d)
    yield "layernorm_forward", lambda: ln(x)
    yield "layernorm_backward", lambda: torch.autograd.grad(y, [xg, ln.weight, ln.bias], dy, retain_graph=True)
    logits, labels = r(b, 100).requires_grad_(), torch.randint(0, 100, (b,), device=dev)
    yield "cross_entropy_forward_backward", lambda: torch.autograd.grad(F.cross_entropy(logits, labels, label_smoothing=0.1), logits)
    yield "add", lambda: torch.add(x, x)
    qkv = r(b, l, 3 * d)
    yield "attention_split_qkv", lambda: qkv.reshape(b, l, 3, h, dh).permute(2, 0, 3, 1, 4).contiguous()
    o = r(b, h, l, dh)
    yield "attention_merge_heads", lambda: o.transpose(1, 2).reshape(b, l, d).contiguous()
    q, k, v = (r(b, h, l, dh).requires_grad_() for _ in range(3))
    scale = dh ** -0.5

    def attn():
        return (q @ k.transpose(-2, -1) * scale).softmax(-1) @ v
    out = attn()
    d_out = torch.randn_like(out)
    yield "attention_forward", attn
    yield "attention_backward", lambda: torch.autograd.grad(out, [q, k, v], d_out, retain_graph=True)
    hg = hid.clone().requires_grad_()
    g = F.gelu(hg)
    dg = r(n, 4 * d)
    yield "gelu_forward", lambda: F.gelu(hid)
    yield "gelu_backward", lambda: torch.autograd.grad(g, hg, dg, retain_graph=True)
    bias = r(4 * d)
    yield "bias_add", lambda: hid.add_(bias)
    yield "bias_grad_partial", lambda: hid.sum(0)
    side, patch = (32, 4) if name == "vit-tiny" else (224, 16)
    images = r(b, 3, side, side)
    yield "patch_extract", lambda: F.unfold(images, patch, stride=patch).transpose(1, 2).contiguous()
    tokens, cls = r(b, l - 1, d), r(1, 1, d)
    yield "cls_concat", lambda: torch.cat([cls.expand(b, -1, -1), tokens], 1)
    x3 = r(b, l, d)
    yield "cls_split_tokens", lambda: x3[:, 1:].contiguous()
    pos = r(1, l, d)
    yield "pos_add", lambda: x3.add_(pos)
    yield "pos_grad", lambda: x3.sum(0)
    p = torch.nn.Parameter(r(d, 4 * d))
    p.grad = r(d, 4 * d)
    opt = torch.optim.AdamW([p], lr=1e-3, foreach=False)
    yield "adam_update", opt.step
    grads = [r(d, 4 * d) for _ in range(4)]
    yield "global_norm", lambda: torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(t) for t in grads]))


if __name__ == "__main__":
    import argparse
    import os
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("sizes", nargs="+", choices=sorted(SIZES))
    args = parser.parse_args()
    DEVICE = args.device
    core = None
    if DEVICE == "cpu":
        import blas_core
        blas_core.ensure()
        core = os.environ.get("CRS_BLAS_CORE")
        if args.threads:
            torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    for size in args.sizes:
        for op, fn in cases(size):
            print(json.dumps({"op": f"{op} ({size})", "impl": "pytorch", "device": DEVICE, "blas_core": core, **timed(fn)}), flush=True)
