"""OpenBLAS at its best valid kernels, for the measuring process only.

OpenBLAS picks its kernels by the CPU it detects, and misjudges these virtual machines: an AVX-512
Xeon taken for a Prescott (generic SSE3 kernels, ~5x slower), or OPENBLAS_CORETYPE preset to Haswell
by the image. A CPU anchor measured on the wrong kernels flatters whatever it is compared with.

`ensure()` is called first thing by a reference script (numpy GEMM, PyTorch ops and steps). Once per
process tree it starts one short probe per candidate — the environment as set, OpenBLAS's own
detection (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset), and each core type the CPU's flags allow
(SkylakeX and Cooperlake for AVX-512, Haswell for AVX2, Zen) — checks each candidate's float32
products against float64 at odd sizes, times a 512-cube product, and re-executes the script with
the fastest valid candidate's environment. The choice and every candidate's figure travel in
CRS_BLAS_CORE / CRS_BLAS_CANDIDATES for the script's JSON rows (`blas_core`). Only this process
and its children see the change; tests and CI keep the machine's OPENBLAS_* settings.
"""
import json
import os
import subprocess
import sys
import time

PROBE_N = 512
CHECK_SIZES = (7, 129, 250)


def cpuinfo(field: str) -> str:
    """The first value of a /proc/cpuinfo field ("flags", "vendor_id"), or "" where there is none."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def candidates() -> list:
    """(label, environment changes) in the order they are tried; None removes a variable."""
    flags = set(cpuinfo("flags").split())
    result = [("as set", {}), ("auto", {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None})]
    cores = []
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        cores += ["SkylakeX"]
        if "avx512_bf16" in flags:
            cores += ["Cooperlake"]
    if "avx2" in flags:
        cores += ["Haswell"]
        if cpuinfo("vendor_id") == "AuthenticAMD":
            cores += ["Zen"]
    result += [(core, {"OPENBLAS_CORETYPE": core, "OPENBLAS_L2_SIZE": None}) for core in cores]
    return result


def apply(environ: dict, changes: dict) -> dict:
    env = dict(environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def probe() -> None:
    """Child: check float32 products against float64, time a PROBE_N cube; one JSON line."""
    import numpy as np
    rng = np.random.default_rng(1)
    ok = True
    for n in CHECK_SIZES:
        a = rng.standard_normal((n, n + 3), dtype=np.float32)
        b = rng.standard_normal((n + 3, n - 2), dtype=np.float32)
        exact = a.astype(np.float64) @ b.astype(np.float64)
        got = (a @ b).astype(np.float64)
        err = np.abs(got - exact).max() / max(np.abs(exact).max(), 1e-30)
        ok = ok and bool(np.isfinite(err) and err < 1e-5)
    a = rng.standard_normal((PROBE_N, PROBE_N), dtype=np.float32)
    b = rng.standard_normal((PROBE_N, PROBE_N), dtype=np.float32)
    a @ b
    times = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < 0.3:
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    print(json.dumps({"ok": ok, "gflops": 2 * PROBE_N ** 3 / min(times) / 1e9}), flush=True)


def measure(label: str, env: dict) -> dict:
    env = dict(env, OPENBLAS_VERBOSE="2")
    run = subprocess.run([sys.executable, os.path.abspath(__file__), "--probe"], env=env,
                         capture_output=True, text=True, timeout=120)
    core = next((l.split(":", 1)[1].strip() for l in run.stderr.splitlines() if l.startswith("Core:")), "?")
    row = {"candidate": label, "core": core, "ok": False, "gflops": 0.0}
    if run.returncode == 0 and run.stdout.strip():
        row.update(json.loads(run.stdout.strip().splitlines()[-1]))
    else:
        row["error"] = (run.stderr.strip().splitlines() or ["no output"])[-1]
    return row


def ensure() -> str:
    """Re-executes the calling script on the best candidate once; returns the chosen core's label."""
    if "CRS_BLAS_CORE" in os.environ:
        return os.environ["CRS_BLAS_CORE"]
    rows = []
    best = None
    for label, changes in candidates():
        env = apply(dict(os.environ), changes)
        row = measure(label, env)
        rows.append(row)
        if row["ok"] and (best is None or row["gflops"] > best[0]["gflops"]):
            best = (row, env)
    if best is None:
        env = dict(os.environ, CRS_BLAS_CORE="unchecked (no candidate passed the float64 check)")
    else:
        row, env = best
        env = dict(env, CRS_BLAS_CORE=f"{row['core']} ({row['candidate']})")
    env["CRS_BLAS_CANDIDATES"] = json.dumps(rows)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)
    return ""  # not reached


def chosen() -> dict:
    """What the JSON rows report: the core used and every candidate's probe."""
    return {"blas_core": os.environ.get("CRS_BLAS_CORE", "not chosen"),
            "blas_candidates": json.loads(os.environ.get("CRS_BLAS_CANDIDATES", "[]"))}


if __name__ == "__main__":
    if sys.argv[1:] == ["--probe"]:
        probe()
    else:
        ensure()
        print(json.dumps(chosen()))
