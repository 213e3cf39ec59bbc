#!/usr/bin/env bash
# Stages a data pack larger than what one device call carries. A call carries the working tree plus
# at most 8 ignored paths, 64 MiB in all; ignored paths already on a warm machine stay there between
# calls (a machine stays warm 30 s after a call). So a pack is cut into parts of <= 60 MiB, each in
# its own folder with the pack's manifest, carried one call after another, and joined there.
#
#   here:       bash tools/device/stage-data.sh split [PACK ...]   (default: ../shared/data/cifar-10-jpg.tar.gz)
#               -> .device-data/<pack>/part-NN/{<pack>.part-NN, MANIFEST}; prints the carry list of each call
#   there:      bash tools/device/stage-data.sh join               (or: bash tools/device/run.sh data)
#               -> checks every part is there, reassembles, checks the sha256, unpacks into data/ atomically
#   here:       bash tools/device/stage-data.sh selftest [PACK]    split into small parts, join in a temp dir,
#                                                                  compare checksums and the unpacked files
# Env: CRS_CHUNK_MIB (default 60), CRS_STAGE_DIR (default .device-data), CRS_DATA_DIR (default data).
# Exit: 0 done, 2 usage or checksum error, 3 nothing staged or parts missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
stage=${CRS_STAGE_DIR:-.device-data}
data=${CRS_DATA_DIR:-data}
chunk_mib=${CRS_CHUNK_MIB:-60}
limit=$((64 * 1048576))

