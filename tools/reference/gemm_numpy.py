"""CPU anchor for `crs bench gemm`: float32 matmul through numpy's BLAS (OpenBLAS when installed),
on OpenBLAS's best valid kernels for this CPU (blas_core.py; the core type is in each row).

Prints one JSON object per size: {"impl": ..., "n": n, "mean_ms": ..., "min_ms": ..., "gflops": ...}.
"""
import json
import sys
import time

import numpy as np

import blas_core


def loaded_blas() -> str:
    """Which BLAS the process really loaded (Debian switches libblas.so.3 by alternatives)."""
    with open("/proc/self/maps") as maps:
        text = maps.read()
    for name in ("openblas", "mkl", "blis", "atlas"):
        if name in text:
            return name
    return "refblas"


def measure(n: int, min_seconds: float = 1.0) -> dict:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    warm = time.perf_counter()
    while time.perf_counter() - warm < 0.3:
        a @ b
    times = []
    start = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    mean = sum(times) / len(times)
    blas = "numpy-" + loaded_blas()
    core = blas_core.chosen()["blas_core"]
    if blas == "numpy-openblas":
        blas += f" [{core.split(' ')[0]}]"
    return {"impl": blas, "blas_core": core, "n": n, "repeats": len(times), "mean_ms": mean * 1e3, "min_ms": min(times) * 1e3,
            "gflops": 2 * n ** 3 / mean / 1e9}


if __name__ == "__main__":
    blas_core.ensure()  # re-executes on OpenBLAS's best valid kernels for this CPU (once)
    for arg in sys.argv[1:]:
        print(json.dumps(measure(int(arg))), flush=True)
