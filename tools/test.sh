#!/usr/bin/env bash
# The project's test command: builds, runs every xunit test project through `dotnet test`
# (Microsoft Testing Platform), and ends with one line "N passed, M failed, K skipped" read from
# the TRX results. Exit code: dotnet test's.
set -uo pipefail
cd "$(dirname "$0")/.."
results="${CRS_TEST_RESULTS:-artifacts/test-results}"
rm -rf "$results"
mkdir -p "$results"
dotnet test --solution CrsIlgpu.sln -c Release --results-directory "$results" --report-xunit-trx "$@"
code=$?
trx_summary() {
  # Sum <Counters .../> over every TRX file (one per test project).
  local passed=0 failed=0 total=0 executed=0 f
  for f in "$results"/*.trx; do
    [ -f "$f" ] || continue
    line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
    get() { echo "$line" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
    total=$((total + $(get total))); executed=$((executed + $(get executed)))
  done
  echo "$passed passed, $failed failed, $((total - executed)) skipped"
}
if ls "$results"/*.trx >/dev/null 2>&1; then
  trx_summary
else
  echo "0 passed, 1 failed, 0 skipped"
  [ $code -eq 0 ] && code=1
fi
exit $code
