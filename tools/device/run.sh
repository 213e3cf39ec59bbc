#!/usr/bin/env bash
# Runs ON the GPU machine (no .NET SDK there), from the repo root, with .dotnet-bundle/carry carried
# (tools/device/bundle.sh makes it). Also runs here on the CPU, unchanged: tools/device/smoke.sh.
#
#   bash tools/device/run.sh --budget S first-light   the session's call (tools/device/README.md): every job by value
#   bash tools/device/run.sh --budget S study          the study-only tail of first-light
#   bash tools/device/run.sh --budget S JOB [JOB ...]  e.g. devices tests bench-gemm
#   bash tools/device/run.sh --list                    the jobs and what each records
#
# Where nvidia-smi sees a GPU the budget is required (--budget S or CRS_BUDGET_S): the caller
# computes it from the device tool's status, S = min(timeout_s, budget_left_s - 120 if not warm) - 40.
# Unpacks the packed .NET runtime into a temp dir (once per runtime) and the apps into
# .dotnet-bundle/apps (once per bundle), sets DOTNET_ROOT/PATH to the packed runtime, and runs each
# job in turn. Every job writes under <results>/<job>/. Before the first job and after EVERY job,
# $OUT/summary.txt and $OUT/results.tar.gz are rewritten (tmp + mv), so a call killed at its limit
# still returns what finished; an archive over 16 MiB has its biggest items split off into their own
# $OUT files or left out, and summary.txt says which (a device call returns at most 8 files).
# Without $OUT: ./out/. Exit status: 0 when no job failed (skipped jobs do not fail).
#
# Adding a job: write a function job_<name> (dashes become underscores) with a one-line
# "# job: <what it records>" comment above it. It gets $R (its results folder) and the helpers
# crs, run_tests, need, skip; it returns 0 (ok), 1 (failed) or 3 (skipped: call `skip "why"`).
#
# Knobs (environment):
#   CRS_BUDGET_S        seconds the call may spend (same as --budget); required on a GPU, else 3600
#   CRS_DEVICE          device for crs commands: cuda (default where nvidia-smi sees a GPU) | auto (default elsewhere) | cpu
#   CRS_TEST_DEVICE     the kernel tests' "kernels" device: cuda (default where nvidia-smi sees a GPU) | cpu
#   CRS_TEST_PROJECTS   which bundled test exes `tests` runs (default: all), e.g. "CrsIlgpu.Kernels.Tests"
#   CRS_TEST_PATH       tests: kernel (only [KernelPath] tests, -trait Path=Kernel; default on CUDA) | all (default elsewhere)
#   CRS_TEST_ARGS       extra xunit arguments for `tests`, e.g. '-class "*GemmTests"'
#   CRS_TESTS_S         the tests job's cap (default 240 s; see CRS_JOB_CAPS)
#   CRS_JOB_CAPS        per-job caps in seconds, on by default on a GPU: "tests=300 ncu=off", off, or on
#   CRS_ARCHIVE_LIMIT   bytes results.tar.gz may have (default 16 MiB - 64 KiB); CRS_MAX_EXTRAS split-off files (default 6)
#   CRS_GEMM_SIZES      bench-gemm square sizes (default 1024,2048,3072,4096)
#   CRS_GEMM_SHAPES     bench-gemm ViT layer shapes (default vit-tiny,vit-b16; empty: none)
#   CRS_OPS_SIZES, CRS_OPS_ARGS           bench-ops (default vit-tiny,vit-b16; --no-reference)
#   CRS_WTACRS_SIZES, CRS_WTACRS_RATIOS   bench-wtacrs (default vit-tiny,vit-b16; 1,0.5,0.3,0.1)
#   CRS_MEMORY_MODEL, CRS_MEMORY_BATCH, CRS_MEMORY_RATIOS   memory (default vit-b16, 64, 1,0.5,0.3)
#   CRS_STEP_CASES      torch-step cases "model:batch ..." (default "vit-cifar-tiny:128 vit-b16:64")
#   CRS_STEP_STEPS      torch-step timed steps (default 20)
#   CRS_MEMCHECK_ARGS   xunit filter for memcheck (default: every kernel test class)
#   CRS_STEP_CASES and CRS_STEP_STEPS serve the step job too (10 steps there by default)
#   CRS_PROFILE_CASES   profile's compare cases (default "vit-cifar-tiny:128 vit-b16:64")
#   CRS_NCU_COUNT       ncu: GEMM launches profiled (default 1)
#   CRS_CIFAR_ARGS      cifar: train options (default --epochs 10; the plans: --epochs 1)
# Set by run.sh: CRS_LOG_DIR=<results>/logs (a kernel's JIT log comes back in the archive).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bundle="$root/.dotnet-bundle"
carry="${CRS_BUNDLE_CARRY:-$bundle/carry}"

die() { echo "run: error: $*" >&2; exit 2; }
say() { echo "run: $*" >&2; }

