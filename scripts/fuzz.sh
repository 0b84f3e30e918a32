#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, with clang, ASan and UBSan, no
# libtorch) and runs each on its committed seeds, then prints per target the
# time, executions, coverage (libFuzzer's cov and ft) and crashes. Exits
# non-zero when any target crashed (a sanitizer report, a broken invariant,
# an unexpected exception, a leak, a timeout or running out of memory); the
# crashing inputs are under build/fuzz/artifacts/TARGET/.
#   scripts/fuzz.sh [TARGET...] [--seconds N] [--runs N] [-j N] [--no-build]
# --seconds N: run each target N seconds (default 60 unless --runs is given).
# --runs N: run each target for N executions (the long runs: --runs 10000000).
# -j N: build with N jobs and run N targets at once (default: nproc).
# --no-build: run the targets as built (several fuzz.sh at once share one build).
# Environment: CXX (default clang++-14), BUILD_DIR (default build/fuzz).
# New inputs found go to BUILD_DIR/corpus/TARGET (not committed); the seeds
# in tests/fuzz/corpus/TARGET are only read.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=
runs=
build_first=1
jobs=$(nproc)
only=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --no-build) build_first=0; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done
[[ -z $seconds && -z $runs ]] && seconds=60
build=${BUILD_DIR:-build/fuzz}
cxx=${CXX:-clang++-14}
command -v "$cxx" >/dev/null ||
  { echo "fuzz.sh: $cxx not found: install clang-14 and libclang-rt-14-dev (scripts/setup.sh does)" >&2; exit 2; }

if ((build_first)); then
  cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
  if [[ ${#only[@]} -gt 0 ]]; then
    cmake --build "$build" -j "$jobs" --target "${only[@]}"
  else
    cmake --build "$build" -j "$jobs"
  fi
fi
if [[ ${#only[@]} -gt 0 ]]; then
  targets=("${only[@]}")
elif [[ -f $build/targets.txt ]]; then
  read -ra targets < <(tr ';' ' ' <"$build/targets.txt")
else
  echo "fuzz.sh: $build/targets.txt not found: build the targets first (run without --no-build)" >&2
  exit 2
fi

# A unit that takes 10 s is a hang; 2 GiB of memory is a runaway allocation.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target and writes its summary line to BUILD_DIR/logs/TARGET.row.
fuzz_one() {
  local target=$1
  local seeds=tests/fuzz/corpus/$target corpus=$build/corpus/$target artifacts=$build/artifacts/$target
  local log=$build/logs/$target.log row=$build/logs/$target.row
  rm -rf "$artifacts" "$row"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  local dict=tests/fuzz/${target%_fuzzer}.dict
  local args=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$artifacts/")
  [[ -n $seconds ]] && args+=(-max_total_time="$seconds")
  [[ -n $runs ]] && args+=(-runs="$runs")
  [[ -f $dict ]] && args+=(-dict="$dict")
  local dirs=("$corpus")
  [[ -d $seeds ]] && dirs+=("$seeds")
  echo "fuzz.sh: $target for ${seconds:+$seconds s}${seconds:+${runs:+ or }}${runs:+$runs runs} (log: $log)"
  local status=0 start=$SECONDS
  "$build/$target" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || status=$?
  local took=$((SECONDS - start))
  local execs last cov ft crashes
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
    wc -l)
  if [[ $status -ne 0 && $crashes -eq 0 ]]; then crashes=1; fi
  if [[ $status -ne 0 ]]; then
    echo "fuzz.sh: $target FAILED (exit $status); the end of $log:" >&2
    tail -n 30 "$log" >&2
  fi
  printf '%-26s %8s %12s %7s %7s %8s\n' "$target" "$took" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes" >"$row"
  return "$status"
}

failed=0
running=0
for target in "${targets[@]}"; do
  if [[ $running -ge $jobs ]]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
while [[ $running -gt 0 ]]; do
  wait -n || failed=1
  running=$((running - 1))
done

printf '\n%-26s %8s %12s %7s %7s %8s\n' target seconds executions cov ft crashes
for target in "${targets[@]}"; do
  cat "$build/logs/$target.row" 2>/dev/null || printf '%-26s (no result)\n' "$target"
done
exit $failed
