#!/usr/bin/env bash
# Fails when a source file includes a folder of a higher layer, or another
# folder of its own layer. The layers, bottom to top:
#   0 util
#   1 io, tokenizer, data, runtime
#   2 tasks, hub
#   3 model, eval
#   4 train
#   5 commands
#   6 apps
# A file may include its own folder and any folder of a lower layer. Folders
# are lib/<name>/, tasks/ and apps/. Usage: check-layers.sh [ROOT] (default:
# the repository this script is in). CI runs it.
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
[ -d "$root" ] || { echo "check-layers.sh: $root: no such directory" >&2; exit 2; }

rank_of() {
  case "$1" in
    util) echo 0 ;;
    io | tokenizer | data | runtime) echo 1 ;;
    tasks | hub) echo 2 ;;
    model | eval) echo 3 ;;
    train) echo 4 ;;
    commands) echo 5 ;;
    apps) echo 6 ;;
    *) echo "" ;;
  esac
}

violations=0
files=0
while IFS= read -r -d '' file; do
  relative=${file#"$root"/}
  case "$relative" in
    lib/*) folder=${relative#lib/}; folder=${folder%%/*} ;;
    *) folder=${relative%%/*} ;;
  esac
  own=$(rank_of "$folder")
  if [ -z "$own" ]; then
    echo "$relative: the folder '$folder' has no layer; add it to scripts/check-layers.sh" >&2
    violations=$((violations + 1))
    continue
  fi
  files=$((files + 1))
  while IFS=: read -r line target; do
    included=${target%%/*}
    rank=$(rank_of "$included")
    [ -n "$rank" ] || continue  # a header beside the file, or a test helper
    if [ "$included" != "$folder" ] && [ "$rank" -ge "$own" ]; then
      echo "$relative:$line: includes \"$target\": $folder (layer $own) may include only its own folder and lower layers, not $included (layer $rank)" >&2
      violations=$((violations + 1))
    fi
  done < <(awk -F'"' '/^[[:space:]]*#[[:space:]]*include[[:space:]]*"/ { print FNR ":" $2 }' "$file")
done < <(find "$root/lib" "$root/tasks" "$root/apps" \( -name '*.h' -o -name '*.cpp' \) -print0 2>/dev/null)

if [ "$violations" -gt 0 ]; then
  echo "check-layers.sh: $violations include(s) against the layers" >&2
  exit 1
fi
echo "check-layers.sh: $files files, every include goes down the layers"
