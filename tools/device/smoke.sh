#!/usr/bin/env bash
# Smoke test of the device bundle, here on the CPU, before device time is spent: builds the bundle,
# then does what a device call does — a copy of the working tree (tracked + untracked-not-ignored
# files, no .git) plus the carried .dotnet-bundle/carry in a temp dir, a PATH with no dotnet on it,
# $OUT an empty folder — and runs tools/device/run.sh there on the packed runtime:
# the session's plan `first-light` (every job by value: devices, a tiny GEMM bench, a tiny training
# step, golden, PTX gate, a few kernel-path tests with the kernels on the ILGPU CPU accelerator,
# profile, bench-wtacrs, ncu, data, cifar) at tiny sizes; GPU-only parts must report themselves
# skipped, not failed. Then the CUDA branch with a fake nvidia-smi on PATH (run.sh must refuse a
# call with no budget, pass CRS_DEVICE=cuda, stop the GPU jobs when `crs devices --device cuda`
# fails, run the tests with CRS_TEST_DEVICE=cuda -parallel none -trait Path=Kernel and fail
# loudly), the packing (a result over the archive limit is split off or left out, and said so; a
# call killed mid-job still returns what finished) and a test filter that selects nothing. Every
# call's $OUT is checked against the device tool's limits (<= 8 files, 16 MiB each, 2 folders deep).
# Usage: bash tools/device/smoke.sh [--no-build]   (CRS_SMOKE_KEEP=1 keeps the temp dir;
#        CRS_SMOKE_PARTS="cuda pack" runs only the named parts of: plan cuda pack)
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

