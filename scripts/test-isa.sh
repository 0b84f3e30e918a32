#!/usr/bin/env bash
# Runs the numeric tests (Catch2 tag [numeric]: parity with the goldens,
# replay, the optimizer, precision, data-parallel equivalence, and the
# bit-identity of resume, seeds and the feature cache) once per CPU kernel
# path, so that one machine exercises what several CPUs would:
#   default  ATEN_CPU_CAPABILITY=default, MKL_CBWR=COMPATIBLE (MKL's
#            conditional numerical reproducibility: its SSE2 code path)
#   avx2     ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2, and
#            MKL_CBWR=COMPATIBLE again: ATen's vectorised kernels call MKL
#            (its vector math, e.g. sqrt), so the two axes are crossed
#   avx512   ATEN_CPU_CAPABILITY=avx512, where the CPU has AVX-512 (F, BW, VL
#            and DQ), with MKL's own best code path; elsewhere the run says
#            it is left out, and why
# Before each run a probe checks that each setting took effect: the ATen
# kernels deberta-bench --version names, MKL's CNR mode and oneDNN's ISA as
# their verbose logs print them.
# Usage: scripts/test-isa.sh [--baselines|--baselines-only] [--only PATH] [--skip-native] [--filter TEXT] [--build-dir DIR]
#   --baselines    also, on each path: the ci suite checked against
#                  results/baselines/ci.json, timed (the replay goldens are
#                  [numeric] tests, so every run has them)
#   --baselines-only  the ci suite and its check alone, without the tests
#   --only PATH    one path: default, avx2 or avx512
#   --skip-native  leave out the path this CPU runs without settings (the
#                  best it has), which a plain ctest run has just tested
#   --filter TEXT  only the [numeric] tests whose name contains TEXT
# Needs a built tree (scripts/build.sh). CI runs it with --skip-native after
# scripts/test.sh.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build=build/release
baselines=0
tests_too=1
only=
skip_native=0
filter=
while [ $# -gt 0 ]; do
  case "$1" in
    --baselines) baselines=1 ;;
    --baselines-only) baselines=1 tests_too=0 ;;
    --only) only=${2:?--only needs a path: default, avx2 or avx512}; shift ;;
    --skip-native) skip_native=1 ;;
    --filter) filter=${2:?--filter needs a text}; shift ;;
    --build-dir) build=${2:?--build-dir needs a directory}; shift ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "test-isa.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
binary=$build/deberta-bench
tests=$build/tests/deberta-bench-tests
die() { echo "test-isa.sh: $*" >&2; exit 1; }
[ -x "$binary" ] && [ -x "$tests" ] || die "no built tree in $build: run scripts/build.sh first."

has_flags() {
  local flag
  for flag in "$@"; do grep -qw "$flag" /proc/cpuinfo || return 1; done
}

# The environment of each path, one assignment per word.
path_environment() {
  case "$1" in
    default) echo "ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE" ;;
    avx2) echo "ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_CBWR=COMPATIBLE" ;;
    avx512) echo "ATEN_CPU_CAPABILITY=avx512" ;;
    *) die "unknown path '$1': expected default, avx2 or avx512" ;;
  esac
}

# ATen's name of the kernels a path asks for, as --version prints it.
expected_kernels() {
  case "$1" in
    default) echo DEFAULT ;;
    avx2) echo AVX2 ;;
    avx512) echo AVX512 ;;
  esac
}

