#!/usr/bin/env bash
# The project's test command: builds and runs every xunit test project through `dotnet test`
# (Microsoft Testing Platform), keeps TRX files in artifacts/test-results/, and ends with one line
# "N passed, M failed, K skipped" read from the run's summary (total/failed/succeeded/skipped).
# Exit code: dotnet test's.
set -uo pipefail
cd "$(dirname "$0")/.."
results="${CRS_TEST_RESULTS:-artifacts/test-results}"
rm -rf "$results"
mkdir -p "$results"
log="$results/test-output.log"
dotnet test --solution CrsIlgpu.sln -c Release --results-directory "$results" --report-xunit-trx "$@" 2>&1 | tee "$log"
code=${PIPESTATUS[0]}

count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+$'; }
passed=$(count succeeded); failed=$(count failed); skipped=$(count skipped)
if [ -z "$passed" ] || [ -z "$failed" ]; then
  # No summary (the build failed, or the runner crashed): count that as a failure.
  echo "0 passed, 1 failed, 0 skipped"
  [ "$code" -eq 0 ] && code=1
  exit "$code"
fi
echo "$passed passed, $failed failed, ${skipped:-0} skipped"
exit "$code"
