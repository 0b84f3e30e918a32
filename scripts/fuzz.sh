#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, with clang, ASan and UBSan, no
# libtorch) and runs each for a while on its committed seeds, then prints
# per target the executions, the coverage (libFuzzer's cov and ft) and the
# crashes. Exits non-zero when any target crashed (a sanitizer report, a
# broken invariant, an unexpected exception, a leak, a timeout or running out
# of memory); the crashing inputs are under build/fuzz/artifacts/TARGET/.
#   scripts/fuzz.sh [TARGET] [--seconds N] [-j N]
# Environment: CXX (default clang++-14), BUILD_DIR (default build/fuzz).
# New inputs found go to BUILD_DIR/corpus/TARGET (not committed); the seeds
# in tests/fuzz/corpus/TARGET are only read.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=60
jobs=$(nproc)
only=
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) only=$1; shift ;;
  esac
done
build=${BUILD_DIR:-build/fuzz}
cxx=${CXX:-clang++-14}

cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
if [[ -n $only ]]; then
  cmake --build "$build" -j "$jobs" --target "$only"
  targets=$only
else
  cmake --build "$build" -j "$jobs"
  targets=$(tr ';' ' ' <"$build/targets.txt")
fi

# A unit that takes 10 s is a hang; 2 GiB of memory is a runaway allocation.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
failed=0
for target in $targets; do
  seeds=tests/fuzz/corpus/$target
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target
  log=$build/logs/$target.log
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  dict=tests/fuzz/${target%_fuzzer}.dict
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536
        -artifact_prefix="$artifacts/")
  [[ -f $dict ]] && args+=(-dict="$dict")
  dirs=("$corpus")
  [[ -d $seeds ]] && dirs+=("$seeds")
  echo "fuzz.sh: $target for $seconds s (log: $log)"
  status=0
  "$build/$target" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
    wc -l)
  if [[ $status -ne 0 && $crashes -eq 0 ]]; then crashes=1; fi
  if [[ $status -ne 0 ]]; then
    failed=1
    echo "fuzz.sh: $target FAILED (exit $status); the end of $log:" >&2
    tail -n 30 "$log" >&2
  fi
  summary+=("$(printf '%-26s %12s %7s %7s %8s' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes")")
done

printf '\n%-26s %12s %7s %7s %8s\n' target executions cov ft crashes
printf '%s\n' "${summary[@]}"
exit $failed
