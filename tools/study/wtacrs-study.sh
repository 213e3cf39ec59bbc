#!/usr/bin/env bash
# The WTA-CRS study of issue 18: vit-cifar-tiny, 3 epochs on a seeded 20,000-image subset, one
# `crs train` per cell, run one after another (the CPU has 2 cores: parallel runs only slow each
# other). Resumable: a cell whose run folder already holds its final epoch is skipped, an
# interrupted one is resumed from its last checkpoint. Results: tools/study/summarize.py.
#
#   bash tools/study/wtacrs-study.sh [CELL...]      # default: every cell, in the order below
#
# Cells (name: options). All share the recipe defaults (batch 64, Adam 3e-4, clip 1, cosine).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${STUDY_OUT:-runs/study}
epochs=${STUDY_EPOCHS:-3}
limit=${STUDY_TRAIN_LIMIT:-20000}
# A copy of the build (STUDY_CRS) keeps a rebuild during the study from touching the running binary.
crs=(dotnet "${STUDY_CRS:-src/Cli/bin/Release/net10.0/crs.dll}")

declare -A cells=(
  [c10-dense-s0]="--dataset cifar10 --seed 0"
  [c10-dense-s1]="--dataset cifar10 --seed 1"
  [c10-paper-cached]="--dataset cifar10 --seed 0 --ratio 0.3 --crs-layers paper --policy cached"
  [c10-paper-deferred]="--dataset cifar10 --seed 0 --ratio 0.3 --crs-layers paper --policy deferred"
  [c10-linears-cached]="--dataset cifar10 --seed 0 --ratio 0.3 --crs-layers proj,fc1,fc2 --policy cached"
  [c10-linears-deferred]="--dataset cifar10 --seed 0 --ratio 0.3 --crs-layers proj,fc1,fc2 --policy deferred"
  [c10-paperqkv-cached]="--dataset cifar10 --seed 0 --ratio 0.3 --crs-layers qkv,proj,fc1,fc2,qk,av --policy cached"
  [c10-paperqkv-deferred]="--dataset cifar10 --seed 0 --ratio 0.3 --crs-layers qkv,proj,fc1,fc2,qk,av --policy deferred"
  [c10-paper-cached-s1]="--dataset cifar10 --seed 1 --ratio 0.3 --crs-layers paper --policy cached"
  [c10-paperqkv50-cached]="--dataset cifar10 --seed 0 --ratio 0.3 --crs-layers qkv:0.5,proj,fc1,fc2,qk,av --policy cached"
  [c100-dense]="--dataset cifar100 --seed 0"
  [c100-seedreport-wtacrs]="--dataset cifar100 --seed 0 --ratio 0.3 --crs-layers seed-report --policy deferred"
  [c100-seedreport-topk]="--dataset cifar100 --seed 0 --ratio 0.3 --crs-layers seed-report --policy deferred --estimator topk"
)
order=(c10-dense-s0 c10-paper-cached c10-paper-deferred c10-dense-s1 c10-linears-cached c10-paperqkv-cached
       c10-linears-deferred c10-paperqkv-deferred c100-dense c100-seedreport-wtacrs c100-seedreport-topk
       c10-paper-cached-s1 c10-paperqkv50-cached)
[ $# -gt 0 ] && order=("$@")

for name in "${order[@]}"; do
  opts=${cells[$name]:-}
  if [ -z "$opts" ]; then
    echo "unknown cell '$name'; cells: ${!cells[*]}" >&2
    exit 2
  fi
  dir="$out/$name"
  if [ -f "$dir/metrics.csv" ] && grep -q "^$epochs," "$dir/metrics.csv"; then
    echo "== $name: done"
    continue
  fi
  echo "== $name: crs train $opts"
  if [ -n "$(find "$dir" -name trainer.json 2>/dev/null | head -1)" ]; then
    "${crs[@]}" train --out "$dir" --resume --epochs "$epochs"
  else
    # shellcheck disable=SC2086
    "${crs[@]}" train $opts --epochs "$epochs" --train-limit "$limit" --out "$dir"
  fi
done
