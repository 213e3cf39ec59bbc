#!/usr/bin/env python3
"""Per-site summary of a run's probe.jsonl (crs train --probe-every N): a Markdown table.

    python3 tools/study/probe_summary.py RUN_DIR [RUN_DIR...]

One row per (run, epoch, site): the median and max over blocks and probe steps of the relative
error ||G_hat - G|| / ||G||, the median cosine, the mean winner count c and the budget k; the last
block's (the class-token-only gradients) error apart. NaN records (G = 0) are left out of medians.
Standard library only.
"""
import json
import math
import os
import statistics
import sys

SITES = ["qkv", "proj", "qk", "av", "fc1", "fc2"]


def finite(values):
    return [v for v in values if v is not None and not math.isnan(v)]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| run | epoch | site | rel. error median (blocks 0..L-2) | max | last block | cosine median | winners c / k |")
    print("|---|---|---|---|---|---|---|---|")
    for run in sys.argv[1:]:
        with open(os.path.join(run, "probe.jsonl")) as f:
            records = [json.loads(line) for line in f if line.strip()]
        last = max(r["block"] for r in records)
        for epoch in sorted({r["epoch"] for r in records}):
            for site in SITES:
                rows = [r for r in records if r["epoch"] == epoch and r["site"] == site]
                if not rows:
                    continue
                inner = finite(r["rel_error"] for r in rows if r["block"] < last)
                tail = finite(r["rel_error"] for r in rows if r["block"] == last)
                cos = finite(r["cosine"] for r in rows)
                winners = statistics.mean(r["winners"] for r in rows)
                k = rows[0]["k"]
                fmt = lambda xs, f: f"{f(xs):.3f}" if xs else "n/a"
                print(f"| {os.path.basename(run.rstrip('/'))} | {epoch} | {site} | {fmt(inner, statistics.median)} | {fmt(inner, max)} | "
                      f"{fmt(tail, statistics.median)} | {fmt(cos, statistics.median)} | {winners:.1f} / {k} |")


if __name__ == "__main__":
    main()
