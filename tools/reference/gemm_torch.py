"""GPU anchor for `crs bench gemm`: FP32 matmul with cuBLAS through PyTorch (TF32 off, so it is true FP32).

Prints one JSON object per size: {"impl": "cublas-fp32", "n": n, "mean_ms": ..., "min_ms": ..., "gflops": ...}.
"""
import json
import sys

import torch


def measure(n: int, min_seconds: float = 1.0) -> dict:
    torch.backends.cuda.matmul.allow_tf32 = False
    a = torch.randn(n, n, device="cuda", dtype=torch.float32)
    b = torch.randn(n, n, device="cuda", dtype=torch.float32)
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
    return {"impl": "cublas-fp32", "n": n, "repeats": len(times), "mean_ms": mean, "min_ms": min(times),
            "gflops": 2 * n ** 3 / (mean / 1e3) / 1e9, "device": torch.cuda.get_device_name()}


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(json.dumps(measure(int(arg))), flush=True)
