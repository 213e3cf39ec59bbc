"""GPU anchor for `crs bench gemm`: matmul with cuBLAS through PyTorch, TF32 off (cublas-fp32: true FP32)
and/or on (cublas-tf32: torch.backends.cuda.matmul.allow_tf32 = True, cuBLAS's tensor-core TF32 path).

Arguments: [--precision fp32|tf32|both] (default fp32), then problems as "LAYOUT:M:N:K:BATCH"
(crs bench gemm's spec) or bare sizes n.
Prints one JSON object per problem and precision:
{"impl": "cublas-fp32" | "cublas-tf32", "spec": ..., "mean_ms": ..., "min_ms": ..., "gflops": ...}.
"""
import json
import sys

import torch


def measure(spec: str, tf32: bool = False, min_seconds: float = 1.0) -> dict:
    """One problem, "LAYOUT:M:N:K:BATCH" as crs bench gemm writes it (or a bare n: NN n×n×n); a T
    operand is stored transposed and multiplied through a transposed view (cuBLAS's trans flag)."""
    torch.backends.cuda.matmul.allow_tf32 = tf32
    if ":" in spec:
        layout, m, n, k, batch = spec.split(":")
        m, n, k, batch = int(m), int(n), int(k), int(batch)
    else:
        layout, m = "NN", int(spec)
        n = k = m
        batch = 1
    ta, tb = layout[0] == "T", layout[1] == "T"
    a = torch.randn((batch, k, m) if ta else (batch, m, k), device="cuda", dtype=torch.float32)
    b = torch.randn((batch, n, k) if tb else (batch, k, n), device="cuda", dtype=torch.float32)
    a = a.transpose(1, 2) if ta else a
    b = b.transpose(1, 2) if tb else b
    if batch == 1:
        a, b = a[0], b[0]
    for _ in range(5):
        a @ b
    torch.cuda.synchronize()
    times = []
    total = 0.0
    while len(times) < 10 or total < min_seconds * 1e3:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        a @ b
        end.record()
        torch.cuda.synchronize()
        ms = start.elapsed_time(end)
        times.append(ms)
        total += ms
    mean = sum(times) / len(times)
    return {"impl": "cublas-tf32" if tf32 else "cublas-fp32", "spec": spec if ":" in spec else f"NN:{m}:{m}:{m}:1", "n": n, "repeats": len(times),
            "mean_ms": mean, "min_ms": min(times), "gflops": 2 * m * n * k * batch / (mean / 1e3) / 1e9,
            "device": torch.cuda.get_device_name()}


def parse_args(argv: list) -> tuple:
    """(precisions, specs): --precision fp32 | tf32 | both, then the problems."""
    precision = "fp32"
    if len(argv) >= 2 and argv[0] == "--precision":
        precision, argv = argv[1], argv[2:]
    if precision not in ("fp32", "tf32", "both"):
        raise SystemExit(f"--precision: fp32, tf32 or both, got {precision!r}")
    modes = {"fp32": [False], "tf32": [True], "both": [False, True]}[precision]
    return modes, argv


if __name__ == "__main__":
    modes, specs = parse_args(sys.argv[1:])
    for arg in specs:
        for tf32 in modes:
            print(json.dumps(measure(arg, tf32)), flush=True)