die() { echo "stage-data: error: $*" >&2; exit "${2:-2}"; }
say() { echo "stage-data: $*"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

split_pack() { # PACK
  local pack=$1 name bytes dir i part size tree bundle first
  [ -f "$pack" ] || die "no pack $pack"
  name=$(basename "$pack")
  bytes=$(stat -c %s "$pack")
  dir="$stage/$name"
  rm -rf "$dir" && mkdir -p "$dir/.split" || die "cannot write $dir"
  split -b "${chunk_mib}M" -d -a 2 "$pack" "$dir/.split/$name.part-" || die "split failed"
  local parts=("$dir"/.split/*)
  for part in "${parts[@]}"; do
    i=${part##*.part-}
    mkdir -p "$dir/part-$i"
    mv "$part" "$dir/part-$i/"
  done
  rmdir "$dir/.split"
  # Every part folder carries the whole manifest, so the join knows what is missing from any subset.
  {
    echo "pack $name $bytes $(sha "$pack")"
    for part in "$dir"/part-*/"$name".part-*; do echo "part $(basename "$part") $(stat -c %s "$part") $(sha "$part")"; done
  } >"$dir/MANIFEST"
  for part in "$dir"/part-*/; do cp "$dir/MANIFEST" "$part"; done
  rm "$dir/MANIFEST"

  git check-ignore -q "$dir/part-00" 2>/dev/null; [ $? -eq 1 ] && say "warning: $stage/ is not ignored by git: the parts would travel with the tree"
  tree=$(git ls-files -co --exclude-standard -z 2>/dev/null | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)
  bundle=$(du -cb .dotnet-bundle/carry 2>/dev/null | tail -n 1 | cut -f1)
  say "$name: $(mib "$bytes") in ${#parts[@]} part(s) of <= $chunk_mib MiB under $dir/ (tree $(mib "${tree:-0}") travels with each call)"
  first=1
  for part in "$dir"/part-*/; do
    part=${part%/}
    size=$(du -cb "$part" | tail -n 1 | cut -f1)
    if [ $((tree + size)) -gt "$limit" ]; then
      die "$part and the tree are $(mib $((tree + size))): over 64 MiB; lower CRS_CHUNK_MIB"
    fi
    if [ "$first" = 1 ] && [ "${#parts[@]}" = 1 ] && [ -n "$bundle" ] && [ $((tree + size + bundle)) -le "$limit" ]; then
      say "  one call with the bundle ($(mib $((tree + size + bundle)))): carry [\".dotnet-bundle/carry\", \"$part\"], command starts with: bash tools/device/stage-data.sh join && ..."
    else
      say "  call: carry [\"$part\"]  ($(mib $((tree + size))) with the tree)"
    fi
    first=0
  done
  [ "${#parts[@]}" -gt 1 ] && say "  each call within 30 s of the last (the machine stays warm 30 s); the last one runs: bash tools/device/stage-data.sh join"
  return 0
}

join_all() { # reassemble every staged pack whose parts are all present; unpack into $data
  local manifests=("$stage"/*/part-*/MANIFEST) found=0 status=0 m
  [ -e "${manifests[0]}" ] || die "nothing staged under $stage/ (carry its part folders; see split)" 3
  for m in $(printf '%s\n' "${manifests[@]}" | awk -F/ '!seen[$(NF-2)]++'); do
    join_pack "$(dirname "$(dirname "$m")")" "$m" || status=$?
    found=1
  done
  [ "$found" = 1 ] || status=3
  return $status
}

join_pack() { # DIR MANIFEST
  local dir=$1 manifest=$2 name bytes want missing=() line kind file size hash whole top tmp
  read -r kind name bytes want < <(grep '^pack ' "$manifest")
  while read -r kind file size hash; do
    [ "$kind" = part ] || continue
    local path
    path=$(ls "$dir"/part-*/"$file" 2>/dev/null | head -n 1)
    if [ -z "$path" ] || [ "$(stat -c %s "$path")" != "$size" ]; then missing+=("$file"); fi
  done <"$manifest"
  if [ ${#missing[@]} -gt 0 ]; then
    say "$name: missing ${missing[*]} (carry those part folders; the machine may have gone cold since the others)"
    return 3
  fi
  whole="$dir/$name"
  if [ ! -f "$whole" ] || [ "$(sha "$whole")" != "$want" ]; then
    grep '^part ' "$manifest" | while read -r kind file size hash; do cat "$dir"/part-*/"$file"; done >"$whole.tmp"
    [ "$(sha "$whole.tmp")" = "$want" ] || { rm -f "$whole.tmp"; die "$name: reassembled pack's sha256 differs from the manifest's"; }
    mv "$whole.tmp" "$whole"
  fi
  say "$name: reassembled, sha256 $want ok"
  [ "${CRS_STAGE_NO_UNPACK:-}" = 1 ] && return 0
  top=$(tar -tzf "$whole" | head -n 1 | cut -d/ -f1)
  [ -n "$top" ] && [ "$top" != ".." ] && [ "$top" != "." ] || die "$name: unexpected first member"
  if [ -d "$data/$top" ]; then
    say "$data/$top already there"
    return 0
  fi
  mkdir -p "$data" && tmp=$(mktemp -d "$data/.unpack.XXXXXX") || die "cannot write $data"
  # Members stay inside the temp folder (--no-absolute-names is tar's default; .. is refused by GNU tar).
  tar -xzf "$whole" -C "$tmp" || { rm -rf "$tmp"; die "$name: tar failed"; }
  [ -d "$tmp/$top" ] || { rm -rf "$tmp"; die "$name: no $top/ after unpacking"; }
  mv "$tmp/$top" "$data/$top" && rmdir "$tmp"
  say "$name: unpacked into $data/$top ($(find "$data/$top" -type f | wc -l) files)"
}

selftest() { # [PACK]: split with small parts into a temp stage, join there, compare
  local pack=${1:-../shared/data/cifar-10-jpg.tar.gz} tmp want got top n1 n2
  [ -f "$pack" ] || die "no pack $pack"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/crs-stage.XXXXXX")
  trap 'rm -rf "$tmp"' RETURN
  want=$(sha "$pack")
  CRS_STAGE_DIR="$tmp/stage" CRS_CHUNK_MIB=${CRS_CHUNK_MIB_SELFTEST:-8} bash "$0" split "$pack" >"$tmp/split.log" || { cat "$tmp/split.log"; die "split failed"; }
  cat "$tmp/split.log"
  local name; name=$(basename "$pack")
  # A missing part must be named, not joined around.
  mv "$tmp/stage/$name/part-01" "$tmp/part-01.away"
  CRS_STAGE_DIR="$tmp/stage" CRS_DATA_DIR="$tmp/data" bash "$0" join >"$tmp/join-missing.log" 2>&1
  [ $? -eq 3 ] && grep -q "missing $name.part-01" "$tmp/join-missing.log" || { cat "$tmp/join-missing.log"; die "a missing part was not reported"; }
  mv "$tmp/part-01.away" "$tmp/stage/$name/part-01"
  CRS_STAGE_DIR="$tmp/stage" CRS_DATA_DIR="$tmp/data" bash "$0" join || die "join failed"
  got=$(sha "$tmp/stage/$name/$name")
  [ "$got" = "$want" ] || die "round trip changed the pack: $want -> $got"
  top=$(tar -tzf "$pack" | head -n 1 | cut -d/ -f1)
  n1=$(tar -tzf "$pack" | grep -vc '/$'); n2=$(find "$tmp/data/$top" -type f | wc -l)
  [ "$n1" = "$n2" ] || die "the pack lists $n1 files, $n2 unpacked"
  say "selftest ok: $name split into $(ls -d "$tmp/stage/$name"/part-* | wc -l) parts, rejoined with sha256 $got (equal), $n2 files unpacked"
}

case "${1:-}" in
  split) shift; [ $# -gt 0 ] || set -- ../shared/data/cifar-10-jpg.tar.gz; for p in "$@"; do split_pack "$p" || exit $?; done ;;
  join) join_all ;;
  selftest) shift; selftest "$@" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
