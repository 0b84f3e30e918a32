#!/usr/bin/env bash
# Builds the torch-free core and the torch-free tests with AddressSanitizer
# and UndefinedBehaviorSanitizer (tests/sanitize/, no libtorch) and runs them.
# The tests that run the deberta-bench executable cannot: it needs the torch
# part, which this build leaves out. They are left out by tag, and counted.
#   scripts/sanitize-core.sh [-j N] [CATCH2 OPTIONS...]   (options such as --durations yes; the test
#   selection is the script's)
# Environment: CXX (default clang++-14, else c++), BUILD_DIR (build/sanitize).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc)
if [[ ${1:-} == -j ]]; then
  jobs=$2
  shift 2
fi
build=${BUILD_DIR:-build/sanitize}
cxx=${CXX:-$(command -v clang++-14 || command -v c++)}
start=$SECONDS

cmake -S tests/sanitize -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$build" -j "$jobs"
tests=$build/deberta-bench-core-tests

# What is left out, and why.
count() { "$tests" --list-test-names-only "$@" | grep -c . || true; }
total=$(count)
hidden=$(count '[.]')
filter='~[cli]~[.]'
cli=$(count '[cli]~[.]')
run=$(count "$filter")
echo "sanitize-core: $total torch-free test cases (and $hidden hidden ones, [.fulldata], not run here); leaving out" \
  "$cli tagged [cli] (they run the deberta-bench executable, which needs libtorch); running $run."

# The tests find configs/ and data/samples/ above their executable; a build
# directory outside the checkout is told where they are instead.
if [[ $(realpath "$build") != "$PWD"/* ]]; then
  export DEBERTA_BENCH_CONFIGS=${DEBERTA_BENCH_CONFIGS:-$PWD/configs}
  export DEBERTA_BENCH_DATA=${DEBERTA_BENCH_DATA:-$PWD/data/samples}
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
"$tests" "$filter" "$@" || status=$?
echo "sanitize-core: exit $status after $((SECONDS - start)) s (build and run)"
exit $status
