#!/usr/bin/env bash
# Builds what a GPU machine with no .NET needs to run `crs` and the test executables, packed to
# travel in one device call (working tree + carried paths <= 64 MiB):
#   .dotnet-bundle/carry/dotnet-runtime-<version>-linux-x64.tar.xz  the .NET runtime (made once, cached)
#   .dotnet-bundle/carry/crs-apps.tar.xz                              crs + test exes, framework-dependent
#   .dotnet-bundle/carry/MANIFEST.txt                                 sizes, sha256, what is inside
# "Self-contained" is realised as runtime tarball + framework-dependent builds: a self-contained
# publish of one xunit.v3 test exe alone is ~123 MB (52 MB gzipped), more than one call carries.
# Usage: bash tools/device/bundle.sh            (from anywhere; works in the repo the script is in)
# Env:   CRS_BUNDLE_PROJECTS  space-separated test projects (default below)
#        CRS_BUNDLE_LIMIT     bytes allowed per call (default 64 MiB)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bundle=.dotnet-bundle
limit=${CRS_BUNDLE_LIMIT:-$((64 * 1024 * 1024))}
# Test projects with GPU-relevant tests (kernels on CUDA, the model and golden test, the step's memory).
projects=${CRS_BUNDLE_PROJECTS:-"tests/CrsIlgpu.Kernels.Tests tests/CrsIlgpu.Model.Tests tests/CrsIlgpu.Training.Tests"}

die() { echo "bundle: error: $*" >&2; exit 2; }
say() { echo "bundle: $*" >&2; }
size_of() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

git check-ignore -q "$bundle/x" || die "$bundle/ is not ignored by git (.gitignore); it must not travel as part of the tree"
command -v dotnet >/dev/null || die "no dotnet SDK on PATH (the bundle is built here, on the development machine)"
command -v xz >/dev/null || die "xz is needed (Debian: xz-utils)"

build="$bundle/build"      # artifacts (bin/obj) of the publish: kept apart from the developer's bin/ and obj/
stage="$bundle/stage/apps" # what crs-apps.tar.xz holds, as it unpacks on the device
carry="$bundle/carry"      # the one folder a device call carries
mkdir -p "$build" "$carry" "$bundle/cache"
rm -rf "$bundle/stage"
mkdir -p "$stage/tests"

# 1. Framework-dependent publishes for linux-x64 (no trimming: it breaks ILGPU's reflection).
#    Only English resources; -r linux-x64 keeps other platforms' native assets out.
publish() { # project output
  say "publishing $1"
  dotnet publish "$1" -c Release -r linux-x64 --self-contained false \
    --artifacts-path "$build" -o "$2" -p:SatelliteResourceLanguages=en -p:GenerateDocumentationFile=false \
    -nologo -v quiet -clp:ErrorsOnly >&2 || die "dotnet publish $1 failed"
}
publish src/Cli/CrsIlgpu.Cli.csproj "$stage/crs"
for project in $projects; do
  [ -d "$project" ] || die "no test project $project"
  publish "$project" "$stage/tests/$(basename "$project")"
done