list_jobs() { declare -F | awk '{print $3}' | grep '^job_' | sed 's/^job_//; s/_/-/g'; }
describe_jobs() {
  local name
  for name in $(list_jobs); do
    printf '  %-13s %s\n' "$name" "$(grep -B1 "^job_${name//-/_}()" "$0" | sed -n 's/^# job: //p')"
  done
}

# --- the packed runtime and apps ------------------------------------------------------------------

# untar_xz ARCHIVE DIR: tar -xJf, or Python's tarfile where the machine has no xz (CRS_UNTAR=python forces it).
untar_xz() {
  if [ "${CRS_UNTAR:-}" != python ] && command -v xz >/dev/null 2>&1; then
    tar -xJf "$1" -C "$2"
  else
    python3 - "$1" "$2" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as archive:
    if hasattr(tarfile, "tar_filter"):
        archive.extractall(sys.argv[2], filter="tar")  # keeps modes (the executables), refuses paths outside
    else:
        archive.extractall(sys.argv[2])
PY
  fi
}

setup_dotnet() {
  local runtime apps_tar sum stamp tmp
  runtime=$(ls "$carry"/dotnet-runtime-*-linux-x64.tar.xz 2>/dev/null | head -n 1)
  [ -n "$runtime" ] || die "no $carry/dotnet-runtime-*.tar.xz: run tools/device/bundle.sh here and carry .dotnet-bundle/carry"
  apps_tar="$carry/crs-apps.tar.xz"
  [ -f "$apps_tar" ] || die "no $apps_tar: run tools/device/bundle.sh and carry .dotnet-bundle/carry"

  # The runtime: into a temp dir named by its checksum, so a warm machine unpacks it once.
  sum=$(sha256sum "$runtime" | cut -c1-16)
  DOTNET_ROOT="${CRS_DOTNET_DIR:-${TMPDIR:-/tmp}/crs-dotnet-$sum}"
  if [ ! -x "$DOTNET_ROOT/dotnet" ]; then
    say "unpacking $(basename "$runtime") into $DOTNET_ROOT"
    tmp="$DOTNET_ROOT.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp" && untar_xz "$runtime" "$tmp" || die "could not unpack $runtime"
    rm -rf "$DOTNET_ROOT" && mv "$tmp" "$DOTNET_ROOT"
  fi
  # The apps: under the repo root, because the golden test finds tests/golden by walking up from the exe.
  sum=$(sha256sum "$apps_tar" | cut -c1-16)
  APPS="$bundle/apps"
  stamp="$APPS/.bundle-sha256"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    say "unpacking crs-apps.tar.xz into $APPS"
    tmp="$bundle/apps.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp" && untar_xz "$apps_tar" "$tmp" || die "could not unpack $apps_tar"
    echo "$sum" >"$tmp/apps/.bundle-sha256"
    rm -rf "$APPS" && mv "$tmp/apps" "$APPS" && rm -rf "$tmp"
  fi
  export DOTNET_ROOT APPS
  export PATH="$DOTNET_ROOT:$PATH"
  # CUDA's tools (ptxas, ncu, compute-sanitizer) and the driver library ILGPU loads (libcuda.so.1),
  # where the image has them off the default paths.
  local d
  for d in /usr/local/cuda/bin /usr/local/nvidia/bin; do
    [ -d "$d" ] && case ":$PATH:" in *":$d:"*) ;; *) PATH="$PATH:$d" ;; esac
  done
  if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; then
    # The compat libcuda last: it works only with a matching kernel driver (else error 803).
    for d in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/cuda/compat; do
      [ -e "$d/libcuda.so.1" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" && break
    done
  fi
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TESTINGPLATFORM_TELEMETRY_OPTOUT=1
  export DOTNET_gcServer=0
}

# --- helpers for jobs ----------------------------------------------------------------------------

# crs ARGS: the bundled crs on the packed runtime (explicit host path: never a system dotnet), on
# $CRS_DEVICE (--device is a recursive option of the root command, so it may come last).
crs() { "$DOTNET_ROOT/dotnet" "$APPS/crs/crs.dll" "$@" --device "${CRS_DEVICE:-auto}"; }

# crs_has COMMAND: whether this build of crs has a subcommand.
# Read off the root's help: `crs train --help` prints the root's help and exits 0 when train is absent.
crs_has() { crs --help 2>/dev/null | sed -n '/^Commands:/,$p' | grep -qE "^  $1( |$)"; }

# need TOOL...: skip the job unless every tool is on PATH.
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { skip "$tool not found"; return 3; }
  done
}

# skip WHY: record why a job did not run (the caller then returns 3).
skip() { echo "$*" >"$R/SKIPPED"; say "$job skipped: $*"; }

has_gpu() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; }

has_torch_cuda() { python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; }

# job_cap JOB: the most seconds one job may take (empty: only the budget), so one job that hangs
# cannot take the whole call. On by default where nvidia-smi sees a GPU; CRS_JOB_CAPS="tests=300
# ncu=off" overrides some, CRS_JOB_CAPS=off turns them off, CRS_JOB_CAPS=on turns them on here.
# The defaults are generous guesses for an H100 (no GPU run has timed them yet); tests is sized
# from its measured selection (tools/device/README.md).
job_cap() {
  local caps=${CRS_JOB_CAPS:-} entry
  [ "$caps" = off ] && return
  has_gpu || [ -n "$caps" ] || return
  for entry in $caps; do
    [ "${entry%%=*}" = "$1" ] && { [ "${entry#*=}" = off ] || echo "${entry#*=}"; return; }
  done
  case $1 in
    devices) echo 120 ;;
    bench-gemm | profile | ncu | bench-ops | memory | torch-step) echo 180 ;;
    step) echo 240 ;;
    golden | kernels) echo 150 ;;
    tests) echo "${CRS_TESTS_S:-240}" ;;
    bench-wtacrs | train-smoke) echo 120 ;;
    data) echo 60 ;;
    cifar) echo 300 ;;
    memcheck) echo 400 ;;
  esac
}

