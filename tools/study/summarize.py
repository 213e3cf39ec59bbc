#!/usr/bin/env python3
"""Markdown table of the WTA-CRS study's runs (tools/study/wtacrs-study.sh).

    python3 tools/study/summarize.py [runs/study]

One row per run folder that has a metrics.csv: its cell name, test accuracy after each epoch, the
difference of the last one to the dense run of the same dataset and seed 0 (c10-dense-s0 /
c100-dense), training images/s (mean over epochs) and the pool peak. Standard library only.
"""
import csv
import os
import sys


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "runs/study"
    runs = {}
    for name in sorted(os.listdir(root)):
        metrics = os.path.join(root, name, "metrics.csv")
        if os.path.isfile(metrics) and rows(metrics):
            runs[name] = rows(metrics)
    if not runs:
        sys.exit(f"no runs with metrics.csv under {root}")
    epochs = max(len(r) for r in runs.values())
    baseline = {"c10": runs.get("c10-dense-s0"), "c100": runs.get("c100-dense")}
    head = ["run"] + [f"test acc ep{e + 1}" for e in range(epochs)] + ["Δ vs dense s0 (points)", "images/s", "peak MiB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, r in runs.items():
        accs = [100 * float(x["test_accuracy"]) for x in r]
        base = baseline.get(name.split("-")[0])
        delta = ""
        if base and len(base) == len(r) and not name.startswith(("c10-dense-s0", "c100-dense")):
            delta = f"{accs[-1] - 100 * float(base[-1]['test_accuracy']):+.2f}"
        ips = sum(float(x["images_per_second"]) for x in r) / len(r)
        peak = max(int(x["peak_bytes"]) for x in r) / 2**20
        cells = [name] + [f"{a:.2f}" for a in accs] + [""] * (epochs - len(accs)) + [delta, f"{ips:.0f}", f"{peak:.1f}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