# 2. Strip what a run does not need. Code coverage is not referenced with Microsoft Testing
#    Platform, but a package could bring it back (Microsoft.CodeCoverage alone is 30 MB).
find "$stage" \( -iname 'Microsoft.CodeCoverage*' -o -iname '*.CodeCoverage.*' -o -name 'codecoverage' \) -prune -exec rm -rf {} +
for app in "$stage"/crs "$stage"/tests/*; do
  [ -d "$app/runtimes" ] && find "$app/runtimes" -mindepth 1 -maxdepth 1 ! -name 'linux-x64' ! -name 'linux' ! -name 'unix' -exec rm -rf {} +
done
# pdbs of our own assemblies stay (line numbers in a failing test's stack trace); big foreign ones go.
find "$stage" -name '*.pdb' -size +2M -delete

# 3. The runtime: dotnet host, host/ and shared/Microsoft.NETCore.App/<version>, made once per version.
dotnet_home=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(ls "$dotnet_home/shared/Microsoft.NETCore.App" | grep -E '^10\.' | sort -V | tail -n 1)
[ -n "$runtime_version" ] || die "no Microsoft.NETCore.App 10.x under $dotnet_home/shared"
runtime_name="dotnet-runtime-$runtime_version-linux-x64.tar.xz"
cached="$bundle/cache/$runtime_name"
if [ ! -s "$cached" ]; then
  say "packing the .NET runtime $runtime_version from $dotnet_home (once; xz -9, about a minute)"
  tmp="$cached.tmp.$$"
  tar -C "$dotnet_home" -cf - dotnet host "shared/Microsoft.NETCore.App/$runtime_version" \
      $(cd "$dotnet_home" && ls LICENSE.txt ThirdPartyNotices.txt 2>/dev/null) | xz -9 -T1 >"$tmp"
  mv "$tmp" "$cached"
fi
find "$carry" -maxdepth 1 -name 'dotnet-runtime-*.tar.xz' ! -name "$runtime_name" -delete
cp -u "$cached" "$carry/$runtime_name"

# 4. The apps, one archive: xz's 64 MiB window sees the DLLs the exes share (ILGPU, our own) once.
say "packing the apps (xz -9)"
rm -f "$carry/crs-apps.tar.xz"
tar -C "$bundle/stage" --sort=name --owner=0 --group=0 -cf - apps | xz -9 -T1 >"$carry/crs-apps.tar.xz.tmp"
mv "$carry/crs-apps.tar.xz.tmp" "$carry/crs-apps.tar.xz"

# 5. Manifest and the size check: the bundle, and the bundle plus the working tree that travels with it.
tree_bytes=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)
runtime_bytes=$(size_of "$carry/$runtime_name")
apps_bytes=$(size_of "$carry/crs-apps.tar.xz")
{
  echo "# CrsIlgpu device bundle ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD 2>/dev/null || echo '+changes'))"
  echo "runtime $runtime_name $runtime_bytes $(sha256sum "$carry/$runtime_name" | cut -d' ' -f1)"
  echo "apps crs-apps.tar.xz $apps_bytes $(sha256sum "$carry/crs-apps.tar.xz" | cut -d' ' -f1)"
  echo "# unpacked sizes (bytes)"
  for app in "$stage"/crs "$stage"/tests/*; do
    echo "unpacked ${app#"$bundle/stage/"} $(du -sb "$app" | cut -f1)"
  done
  echo "unpacked runtime $(du -cb "$dotnet_home/dotnet" "$dotnet_home/host" "$dotnet_home/shared/Microsoft.NETCore.App/$runtime_version" | tail -n 1 | cut -f1)"
} >"$carry/MANIFEST.txt"
carry_bytes=$(du -cb "$carry" | tail -n 1 | cut -f1)
total=$((carry_bytes + tree_bytes))
echo "runtime  $(mib "$runtime_bytes")  $carry/$runtime_name"
echo "apps     $(mib "$apps_bytes")  $carry/crs-apps.tar.xz"
echo "bundle   $(mib "$carry_bytes")  (carry folder)"
echo "tree     $(mib "$tree_bytes")  (tracked + untracked-not-ignored files, travel with every call)"
echo "total    $(mib "$total") of $(mib "$limit")"
echo "total $total bytes, limit $limit" >>"$carry/MANIFEST.txt"
[ "$carry_bytes" -le "$limit" ] || die "the bundle alone is $(mib "$carry_bytes"), over $(mib "$limit"): drop a test project (CRS_BUNDLE_PROJECTS) or strip more"
[ "$total" -le "$limit" ] || die "bundle + working tree is $(mib "$total"), over $(mib "$limit"): untracked files in the tree travel too (git status)"
echo "free     $(mib $((limit - total))) for data in the same call (tools/device/stage-data.sh)"
echo "carry: [\"$carry\"]"
