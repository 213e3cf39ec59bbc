#!/usr/bin/env bash
# Smoke test of the device bundle, here on the CPU, before device time is spent: builds the bundle,
# then does what a device call does — a copy of the working tree (tracked + untracked-not-ignored
# files, no .git) plus the carried .dotnet-bundle/carry in a temp dir, a PATH with no dotnet on it,
# $OUT an empty folder — and runs tools/device/run.sh there on the packed runtime:
# the two plans of a session, each as its own call with its own empty $OUT — `first-light` (devices,
# PTX gate, the Kernels and Model tests with the kernels on the ILGPU CPU accelerator, golden, a
# tiny GEMM bench, a tiny training step) and `study` (profile, bench-wtacrs, ncu, data, cifar) at
# tiny sizes; GPU-only parts must report themselves skipped, not failed. Then checks what came back
# against the device tool's limits (<= 8 files, 16 MiB each, 2 folders deep).
# Usage: bash tools/device/smoke.sh [--no-build]   (CRS_SMOKE_KEEP=1 keeps the temp dir;
#        CRS_SMOKE_PLANS="study" runs only the named plans)
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
mkdir -p "$device" "$tmp/tmp" "$tmp/bin"

# 1. What travels: the working tree as git sees it (no ignored files, no .git), plus the carry folder.
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$device" || fail "copying the working tree"
mkdir -p "$device/.dotnet-bundle" && cp -a "$carry" "$device/.dotnet-bundle/" || fail "copying $carry"
# Staged CIFAR-10 (stage-data.sh split) travels too when it is there, and the `data` job joins it.
staged=.device-data/cifar-10-jpg.tar.gz/part-00
if [ -d "$staged" ]; then
  mkdir -p "$device/$(dirname "$staged")" && cp -a "$staged" "$device/$(dirname "$staged")/" || fail "copying $staged"
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

# 3. run.sh as on the device, once per plan: OUT set and empty, TMPDIR fresh (the runtime is unpacked there), CPU device.
call() {  # call PLAN: run.sh PLAN as one device call; results unpacked into $tmp/PLAN
  local plan=$1 out="$tmp/OUT-$1" code files
  mkdir -p "$out"
  echo "smoke: running tools/device/run.sh $plan in $device with no dotnet on PATH"
  (
    cd "$device" || exit 2
    env -u DOTNET_ROOT -u DOTNET_HOST_PATH -u MSBUILD_EXE_PATH -u MSBuildExtensionsPath -u MSBuildSDKsPath \
      PATH="$path" TMPDIR="$tmp/tmp" OUT="$out" \
      CRS_DEVICE=cpu CRS_TEST_DEVICE=cpu CRS_GEMM_SIZES=64,128 CRS_GEMM_SHAPES= \
      CRS_STEP_CASES=vit-cifar-tiny:4 CRS_STEP_STEPS=1 CRS_PROFILE_CASES=vit-cifar-tiny:4 CRS_PROFILE_STEPS=1 \
      CRS_WTACRS_SIZES=vit-tiny CRS_WTACRS_RATIOS=1,0.3 CRS_CIFAR_ARGS="--epochs 1 --train-limit 256 --test-limit 256" \
      CRS_BUDGET_S=3000 bash tools/device/run.sh "$plan"
  )
  code=$?
  # 4. What came back, against the device tool's limits.
  mkdir -p "$root/out/smoke/$plan"
  cp "$out"/* "$root/out/smoke/$plan/" 2>/dev/null
  files=$(find "$out" -type f | wc -l)
  echo "smoke: $plan: \$OUT holds $files files: $(cd "$out" && find . -type f -printf '%P (%s B) ')"
  [ "$files" -le 8 ] || fail "$plan: \$OUT holds $files files; a device call returns at most 8"
  [ -z "$(find "$out" -type f -size +16M)" ] || fail "$plan: a file in \$OUT is over 16 MiB"
  [ -z "$(find "$out" -mindepth 3 -type f)" ] || fail "$plan: a file in \$OUT is more than 2 folders down"
  [ "$code" -eq 0 ] || fail "$plan: run.sh exited with $code (see $root/out/smoke/$plan/summary.txt)"
  mkdir -p "$tmp/$plan" && tar -xzf "$out/results.tar.gz" -C "$tmp/$plan" || fail "$plan: results.tar.gz does not unpack"
}

plans=${CRS_SMOKE_PLANS:-first-light study}
if [[ " $plans " == *" first-light "* ]]; then
call first-light
r="$tmp/first-light"
env_file="$r/devices/environment.txt"
grep -q "dotnet host: $tmp/tmp/crs-dotnet-" "$env_file" || fail "crs did not run on the runtime unpacked from the bundle ($env_file)"
grep -q "Microsoft.NETCore.App .* \[$tmp/tmp/crs-dotnet-" "$env_file" || fail "the runtime's frameworks are not the unpacked ones"
grep -q '"cuda"' "$r/devices/devices.json" || fail "crs devices --json has no cuda facts"
[ -s "$r/devices/driver.txt" ] || fail "no driver facts (devices/driver.txt)"
for exe in CrsIlgpu.Kernels.Tests CrsIlgpu.Model.Tests; do
  [ -s "$r/tests/$exe.trx" ] || fail "no TRX from $exe"
  grep -Eq "^$exe: [1-9][0-9]* passed, 0 failed" "$r/tests/tests-summary.txt" || fail "$exe: none passed or some failed"
done
grep -Eq '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' "$r/tests/tests-summary.txt" || fail "the tests' summary line"
[ -s "$r/bench-gemm/gemm.json" ] || fail "no gemm.json"
grep -q '"crs_images_per_second"' "$r/step/step.json" || fail "step: no crs bench step JSON"
# golden skips where the job's python3 has no torch; where it has (Debian's python3-torch), it must pass.
[ -f "$r/golden/SKIPPED" ] || grep -Eq '^[0-9]+ passed, 0 failed' "$r/golden/tests-summary.txt" || fail "golden ran and failed"
fi

if [[ " $plans " == *" study "* ]]; then
call study
r="$tmp/study"
# compare mode writes one folder per ratio (rho-1/, rho-0.3/) and compare.json beside them
grep -q '"images_per_second"' "$r/profile/profile-vit-cifar-tiny-b4/rho-1/profile.json" || fail "study: no profile JSON (rho-1)"
[ -s "$r/profile/profile-vit-cifar-tiny-b4/compare.json" ] || fail "study: no compare.json"
[ -s "$r/bench-wtacrs/wtacrs.json" ] || fail "study: no wtacrs.json"
[ -f "$r/ncu/SKIPPED" ] || fail "ncu ran or failed on a machine without a GPU; it should skip"
if [ -d "$staged" ]; then
  grep -q "sha256 .* ok" "$r/data/data.txt" || fail "the staged CIFAR-10 pack did not rejoin with its checksum"
  grep -q "test accuracy" "$r/cifar/dense.txt" || fail "cifar did not finish a dense run on the staged CIFAR-10"
  grep -q "test accuracy" "$r/cifar/wtacrs-0.3.txt" || fail "cifar did not finish a rho=0.3 run"
else
  [ -f "$r/cifar/SKIPPED" ] || fail "cifar ran without staged data; it should skip"
fi
fi
echo "smoke: ok — plans ($plans) ran with no system dotnet${CRS_SMOKE_PLANS:+ (CRS_SMOKE_PLANS)}"
