"""CPU anchor for `crs bench gemm`: float32 matmul through numpy's BLAS (OpenBLAS when installed),
on OpenBLAS's best valid kernels for this CPU (blas_core.py; the core type is in each row).

Arguments: problems as "LAYOUT:M:N:K:BATCH" (crs bench gemm's spec) or bare sizes n.
Prints one JSON object per problem: {"impl": ..., "spec": ..., "mean_ms": ..., "min_ms": ..., "gflops": ...}.
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


def parse(spec: str):
    """"LAYOUT:M:N:K:BATCH" as crs bench gemm writes it, or a bare n (NN n×n×n)."""
    if ":" not in spec:
        n = int(spec)
        return "NN", n, n, n, 1
    layout, m, n, k, batch = spec.split(":")
    return layout, int(m), int(n), int(k), int(batch)


def operands(layout: str, m: int, n: int, k: int, batch: int):
    """A (M×K) and B (K×N) for one problem, stored as crs stores them: a T operand is kept
    transposed in memory and multiplied through a transposed view, as BLAS does with its trans flag."""
    rng = np.random.default_rng(0)
    ta, tb = layout[0] == "T", layout[1] == "T"
    a = rng.standard_normal((batch, k, m) if ta else (batch, m, k), dtype=np.float32)
    b = rng.standard_normal((batch, n, k) if tb else (batch, k, n), dtype=np.float32)
    a = a.transpose(0, 2, 1) if ta else a
    b = b.transpose(0, 2, 1) if tb else b
    if batch == 1:
        return a[0], b[0]
    return a, b


def measure(spec: str, min_seconds: float = 1.0) -> dict:
    layout, m, n, k, batch = parse(spec)
    a, b = operands(layout, m, n, k, batch)
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
    return {"impl": blas, "blas_core": core, "spec": spec if ":" in spec else f"NN:{m}:{n}:{k}:1", "n": n,
            "repeats": len(times), "mean_ms": mean * 1e3, "min_ms": min(times) * 1e3, "gflops": 2 * m * n * k * batch / mean / 1e9}


if __name__ == "__main__":
    blas_core.ensure()  # re-executes on OpenBLAS's best valid kernels for this CPU (once)
    for arg in sys.argv[1:]:
        print(json.dumps(measure(arg)), flush=True)