# 3. run.sh as on the device: OUT set and empty, TMPDIR fresh (the runtime is unpacked there).
# launch NAME [env...] -- [run.sh args...]: one device call; its exit status in $code, $OUT in
# $tmp/OUT-NAME, its results unpacked in $r. begin + finish do the same with the call in the
# background ($pid: its own session, which the test of a killed call ends as the tool would).
launch() {
  begin "$@"
  wait "$pid"
  code=$?
  finish
}
begin() {
  name=$1
  local out="$tmp/OUT-$1" vars=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  rm -rf "$out" && mkdir -p "$out"
  echo "smoke: $name: ${vars[*]} bash tools/device/run.sh $*"
  (
    cd "$device" || exit 2
    exec setsid env -u DOTNET_ROOT -u DOTNET_HOST_PATH -u MSBUILD_EXE_PATH -u MSBuildExtensionsPath -u MSBuildSDKsPath \
      -u CRS_DEVICE -u CRS_TEST_DEVICE -u CRS_BUDGET_S \
      PATH="$path" TMPDIR="$tmp/tmp" OUT="$out" "${vars[@]}" bash tools/device/run.sh "$@"
  ) >"$tmp/$name.log" 2>&1 &
  pid=$!
}
finish() {
  local out="$tmp/OUT-$name" files
  tail -n 25 "$tmp/$name.log" | sed "s/^/  $name| /"
  # What came back, against the device tool's limits.
  mkdir -p "$root/out/smoke/$name"
  cp "$out"/* "$root/out/smoke/$name/" 2>/dev/null
  cp "$tmp/$name.log" "$root/out/smoke/$name/run.log"
  files=$(find "$out" -type f | wc -l)
  echo "smoke: $name: exit $code; \$OUT holds $files files: $(cd "$out" && find . -type f -printf '%P (%s B) ')"
  [ "$files" -le 8 ] || fail "$name: \$OUT holds $files files; a device call returns at most 8"
  [ -z "$(find "$out" -type f -size +16M)" ] || fail "$name: a file in \$OUT is over 16 MiB"
  [ -z "$(find "$out" -mindepth 3 -type f)" ] || fail "$name: a file in \$OUT is more than 2 folders down"
  r="$tmp/$name"
  rm -rf "$r" && mkdir -p "$r"
  if [ -f "$out/results.tar.gz" ]; then tar -xzf "$out/results.tar.gz" -C "$r" || fail "$name: results.tar.gz does not unpack"; fi
}
summary_of() { cat "$tmp/OUT-$1/summary.txt" 2>/dev/null; }
# has NAME REGEX WHY: summary.txt of call NAME has a line matching REGEX.
has() { summary_of "$1" | grep -Eq "$2" || fail "$1: $3 (summary.txt has no line /$2/; see $root/out/smoke/$1/)"; }

# The CPU runs: tiny sizes, CRS_DEVICE=cpu and the kernels on the ILGPU CPU accelerator.
tiny=(CRS_DEVICE=cpu CRS_TEST_DEVICE=cpu CRS_GEMM_SIZES=64,128 CRS_GEMM_SHAPES=
  CRS_STEP_CASES=vit-cifar-tiny:4 CRS_STEP_STEPS=1 CRS_PROFILE_CASES=vit-cifar-tiny:4 CRS_PROFILE_STEPS=1
  CRS_WTACRS_SIZES=vit-tiny CRS_WTACRS_RATIOS=1,0.3 CRS_CIFAR_ARGS="--epochs 1 --train-limit 256 --test-limit 256")
# The kernel-path filter as on CUDA, narrowed to one class per test exe (xunit ANDs -trait and -class).
few='-class "*SoftmaxOpTests" -class "*SharedTestDevicesTests" -class "*VisionTransformerTests" -class "*FlatAdamTests"'
parts=${CRS_SMOKE_PARTS:-plan cuda pack}

if [[ " $parts " == *" plan "* ]]; then
launch plan "${tiny[@]}" CRS_TEST_PATH=kernel CRS_TEST_ARGS="$few" -- --budget 3000 first-light
[ "$code" -eq 0 ] || fail "plan: run.sh exited with $code (see $root/out/smoke/plan/summary.txt)"
env_file="$r/devices/environment.txt"
grep -q "dotnet host: $tmp/tmp/crs-dotnet-" "$env_file" || fail "crs did not run on the runtime unpacked from the bundle ($env_file)"
grep -q "Microsoft.NETCore.App .* \[$tmp/tmp/crs-dotnet-" "$env_file" || fail "the runtime's frameworks are not the unpacked ones"
grep -q '"cuda"' "$r/devices/devices.json" || fail "crs devices --json has no cuda facts"
[ -s "$r/devices/driver.txt" ] || fail "no driver facts (devices/driver.txt)"
[ -d "$r/logs" ] || fail "no logs/ folder (CRS_LOG_DIR) in the archive"
for exe in CrsIlgpu.Kernels.Tests CrsIlgpu.Model.Tests CrsIlgpu.Training.Tests; do
  [ -s "$r/tests/$exe.trx" ] || fail "no TRX from $exe"
  grep -Eq "^$exe: [1-9][0-9]* passed, 0 failed" "$r/tests/tests-summary.txt" || fail "$exe: none passed or some failed"
  grep -q "^$exe: CRS_TEST_DEVICE=cpu -parallelAlgorithm conservative -trait Path=Kernel -class" "$r/tests/tests-commands.txt" \
    || fail "$exe: not run with the kernel-path trait filter (tests/tests-commands.txt)"
done
grep -Eq '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' "$r/tests/tests-summary.txt" || fail "the tests' summary line"
[ -s "$r/bench-gemm/gemm.json" ] || fail "no gemm.json"
grep -q '"crs_images_per_second"' "$r/step/step.json" || fail "step: no crs bench step JSON"
# golden skips where the job's python3 has no torch; where it has (Debian's python3-torch), it must pass.
[ -f "$r/golden/SKIPPED" ] || grep -Eq '^[0-9]+ passed, 0 failed' "$r/golden/tests-summary.txt" || fail "golden ran and failed"
# compare mode writes one folder per ratio (rho-1/, rho-0.3/) and compare.json beside them
grep -q '"images_per_second"' "$r/profile/profile-vit-cifar-tiny-b4/rho-1/profile.json" || fail "no profile JSON (rho-1)"
[ -s "$r/profile/profile-vit-cifar-tiny-b4/compare.json" ] || fail "no compare.json"
[ -s "$r/bench-wtacrs/wtacrs.json" ] || fail "no wtacrs.json"
[ -f "$r/ncu/SKIPPED" ] || fail "ncu ran or failed on a machine without a GPU; it should skip"
if [ -d "$staged" ]; then
  grep -q "sha256 .* ok" "$r/data/data.txt" || fail "the staged CIFAR-10 pack did not rejoin with its checksum"
  grep -q "test accuracy" "$r/cifar/dense.txt" || fail "cifar did not finish a dense run on the staged CIFAR-10"
  grep -q "test accuracy" "$r/cifar/wtacrs-0.3.txt" || fail "cifar did not finish a rho=0.3 run"
else
  [ -f "$r/cifar/SKIPPED" ] || fail "cifar ran without staged data; it should skip"
fi
order=$(summary_of plan | awk '$1 !~ /^#/ && $2 ~ /^([0-9]+s|-)$/ {print $1}' | tr '\n' ' ')
[ "$order" = "devices bench-gemm step golden kernels tests profile bench-wtacrs ncu data cifar " ] || fail "plan: jobs ran in the order '$order'"
summary_of plan | grep -q RUNNING && fail "plan: summary.txt still says a job is running"
fi

if [[ " $parts " == *" cuda "* ]]; then
# The CUDA branch, on this machine without a GPU: a fake nvidia-smi that reports one. Here CUDA is
# broken for real (no driver), which is the case run.sh must catch.
mkdir -p "$tmp/fake-gpu"
cat >"$tmp/fake-gpu/nvidia-smi" <<'FAKE'
#!/usr/bin/env bash
case " $* " in
  *" -L "*) echo "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-smoke0000000)" ;;
  *--query-gpu*) echo "NVIDIA H100 80GB HBM3 (fake: smoke.sh), 580.00.00, 81559 MiB" ;;
  *) echo "fake nvidia-smi (tools/device/smoke.sh): there is no GPU" ;;
esac
FAKE
chmod +x "$tmp/fake-gpu/nvidia-smi"
real_path=$path
path="$tmp/fake-gpu:$real_path"

launch cuda-no-budget -- first-light
[ "$code" -eq 2 ] || fail "cuda-no-budget: run.sh ran a plan on a GPU with no budget (exit $code)"
grep -q "no budget" "$tmp/cuda-no-budget.log" || fail "cuda-no-budget: the refusal does not say why"
grep -q "budget_left_s - 120" "$tmp/cuda-no-budget.log" || fail "cuda-no-budget: the refusal does not give the formula"

launch cuda-broken -- --budget 400 first-light
[ "$code" -ne 0 ] || fail "cuda-broken: run.sh passed with CUDA unusable"
has cuda-broken '^# CRS_DEVICE=cuda CRS_TEST_DEVICE=cuda ' "CRS_DEVICE and CRS_TEST_DEVICE are not cuda with a GPU present"
has cuda-broken '^devices .*FAILED' "the devices job did not fail on a GPU whose CUDA cannot run"
[ -s "$r/devices/CUDA_UNUSABLE" ] || fail "cuda-broken: no devices/CUDA_UNUSABLE"
for job in bench-gemm step golden tests profile bench-wtacrs ncu cifar; do
  has cuda-broken "^$job .*NOT RUN \(CUDA unusable" "$job ran although CUDA is unusable"
done
for job in kernels data; do
  summary_of cuda-broken | grep -E "^$job " | grep -q "NOT RUN" && fail "cuda-broken: $job needs no GPU but was not run"
done
[ -d "$r/tests" ] && fail "cuda-broken: the tests job ran"

launch cuda-tests CRS_TEST_PROJECTS=CrsIlgpu.Kernels.Tests CRS_TEST_ARGS='-class "*SharedTestDevicesTests"' -- --budget 300 tests
[ "$code" -ne 0 ] || fail "cuda-tests: kernel tests passed with CRS_TEST_DEVICE=cuda and no CUDA: they ran on the CPU"
grep -q '^CrsIlgpu.Kernels.Tests: CRS_TEST_DEVICE=cuda -parallel none -trait Path=Kernel -class \*SharedTestDevicesTests$' "$r/tests/tests-commands.txt" \
  || fail "cuda-tests: not run with CRS_TEST_DEVICE=cuda -parallel none -trait Path=Kernel ($(cat "$r/tests/tests-commands.txt" 2>/dev/null))"
has cuda-tests '^    CrsIlgpu.Kernels.Tests: [0-9]+ passed, [1-9][0-9]* failed' "the kernel tests did not fail loudly on a broken CUDA"
path=$real_path
fi

if [[ " $parts " == *" pack "* ]]; then
# An archive over the limit (1 MiB here): the 3 MiB result is split into 3 parts (3 slots), the
# 1.5 MiB one finds no slot left and is left out, the small one stays in results.tar.gz.
launch pack CRS_ARCHIVE_LIMIT=1048576 CRS_MAX_EXTRAS=3 -- pack-test
[ "$code" -eq 0 ] || fail "pack: run.sh exited with $code"
out="$tmp/OUT-pack"
[ "$(stat -c %s "$out/results.tar.gz")" -le 1048576 ] || fail "pack: results.tar.gz is over CRS_ARCHIVE_LIMIT"
[ -f "$r/pack-test/file-2.bin" ] && [ -f "$r/pack-test/sha256.txt" ] || fail "pack: the small results are not in results.tar.gz"
[ -f "$r/pack-test/file-0.bin" ] && fail "pack: the big result is still in results.tar.gz"
has pack 'packing: pack-test/file-0.bin \(3072 KiB\) split into \$OUT/x-pack-test_file-0.bin.part00..02' "the split is not said"
has pack 'packing: pack-test/file-1.bin \(1536 KiB\) LEFT OUT' "the left-out item is not said"
want=$(awk '$2 == "file-0.bin" {print $1}' "$r/pack-test/sha256.txt")
[ "$(cat "$out"/x-pack-test_file-0.bin.part* | sha256sum | cut -d' ' -f1)" = "$want" ] || fail "pack: the parts do not rejoin to the result"

# A call killed at its limit (as the device tool does: the whole process group, SIGKILL) mid-job
# still returns the summary and archive of the jobs that finished, and names the job it was cut in.
begin killed CRS_DEVICE=cpu CRS_PACK_TEST_KIB=8 CRS_PACK_TEST_SLEEP=600 -- --budget 900 devices pack-test
for _ in $(seq 1 240); do
  grep -q '^pack-test .*RUNNING' "$tmp/OUT-killed/summary.txt" 2>/dev/null && break
  sleep 1
done
sleep 2
pkill -KILL -s "$pid"  # every process of the call's session (run.sh, its job, timeout's group)
wait "$pid"
code=$?
finish
[ "$code" -eq 137 ] || fail "killed: the call was not killed (exit $code)"
has killed '^devices .* ok' "the finished job is not in the summary of a killed call"
has killed '^pack-test .*RUNNING' "the job the call was cut in is not named"
[ -s "$tmp/killed/devices/devices.json" ] || fail "killed: the finished job's results did not come back"

# A test filter that selects nothing fails instead of passing as "0 failed".
launch nothing CRS_DEVICE=cpu CRS_TEST_DEVICE=cpu CRS_TEST_PROJECTS=CrsIlgpu.Kernels.Tests CRS_TEST_ARGS='-class "*NoSuchTests"' -- tests
[ "$code" -ne 0 ] || fail "nothing: a test filter that selected 0 tests passed"
has nothing 'the filter selected 0 tests' "a filter that selected 0 tests is not said"
fi
echo "smoke: ok — parts ($parts) ran with no system dotnet"