# counters TRX: "passed failed skipped" from a TRX's <Counters/> element.
counters() {
  local line get total passed failed
  line=$(grep -o '<Counters[^>]*>' "$1" 2>/dev/null | head -n 1)
  [ -n "$line" ] || { echo "0 1 0"; return; }
  get() { echo "$line" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$(get total); passed=$(get passed)
  failed=$(( $(get failed) + $(get error) + $(get timeout) + $(get aborted) ))
  echo "$passed $failed $((total - passed - failed))"
}

# run_tests EXE_NAME OUTDIR [xunit args...]: one bundled test exe with a TRX and a log; prints
# "N passed, M failed, K skipped" for it; returns 1 if any failed or the runner gave no TRX.
run_tests() {
  local name=$1 out=$2 code p f s
  shift 2
  local dll="$APPS/tests/$name/$name.dll"
  [ -f "$dll" ] || { echo "$name: not in the bundle" | tee -a "$out/tests-summary.txt"; return 1; }
  # On CUDA the tests run one at a time: a faulting kernel poisons its CUDA context, and only then
  # does the fault guard (tests/Shared/CudaFaultGuard.cs) name the test that caused it.
  local parallel=(-parallelAlgorithm conservative)
  [ "${CRS_TEST_DEVICE:-cpu}" = cuda ] && parallel=(-parallel none)
  echo "$name: CRS_TEST_DEVICE=${CRS_TEST_DEVICE:-cpu} ${parallel[*]} $*" >>"$out/tests-commands.txt"
  say "$name (CRS_TEST_DEVICE=${CRS_TEST_DEVICE:-cpu}) ${parallel[*]} $*"
  CRS_CUDA_FAULT_LOG="$out/cuda-fault.txt" "$DOTNET_ROOT/dotnet" "$dll" -noColor -noLogo "${parallel[@]}" -result-trx "$out/$name.trx" "$@" >"$out/$name.log" 2>&1
  code=$?
  [ -s "$out/cuda-fault.txt" ] && sed "s/^/$name: /" "$out/cuda-fault.txt" | sort -u | tee -a "$out/tests-summary.txt" >&2
  grep -E '\[FAIL\]' "$out/$name.log" | head -n 20 >&2
  read -r p f s < <(counters "$out/$name.trx")
  [ -f "$out/$name.trx" ] || f=$((f > 0 ? f : 1))
  # A filter that selects nothing (a renamed trait or class) must not pass as "0 failed".
  if [ -f "$out/$name.trx" ] && [ $((p + f + s)) -eq 0 ]; then
    f=1
    echo "$name: the filter selected 0 tests ($*)" | tee -a "$out/tests-summary.txt"
  fi
  echo "$name: $p passed, $f failed, $s skipped (exit $code)" | tee -a "$out/tests-summary.txt"
  echo "$p $f $s" >>"$out/.counts"
  [ "$f" -eq 0 ] && [ "$code" -eq 0 ]
}

# totals OUTDIR: the plain line over every run_tests in OUTDIR.
totals() {
  awk '{p += $1; f += $2; s += $3} END {printf "%d passed, %d failed, %d skipped\n", p, f, s}' "$1/.counts" | tee -a "$1/tests-summary.txt"
}

# --- jobs ----------------------------------------------------------------------------------------

# job: crs devices (table + JSON), runtime, nvidia-smi -q, torch/CUDA versions, ptxas/ncu/compute-sanitizer presence
job_devices() {
  {
    echo "uname: $(uname -a)"
    echo "dotnet host: $DOTNET_ROOT/dotnet"
    "$DOTNET_ROOT/dotnet" --list-runtimes
    echo "python3: $(command -v python3) $(python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -n 1)"
    for tool in nvidia-smi ptxas nvcc ncu compute-sanitizer xz; do echo "$tool: $(command -v "$tool" || echo absent)"; done
    echo "libcuda: $(ldconfig -p 2>/dev/null | grep -m1 'libcuda\.so\.1' || echo 'not in ldconfig') LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  } | tee "$R/environment.txt"
  has_gpu && nvidia-smi -q >"$R/nvidia-smi.txt" 2>&1
  # What ILGPU 1.5.3 needs from the driver: the library by its soname, and the (legacy) entry points it binds.
  {
    echo "== ldconfig -p | grep libcuda"; ldconfig -p 2>/dev/null | grep libcuda || echo "(none)"
    local lib
    lib=$(ldconfig -p 2>/dev/null | awk '/libcuda\.so\.1 /{print $NF; exit}')
    echo "== nm -D ${lib:-libcuda.so.1}: entry points ILGPU binds"
    if [ -n "$lib" ] && command -v nm >/dev/null 2>&1; then
      for sym in cuInit cuDriverGetVersion cuCtxCreate_v2 cuCtxGetSharedMemConfig cuCtxSetSharedMemConfig cuModuleLoadDataEx cuLaunchKernel cuMemAlloc_v2 cuStreamCreate; do
        nm -D --defined-only "$lib" 2>/dev/null | grep -qw "$sym" && echo "$sym: exported" || echo "$sym: MISSING"
      done
    else
      echo "(no libcuda.so.1 in ldconfig, or no nm)"
    fi
  } | tee "$R/driver.txt"
  crs devices | tee "$R/devices.txt"
  crs devices --json >"$R/devices.json"
  # The resolver alone, with no LD_LIBRARY_PATH help from setup_dotnet.
  env -u LD_LIBRARY_PATH "$DOTNET_ROOT/dotnet" "$APPS/crs/crs.dll" devices --json >"$R/devices-no-ld-path.json" 2>&1
  # Where a GPU is there (or CRS_DEVICE=cuda): can CUDA run a kernel? `crs devices --device cuda`
  # exits non-zero when it cannot (the first-contact probe); a listing without a Cuda device is no
  # better. Then the plan runs no GPU job (run.sh's main loop reads CUDA_UNUSABLE) and packs.
  if has_gpu || [ "$CRS_DEVICE" = cuda ]; then
    local code
    "$DOTNET_ROOT/dotnet" "$APPS/crs/crs.dll" devices --device cuda >"$R/devices-cuda.txt" 2>&1
    code=$?
    "$DOTNET_ROOT/dotnet" "$APPS/crs/crs.dll" devices --device cuda --json >"$R/devices-cuda.json" 2>>"$R/devices-cuda.txt"
    cat "$R/devices-cuda.txt"
    if [ "$code" -ne 0 ]; then
      # The probe's one `error:` line says at which stage and why; any line naming CUDA otherwise.
      echo "crs devices --device cuda exited $code: $( (grep -m1 '^error:' "$R/devices-cuda.txt" || grep -m1 -iE 'error|cuda' "$R/devices-cuda.txt") | cut -c1-300)" >"$R/CUDA_UNUSABLE"
    elif ! grep -q '"kind": "Cuda"' "$R/devices-cuda.json"; then
      echo "crs devices --device cuda lists no CUDA device" >"$R/CUDA_UNUSABLE"
    fi
    [ -f "$R/CUDA_UNUSABLE" ] && { cat "$R/CUDA_UNUSABLE" >&2; return 1; }
  fi
  return 0
}

# job: PTX gate with the machine's own ptxas (CUDA 13 on the GPU machine): registers, spills, shared memory
job_kernels() {
  need ptxas || return 3
  crs kernels --arch sm_80,sm_90 --out "$R/ptx" | tee "$R/kernels.txt"
  local code=${PIPESTATUS[0]}
  tar -czf "$R/ptx.tar.gz" -C "$R" ptx && rm -rf "$R/ptx"
  return "$code"
}

# job: the bundled test exes; on CUDA the kernel-path tests only (-trait Path=Kernel): TRX, log, "N passed, M failed, K skipped"
job_tests() {
  local name ok=0 filter=()
  local projects=${CRS_TEST_PROJECTS:-$(ls "$APPS/tests")}
  # On CUDA only the tests that run kernels on the kernels device ([KernelPath], tests/Shared):
  # the C#-only ones prove nothing new there. CRS_TEST_PATH=all|kernel overrides.
  local path=${CRS_TEST_PATH:-$([ "${CRS_TEST_DEVICE:-cpu}" = cuda ] && echo kernel || echo all)}
  [ "$path" = kernel ] && filter=(-trait "Path=Kernel")
  eval "set -- ${CRS_TEST_ARGS:-}"
  for name in $projects; do
    run_tests "$name" "$R" "${filter[@]}" "$@" || ok=1
  done
  totals "$R"
  return $ok
}

# job: compute-sanitizer memcheck over the kernel tests on CUDA (slow: narrow with CRS_MEMCHECK_ARGS)
job_memcheck() {
  need compute-sanitizer || return 3
  has_gpu || { skip "no GPU"; return 3; }
  local dll="$APPS/tests/CrsIlgpu.Kernels.Tests/CrsIlgpu.Kernels.Tests.dll"
  eval "set -- ${CRS_MEMCHECK_ARGS:-}"
  CRS_TEST_DEVICE=cuda compute-sanitizer --tool memcheck --error-exitcode 9 \
    --log-file "$R/memcheck.txt" "$DOTNET_ROOT/dotnet" "$dll" -noColor -noLogo -result-trx "$R/memcheck.trx" "$@" >"$R/tests.log" 2>&1
  local code=$?
  tail -n 5 "$R/memcheck.txt" >&2
  read -r p f s < <(counters "$R/memcheck.trx")
  echo "memcheck: exit $code; tests $p passed, $f failed, $s skipped" | tee "$R/summary.txt"
  [ "$code" -eq 0 ]
}

# job: SGEMM, ILGPU kernel (both tiles forced too) vs cuBLAS FP32 (PyTorch, TF32 off), square 1024-4096 and the ViT layer shapes
job_bench_gemm() {
  local shapes=${CRS_GEMM_SHAPES-vit-tiny,vit-b16}
  crs bench gemm --sizes "${CRS_GEMM_SIZES:-1024,2048,3072,4096}" ${shapes:+--shapes "$shapes"} --json "$R/gemm.json" | tee "$R/gemm.txt"
}

# job: every ViT op forward/backward at ViT sizes, ILGPU vs PyTorch eager on the same GPU
job_bench_ops() {
  eval "set -- ${CRS_OPS_ARGS:---no-reference}"
  crs bench ops --sizes "${CRS_OPS_SIZES:-vit-tiny,vit-b16}" "$@" --json "$R/ops.json" | tee "$R/ops.txt"
}

# job: WTA-CRS weight gradient: norms + selection + sampled GEMM vs dense GEMM per ratio, estimator error
job_bench_wtacrs() {
  crs bench wtacrs --sizes "${CRS_WTACRS_SIZES:-vit-tiny,vit-b16}" --ratios "${CRS_WTACRS_RATIOS:-1,0.5,0.3,0.1}" \
    --json "$R/wtacrs.json" --png "$R/wtacrs.png" | tee "$R/wtacrs.txt"
}

# job: peak memory of one training step per keep ratio on the device, the plan, and torch.cuda.max_memory_allocated
job_memory() {
  local model=${CRS_MEMORY_MODEL:-vit-b16} batch=${CRS_MEMORY_BATCH:-64} ok=0
  crs memory --model "$model" --batch "$batch" --ratios "${CRS_MEMORY_RATIOS:-1,0.5,0.3}" \
    --json "$R/memory.json" --timeline "$R/timeline.json" --png "$R/memory.png" | tee "$R/memory.txt" || ok=1
  crs memory --model "$model" --batch "$batch" --plan --json "$R/plan.json" >"$R/plan.txt" || ok=1
  # The PyTorch step below must be the same model: its parameter count from the shapes (no torch needed).
  python3 tools/reference/vit_step_torch.py --model "$model" --params-only >"$R/torch-params.json" || ok=1
  python3 -c 'import json, sys; a = json.load(open(sys.argv[1]))[0]["parameters"]; b = json.load(open(sys.argv[2]))["parameters"]
print(f"parameters: crs {a:,}, vit_step_torch.py {b:,}"); sys.exit(a != b)' "$R/memory.json" "$R/torch-params.json" || ok=1
  if has_torch_cuda; then
    python3 tools/reference/vit_step_torch.py --model "$model" --batch "$batch" --steps 3 --warmup 1 --json "$R/torch-memory.json" | tee "$R/torch-memory.txt" || ok=1
  else
    echo "torch with CUDA not available: no torch.cuda.max_memory_allocated figure" | tee "$R/torch-memory.txt"
  fi
  return $ok
}

# job: golden test: PyTorch float64 dump (vit_reference.py, timm check) then the golden tests on CUDA; the dump comes back to commit
job_golden() {
  python3 -c 'import torch' >/dev/null 2>&1 || { skip "no torch"; return 3; }
  python3 tools/reference/vit_reference.py tests/golden/vit-golden | tee "$R/vit_reference.txt" || return 1
  cp tests/golden/vit-golden/expected.safetensors "$R/"
  run_tests CrsIlgpu.Model.Tests "$R" -class '*GoldenTests' -class '*GoldenInputsTests'
  local code=$?
  totals "$R"
  return $code
}

# job: PyTorch eager training step (same ViT, Adam): images/s and max_memory_allocated, for crs train's images/s
job_torch_step() {
  has_torch_cuda || { skip "torch with CUDA not available"; return 3; }
  local case ok=0
  for case in ${CRS_STEP_CASES:-vit-cifar-tiny:128 vit-b16:64}; do
    python3 tools/reference/vit_step_torch.py --model "${case%%:*}" --batch "${case##*:}" --steps "${CRS_STEP_STEPS:-20}" \
      --json "$R/torch-step-${case%%:*}-b${case##*:}.json" | tee -a "$R/torch-step.txt" || ok=1
  done
  return $ok
}

# job: a training step, crs vs PyTorch eager alternated in one run (crs bench step; CUDA on a GPU): images/s, ratio, peak memory (pool vs max_memory_allocated), per CRS_STEP_CASES
job_step() {
  local cases
  cases=$(echo "${CRS_STEP_CASES:-vit-cifar-tiny:128 vit-b16:64}" | tr ' ' ',')
  crs bench step --cases "$cases" --warmup 2 --steps "${CRS_STEP_STEPS:-10}" --json "$R/step.json" | tee "$R/step.txt"
}

# keep_run DIR NAME: copy a run's metrics and plots (not its checkpoint, tens of MB) into the results.
keep_run() {
  mkdir -p "$R/$2"
  cp "$1"/metrics.jsonl "$1"/metrics.csv "$1"/*.png "$R/$2/" 2>/dev/null || true
}

# job: unpack CIFAR-10 if staged, 1 epoch on 512 images: the trainer runs end to end on this device, images/s
job_train_smoke() {
  crs_has train || { skip "crs train is not in this build"; return 3; }
  [ -d data/cifar-10-jpg ] || bash tools/device/stage-data.sh join || { skip "no CIFAR-10: stage it (tools/device/stage-data.sh)"; return 3; }
  rm -rf runs/device-smoke
  crs train --model vit-cifar-tiny --epochs 1 --train-limit 512 --test-limit 512 --out runs/device-smoke | tee "$R/train.txt"
  local rc=${PIPESTATUS[0]}
  keep_run runs/device-smoke train-smoke
  return "$rc"
}

# job: CIFAR-10 vit-cifar-tiny dense vs WTA-CRS rho=0.3 (paper sites, cached): accuracy, images/s, peak memory; CRS_CIFAR_ARGS adds options
job_cifar() {
  crs_has train || { skip "crs train is not in this build"; return 3; }
  [ -d data/cifar-10-jpg ] || bash tools/device/stage-data.sh join || { skip "no CIFAR-10: stage it (tools/device/stage-data.sh)"; return 3; }
  local ok=0
  eval "set -- ${CRS_CIFAR_ARGS:---epochs 10}"
  rm -rf runs/device-dense runs/device-r0.3
  crs train --model vit-cifar-tiny --out runs/device-dense "$@" | tee "$R/dense.txt" || ok=1
  crs train --model vit-cifar-tiny --ratio 0.3 --out runs/device-r0.3 "$@" | tee "$R/wtacrs-0.3.txt" || ok=1
  keep_run runs/device-dense dense
  keep_run runs/device-r0.3 wtacrs-0.3
  return $ok
}

# job: per-kernel table, JSON, Chrome trace and PNG of training steps, dense vs rho=0.3, per CRS_PROFILE_CASES
job_profile() {
  crs_has profile || { skip "crs profile is not in this build"; return 3; }
  local case model batch ok=0
  for case in ${CRS_PROFILE_CASES:-vit-cifar-tiny:128 vit-b16:64}; do
    model=${case%%:*} batch=${case##*:}
    crs profile --model "$model" --batch "$batch" --steps "${CRS_PROFILE_STEPS:-5}" --compare-ratios 1,0.3 --out "$R/profile-$model-b$batch" \
      | tee "$R/profile-$model-b$batch.txt" || ok=1
  done
  return $ok
}

# job: Nsight Compute on the GEMM kernel in crs bench gemm at n=2048 (--clock-control none: clocks untouched)
job_ncu() {
  need ncu || return 3
  has_gpu || { skip "no GPU"; return 3; }
  ncu --clock-control none --target-processes all --kernel-name "${CRS_NCU_KERNEL:-regex:[Gg]emm}" --launch-skip 5 --launch-count "${CRS_NCU_COUNT:-1}" \
    --set full --export "$R/gemm" "$DOTNET_ROOT/dotnet" "$APPS/crs/crs.dll" bench gemm --sizes 2048 >"$R/ncu.log" 2>&1
  local code=$?
  [ -f "$R/gemm.ncu-rep" ] && ncu --import "$R/gemm.ncu-rep" --page details >"$R/gemm-details.txt" 2>&1
  tail -n 20 "$R/ncu.log" >&2
  # In a container ncu may not read the counters: a skip with the reason, not a bare failure.
  if grep -q ERR_NVGPUCTRPERM "$R/ncu.log"; then
    skip "ncu: no permission to read the GPU performance counters in this container (ERR_NVGPUCTRPERM; see ncu.log)"
    return 3
  fi
  if grep -q 'LibraryNotLoaded' "$R/ncu.log"; then
    skip "ncu: the profiler library did not load (LibraryNotLoaded, as seen on gVisor machines; see ncu.log)"
    return 3
  fi
  return $code
}

# job: reassemble and unpack staged data packs (tools/device/stage-data.sh join) into data/
job_data() {
  bash tools/device/stage-data.sh join | tee "$R/data.txt"
  local code=${PIPESTATUS[0]}
  [ "$code" -eq 3 ] && { skip "nothing staged (carry .device-data/<pack>/part-NN; see stage-data.sh split)"; return 3; }
  return "$code"
}

# job: self-test of the packing (smoke.sh): random files of CRS_PACK_TEST_KIB sizes (default "3072 1536 8") and their sha256; CRS_PACK_TEST_SLEEP then waits
job_pack_test() {
  local kib i=0
  for kib in ${CRS_PACK_TEST_KIB:-3072 1536 8}; do
    head -c "$((kib * 1024))" /dev/urandom >"$R/file-$i.bin"
    i=$((i + 1))
  done
  (cd "$R" && sha256sum file-*.bin) | tee "$R/sha256.txt"
  sleep "${CRS_PACK_TEST_SLEEP:-0}"
}

# --- main ----------------------------------------------------------------------------------------

# Internal: one job in a child process (environment already set up), so `timeout` can stop it.
if [ "${1:-}" = "__job" ]; then
  "job_${2//-/_}"
  exit $?
fi

# The plans. One session has 15 minutes of device time, a start costs 1-2 of them, one call at most
# 10, and a machine stays warm only 30 s after a call: in practice ONE call per session. So one plan
# runs every job in order of value and is cut at the caller's budget; what it did not start is
# named in summary.txt with the command that runs the rest (a second call, only if time is left).
plan_gpu="devices bench-gemm step golden kernels tests profile bench-wtacrs ncu data cifar"
plan_study="profile bench-wtacrs ncu data cifar"
# Jobs that need no working GPU: they still run when the devices job finds CUDA unusable.
no_gpu_jobs=" kernels data "

usage() {
  echo "usage: bash tools/device/run.sh [--budget S] first-light | study | JOB [JOB ...]   (results: \$OUT/results.tar.gz + \$OUT/summary.txt, or ./out)"
  echo "  first-light   the session's call: $plan_gpu"
  echo "                (in order of value; stops starting jobs at the budget; cifar: --epochs 1)"
  echo "  study         the study-only tail of first-light: $plan_study"
  echo "  --budget S    seconds this call may spend (or CRS_BUDGET_S); REQUIRED where nvidia-smi sees a GPU:"
  echo "                min(timeout_s, budget_left_s - start) - 40, from the device tool's status (tools/device/README.md)"
  describe_jobs
}

budget=${CRS_BUDGET_S:-}
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --budget) [ $# -ge 2 ] || die "--budget needs seconds"; budget=$2; shift 2 ;;
    --budget=*) budget=${1#--budget=}; shift ;;
    --list|-h|--help) usage; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -gt 0 ] || { usage; exit 2; }
set -- "${args[@]}"
case "$1" in
  first-light)
    # shellcheck disable=SC2086
    set -- $plan_gpu
    export CRS_CIFAR_ARGS=${CRS_CIFAR_ARGS:---epochs 1} ;;
  study)
    # shellcheck disable=SC2086
    set -- $plan_study
    export CRS_CIFAR_ARGS=${CRS_CIFAR_ARGS:---epochs 1} ;;
esac
for job in "$@"; do
  declare -F "job_${job//-/_}" >/dev/null || die "unknown job '$job'; jobs: $(list_jobs | tr '\n' ' ') (plans: first-light, study)"
done

# The budget: the caller's, from the device tool's status. A default on a GPU would be wrong for
# some call (a session's first call has about 13 minutes left after the start, a later one may have
# 4): too large and the tool kills the call mid-job, too small and lent minutes go unused. The
# refusal costs under a second, before anything is unpacked, and says how to compute it.
if has_gpu && [ -z "$budget" ]; then
  cat >&2 <<'MSG'
run: error: no budget. On a GPU machine pass --budget S (or CRS_BUDGET_S), computed from the device tool's status:
  warm=false:  S = min(timeout_s, budget_left_s - 120) - 40
  warm=true:   S = min(timeout_s, budget_left_s) - 40
(120 s: the worst machine start; 40 s: unpacking, the last pack, the kill of a job cut at the budget.)
MSG
  exit 2
fi
budget=${budget:-3600}
case $budget in '' | *[!0-9]*) die "--budget must be whole seconds, not '$budget'" ;; esac
[ "$budget" -le 560 ] || ! has_gpu \
  || say "warning: budget ${budget}s is over 560 s: the device tool stops a command at 600 s at most (timeout_s); what is not packed by then is lost"

started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/crs-run.XXXXXX")
dest="${OUT:-$root/out}"
mkdir -p "$dest"
archive_limit=${CRS_ARCHIVE_LIMIT:-$((16 * 1048576 - 65536))}
# $OUT returns at most 8 files: summary.txt, results.tar.gz and at most 6 split-off items.
max_extras=${CRS_MAX_EXTRAS:-6}

# pack: results.tar.gz and summary.txt into $dest, atomically (tmp + mv). An archive over
# archive_limit has its biggest items moved out, largest first: each to $dest as its own file
# (x-<path>) or in parts (x-<path>.partNN, rejoin with cat) while file slots last, else left out.
# Every such step is a line in $work/.pack-notes, and so in summary.txt.
pack() {
  local tmp="$dest/results.tar.gz.tmp" size slots=$max_extras rel bytes parts name
  local exclude=(--exclude=./.pack-notes --exclude=./.jobs --exclude=./.header --exclude=./.running)
  local kept=" "
  : >"$work/.pack-notes"
  tar -czf "$tmp" -C "$work" "${exclude[@]}" . 2>/dev/null
  size=$(stat -c %s "$tmp")
  if [ "$size" -gt "$archive_limit" ]; then
    while read -r bytes rel; do
      [ "$size" -gt "$archive_limit" ] || break
      name="x-$(echo "${rel#./}" | tr -c 'A-Za-z0-9._\n-' '_' | tr '\n' '_' | sed 's/_$//')"
      parts=$(( (bytes + archive_limit - 1) / archive_limit ))
      if [ "$parts" -le "$slots" ]; then
        if [ "$parts" -eq 1 ]; then
          cp "$work/$rel" "$dest/$name.tmp" && mv "$dest/$name.tmp" "$dest/$name"
          kept="$kept$name "
          echo "# packing: ${rel#./} ($((bytes / 1024)) KiB) does not fit results.tar.gz: it is \$OUT/$name" >>"$work/.pack-notes"
        else
          rm -f "$dest/$name".part*
          split -b "$archive_limit" -d -a 2 "$work/$rel" "$dest/$name.part"
          for p in "$dest/$name".part*; do kept="$kept$(basename "$p") "; done
          printf '# packing: %s (%d KiB) split into $OUT/%s.part00..%02d (cat them to rejoin)\n' \
            "${rel#./}" $((bytes / 1024)) "$name" $((parts - 1)) >>"$work/.pack-notes"
        fi
        slots=$((slots - parts))
      else
        printf '# packing: %s (%d KiB) LEFT OUT: too big for results.tar.gz (limit %d KiB) and no $OUT file slots left (8 files at most)\n' \
          "${rel#./}" $((bytes / 1024)) $((archive_limit / 1024)) >>"$work/.pack-notes"
      fi
      exclude+=("--exclude=$rel")
      tar -czf "$tmp" -C "$work" "${exclude[@]}" . 2>/dev/null
      size=$(stat -c %s "$tmp")
    done < <(cd "$work" && find . -type f ! -name '.*' -size +64k -printf '%s %p\n' | sort -rn)
    [ "$size" -le "$archive_limit" ] || echo "# packing: results.tar.gz is still over the limit after moving out every file over 64 KiB" >>"$work/.pack-notes"
  fi
  mv "$tmp" "$dest/results.tar.gz"
  # Split-off files of an earlier pack that this one did not make again.
  for p in "$dest"/x-*; do
    [ -e "$p" ] || continue
    case "$kept" in *" $(basename "$p") "*) ;; *) rm -f "$p" ;; esac
  done
  write_summary
}

# write_summary: header, one line per job so far, the job running now, packing notes, what is left; atomically.
write_summary() {
  local tmp="$dest/summary.txt.tmp"
  { cat "$work/.header" "$work/.jobs" "$work/.running" "$work/.pack-notes" 2>/dev/null; } >"$tmp"
  mv "$tmp" "$dest/summary.txt"
}

setup_dotnet
gpu=0
has_gpu && gpu=1
if [ "$gpu" = 1 ]; then
  # A GPU is there: a broken CUDA path must fail loudly, not run every job on the C# CPU backend.
  export CRS_DEVICE=${CRS_DEVICE:-cuda}
  export CRS_TEST_DEVICE=${CRS_TEST_DEVICE:-cuda}
else
  export CRS_DEVICE=${CRS_DEVICE:-auto}
fi
# A kernel's JIT log (a PTX load failure) is written here and so comes back in the archive.
export CRS_LOG_DIR="$work/logs"
mkdir -p "$CRS_LOG_DIR"
: >"$work/.jobs"
: >"$work/.running"
{
  echo "# crs device run $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
  echo "# bundle: $(head -n 1 "$carry/MANIFEST.txt" 2>/dev/null | sed 's/^# //')"
  echo "# gpu: $( [ "$gpu" = 1 ] && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1 || echo none)"
  echo "# CRS_DEVICE=$CRS_DEVICE CRS_TEST_DEVICE=${CRS_TEST_DEVICE:-cpu} budget ${budget}s (setup took $(( $(date +%s) - started ))s)"
  echo "# jobs: $*"
} >"$work/.header"
pack

failed=0
cuda_unusable=""
not_started=()
for job in "$@"; do
  export R="$work/$job" job
  if [ -n "$cuda_unusable" ] && [[ "$no_gpu_jobs" != *" $job "* ]]; then
    printf '%-13s %5ss  %s\n' "$job" 0 "NOT RUN (CUDA unusable: $cuda_unusable)" | tee -a "$work/.jobs"
    continue
  fi
  left=$(( budget - ($(date +%s) - started) ))
  if [ "$left" -le 5 ]; then
    printf '%-13s %5ss  %s\n' "$job" 0 "NOT STARTED (budget of ${budget}s spent)" | tee -a "$work/.jobs"
    not_started+=("$job")
    failed=1
    continue
  fi
  cap=$(job_cap "$job")
  limit=$left
  [ -n "$cap" ] && [ "$cap" -lt "$limit" ] && limit=$cap
  mkdir -p "$R"
  say "=== $job (at most ${limit}s; ${left}s of the budget left) ==="
  printf '%-13s %5s   %s\n' "$job" "-" "RUNNING since +$(( $(date +%s) - started ))s, at most ${limit}s (the call was cut in this job if this is the end)" \
    >"$work/.running"
  write_summary
  start=$(date +%s)
  timeout -k 10 "$limit" bash "$0" __job "$job" 2> >(tee "$R/stderr.txt" >&2) | tee "$R/stdout.txt"
  code=${PIPESTATUS[0]}
  seconds=$(( $(date +%s) - start ))
  case $code in
    0) status=ok ;;
    3) status="skipped ($(cat "$R/SKIPPED" 2>/dev/null))" ;;
    124|137)
      status="TIMED OUT after ${seconds}s (budget ${budget}s)"
      [ "$limit" -lt "$left" ] && status="TIMED OUT after ${seconds}s (its cap ${cap}s, CRS_JOB_CAPS)"
      failed=1 ;;
    *) status="FAILED (exit $code)"; failed=1 ;;
  esac
  : >"$work/.running"
  printf '%-13s %5ss  %s\n' "$job" "$seconds" "$status" | tee -a "$work/.jobs"
  [ -f "$R/tests-summary.txt" ] && sed 's/^/    /' "$R/tests-summary.txt" >>"$work/.jobs"
  if [ "$job" = devices ] && [ -f "$R/CUDA_UNUSABLE" ]; then
    cuda_unusable=$(head -n 1 "$R/CUDA_UNUSABLE")
    echo "# CUDA unusable ($cuda_unusable): GPU jobs are not run; see devices/devices-cuda.txt and devices/devices.json" >>"$work/.jobs"
    failed=1
  fi
  pack
done

if [ ${#not_started[@]} -gt 0 ]; then
  {
    echo "# not started: ${not_started[*]}"
    echo "# the rest, in a second call if device time is left: bash tools/device/run.sh --budget S ${not_started[*]}"
  } >>"$work/.jobs"
fi
echo "# done in $(( $(date +%s) - started ))s of ${budget}s; exit $failed" >>"$work/.jobs"
pack
[ -z "${OUT:-}" ] && { rm -rf "$dest/results"; cp -r "$work" "$dest/results"; }
rm -rf "$work"
echo "---- summary ($dest/summary.txt; everything in $dest/results.tar.gz) ----"
cat "$dest/summary.txt"
exit $failed