# Checks that the path's settings reach the libraries: a setting that is
# misspelt or ignored would make the run test the native path twice.
probe() {
  local path=$1 fixture=tests/data/fixtures/deberta-v3-tiny scratch version log
  scratch=$(mktemp -d)
  version=$("$binary" --version)
  grep -q "CPU kernels $(expected_kernels "$path")," <<<"$version" ||
    die "$path: deberta-bench --version says '$version', expected CPU kernels $(expected_kernels "$path")"
  if [ -n "${MKL_CBWR:-}" ]; then
    log=$(MKL_VERBOSE=1 "$binary" --threads 1 forward --model "$fixture" --inputs "$fixture/golden.json" \
      --output "$scratch/out.json" 2>&1)
    grep -q "CNR:COMPATIBLE" <<<"$log" || die "$path: MKL_VERBOSE does not report CNR:COMPATIBLE (MKL_CBWR ignored?)"
    echo "probe: MKL in conditional numerical reproducibility, CNR:COMPATIBLE"
  fi
  if [ "$path" = avx2 ]; then
    # oneDNN held to AVX2 reports that ISA, or, since its bf16 kernels need
    # AVX-512, is not called at all for a bf16 forward (ATen's own kernels
    # serve it); it must never report AVX-512 or AMX.
    log=$(ONEDNN_VERBOSE=1 "$binary" --threads 1 forward --precision bf16 --model "$fixture" \
      --inputs "$fixture/golden.json" --output "$scratch/out.json" 2>&1)
    if grep -qi "isa:.*\(AVX-512\|AVX512\|AMX\)" <<<"$log"; then
      die "$path: oneDNN still runs at $(grep -i 'isa:' <<<"$log" | head -n 1 | sed 's/.*isa://')"
    fi
    grep -qi "isa:" <<<"$log" && echo "probe: oneDNN $(grep -i 'isa:' <<<"$log" | head -n 1 | sed 's/.*,cpu,//')" ||
      echo "probe: oneDNN is not called for bf16 below AVX-512 (ATen's kernels serve it)"
  fi
  rm -rf "$scratch"
  echo "probe: $version"
}

# The ctest names of the [numeric] tests, as one anchored regular expression.
numeric_regex() {
  local names
  names=$("$tests" --list-test-names-only "[numeric]" | sed '/^$/d' | grep -F -- "$filter")
  [ -n "$names" ] || die "no test tagged [numeric] in $tests${filter:+ has '$filter' in its name}"
  printf '^(%s)$' "$(sed 's/[][\\.()*+?^$|{}]/\\&/g' <<<"$names" | paste -sd '|')"
}

# The kernels this CPU runs with no setting, e.g. AVX512.
native=$(env -u ATEN_CPU_CAPABILITY "$binary" --version | sed -n 's/.*CPU kernels \([A-Z0-9]*\),.*/\1/p')
paths=()
for path in default avx2 avx512; do
  [ -z "$only" ] || [ "$only" = "$path" ] || continue
  if [ "$skip_native" -eq 1 ] && [ "$(expected_kernels "$path")" = "$native" ]; then
    echo "test-isa.sh: the $path path is left out (--skip-native): it is this CPU's own, which ctest has run"
    continue
  fi
  if [ "$path" = avx512 ] && ! has_flags avx512f avx512bw avx512vl avx512dq; then
    echo "test-isa.sh: the avx512 path is left out: this CPU lacks AVX-512 (F, BW, VL, DQ)"
    continue
  fi
  if [ "$path" = avx2 ] && ! has_flags avx2 fma; then
    echo "test-isa.sh: the avx2 path is left out: this CPU lacks AVX2 and FMA"
    continue
  fi
  paths+=("$path")
done
[ ${#paths[@]} -gt 0 ] || die "no path to run"

regex=$(numeric_regex)
failed=()
timings=()
for path in "${paths[@]}"; do
  read -r -a environment <<<"$(path_environment "$path")"
  echo "== $path: ${environment[*]}"
  start=$SECONDS
  status=0
  # A subshell keeps each path's settings to itself. `set -e` does not hold
  # inside a command whose status is tested, hence an exit after each step.
  (
    export "${environment[@]}"
    probe "$path" || exit 1
    if [ "$tests_too" -eq 1 ]; then ctest --preset release -R "$regex" || exit 1; fi
    if [ "$baselines" -eq 1 ]; then
      rm -rf "build/ci-suite-$path"
      suite_start=$SECONDS
      "$binary" suite --suite configs/suites/ci.yaml --output-dir "build/ci-suite-$path" >/dev/null || exit 1
      "$binary" check --results "build/ci-suite-$path" --baseline results/baselines/ci.json || exit 1
      echo "$path: the ci suite took $((SECONDS - suite_start)) s"
    fi
  ) || status=$?
  timings+=("$path $((SECONDS - start)) s")
  [ "$status" -eq 0 ] || failed+=("$path")
done
echo "test-isa.sh: ${timings[*]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "test-isa.sh: FAILED on ${failed[*]}" >&2
  exit 1
fi
echo "test-isa.sh: the numeric tests pass on every path run (${paths[*]})"
