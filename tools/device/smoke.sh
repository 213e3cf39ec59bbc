#!/usr/bin/env bash
# Smoke test of the device bundle, here on the CPU, before device time is spent: builds the bundle,
# then does what a device call does — a copy of the working tree (tracked + untracked-not-ignored
# files, no .git) plus the carried .dotnet-bundle/carry in a temp dir, a PATH with no dotnet on it,
# $OUT an empty folder — and runs tools/device/run.sh there on the packed runtime:
# devices, every bundled test exe (kernels on the ILGPU CPU accelerator + C# backend; the golden
# inputs found from the exe's folder as on the device), a tiny GEMM bench, a tiny memory
# step with its PNG, and the GPU-only jobs, which must report themselves skipped, not failed.
# Then checks what came back against the device tool's limits (<= 8 files, 16 MiB each, 2 folders deep).
# Usage: bash tools/device/smoke.sh [--no-build]   (CRS_SMOKE_KEEP=1 keeps the temp dir)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

if [ "${1:-}" != "--no-build" ]; then
  bash tools/device/bundle.sh || fail "bundle.sh"
fi
carry=.dotnet-bundle/carry
[ -f "$carry/crs-apps.tar.xz" ] || fail "no bundle in $carry (run without --no-build)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crs-smoke.XXXXXX")
[ -n "${CRS_SMOKE_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
device="$tmp/repo"
mkdir -p "$device" "$tmp/OUT" "$tmp/tmp" "$tmp/bin"

# 1. What travels: the working tree as git sees it (no ignored files, no .git), plus the carry folder.
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$device" || fail "copying the working tree"
mkdir -p "$device/.dotnet-bundle" && cp -a "$carry" "$device/.dotnet-bundle/" || fail "copying $carry"
# Staged CIFAR-10 (stage-data.sh split) travels too when it is there, and the `data` job joins it.
jobs="devices tests bench-gemm memory golden torch-step train-smoke memcheck ncu"
staged=.device-data/cifar-10-jpg.tar.gz/part-00
if [ -d "$staged" ]; then
  mkdir -p "$device/$(dirname "$staged")" && cp -a "$staged" "$device/$(dirname "$staged")/" || fail "copying $staged"
  jobs="data $jobs"
fi
travel=$(du -sb "$device" | cut -f1)
echo "smoke: what travels: $((travel / 1048576)) MiB (limit 64)"
[ "$travel" -le $((64 * 1048576)) ] || fail "the tree and the bundle are over 64 MiB"

# 2. A PATH without dotnet: directories holding a dotnet are replaced by links to everything else in them.
path=""
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  if [ -e "$d/dotnet" ]; then
    for f in "$d"/*; do [ "$(basename "$f")" = dotnet ] || ln -sf "$f" "$tmp/bin/" 2>/dev/null; done
  else
    path="$path:$d"
  fi
done
path="$tmp/bin$path"
PATH="$path" command -v dotnet >/dev/null && fail "dotnet is still on the smoke PATH"

# 3. run.sh as on the device: OUT set, TMPDIR fresh (the runtime is unpacked there), CPU device.
echo "smoke: running tools/device/run.sh in $device with no dotnet on PATH"
(
  cd "$device" || exit 2
  env -u DOTNET_ROOT -u DOTNET_HOST_PATH -u MSBUILD_EXE_PATH -u MSBuildExtensionsPath -u MSBuildSDKsPath \
    PATH="$path" TMPDIR="$tmp/tmp" OUT="$tmp/OUT" \
    CRS_DEVICE=cpu CRS_TEST_DEVICE=cpu CRS_GEMM_SIZES=64,128 \
    CRS_MEMORY_MODEL=vit-cifar-tiny CRS_MEMORY_BATCH=2 CRS_MEMORY_RATIOS=1,0.5 CRS_BUDGET_S=3000 \
    bash tools/device/run.sh $jobs
)
code=$?

# 4. What came back, against the device tool's limits, and what it must hold.
out="$tmp/OUT"
mkdir -p "$root/out/smoke"
cp "$out"/* "$root/out/smoke/" 2>/dev/null
files=$(find "$out" -type f | wc -l)
echo "smoke: \$OUT holds $files files: $(cd "$out" && find . -type f -printf '%P (%s B) ')"
[ "$files" -le 8 ] || fail "\$OUT holds $files files; a device call returns at most 8"
[ -z "$(find "$out" -type f -size +16M)" ] || fail "a file in \$OUT is over 16 MiB"
[ -z "$(find "$out" -mindepth 3 -type f)" ] || fail "a file in \$OUT is more than 2 folders down"
[ "$code" -eq 0 ] || fail "run.sh exited with $code (see $root/out/smoke/summary.txt)"
mkdir -p "$tmp/results" && tar -xzf "$out/results.tar.gz" -C "$tmp/results" || fail "results.tar.gz does not unpack"
env_file="$tmp/results/devices/environment.txt"
grep -q "dotnet host: $tmp/tmp/crs-dotnet-" "$env_file" || fail "crs did not run on the runtime unpacked from the bundle ($env_file)"
grep -q "Microsoft.NETCore.App .* \[$tmp/tmp/crs-dotnet-" "$env_file" || fail "the runtime's frameworks are not the unpacked ones"
for exe in CrsIlgpu.Kernels.Tests CrsIlgpu.Model.Tests CrsIlgpu.Training.Tests; do
  [ -s "$tmp/results/tests/$exe.trx" ] || fail "no TRX from $exe"
  grep -Eq "^$exe: [1-9][0-9]* passed, 0 failed" "$tmp/results/tests/tests-summary.txt" || fail "$exe: none passed or some failed"
done
grep -Eq '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' "$tmp/results/tests/tests-summary.txt" || fail "the tests' summary line"
[ -s "$tmp/results/bench-gemm/gemm.json" ] || fail "no gemm.json"
[ -s "$tmp/results/memory/memory.png" ] || fail "no memory.png (SkiaSharp's native library in the bundle?)"
if [ -d "$staged" ]; then
  grep -q "sha256 .* ok" "$tmp/results/data/data.txt" || fail "the staged CIFAR-10 pack did not rejoin with its checksum"
  [ "$(find "$device/data/cifar-10-jpg" -type f | wc -l)" = 60000 ] || fail "data/cifar-10-jpg does not hold 60000 files"
fi
if [ -d "$staged" ]; then
  grep -q "test accuracy" "$tmp/results/train-smoke/train.txt" || fail "train-smoke did not finish a run on the staged CIFAR-10"
else
  [ -f "$tmp/results/train-smoke/SKIPPED" ] || fail "train-smoke ran without staged data; it should skip"
fi
for job in golden torch-step memcheck ncu; do
  [ -f "$tmp/results/$job/SKIPPED" ] || python3 -c 'import torch' 2>/dev/null || fail "$job ran or failed on a machine without a GPU; it should skip"
done
echo "smoke: ok — the bundle ran with no system dotnet: $(grep -E 'passed' "$tmp/results/tests/tests-summary.txt" | tail -n 1)"
