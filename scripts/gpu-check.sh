#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU, python3 with torch 2.x
# (CUDA), cmake, ninja and nvcc, but no apt and no internet. It builds
# deberta-bench against that torch from the bundle of scripts/gpu-bundle.sh,
# then runs, within about 10 minutes on 16 cores:
#   1. forward parity on every fixture on cuda, fp32, within 1e-4 of the goldens;
#   2. a bf16 fine-tune of the NSMC sample (and the fp32 one beside it);
#   3. bench --mode train at xsmall and base shapes, fp32 and bf16;
#   4. one JSON report with every figure.
# Usage: scripts/gpu-check.sh [--cpu] [--dry-run] [--bundle DIR] [--work DIR] [--report FILE]
#   --cpu       the bundle path on a machine without a GPU: every step but the
#               CUDA ones, configured against the bundle and the torch wheel
#               alone (the system's / and /usr hidden from CMake and pkg-config),
#               then the libraries check and the parity step on the CPU
#   --dry-run   list what it would run, run nothing
#   --bundle    gpu-bundle.sh's folder (default: gpu-bundle/)
#   --work      build and scratch space (default: $TMPDIR/deberta-bench-gpu)
#   --report    the JSON report (default: $OUT/gpu-check.json when $OUT is set, else gpu-check.json)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bundle=$repo/gpu-bundle
work=${TMPDIR:-/tmp}/deberta-bench-gpu
report=${OUT:+$OUT/}gpu-check.json
dry_run=0
device=cuda
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) device=cpu ;;
    --dry-run) dry_run=1 ;;
    --bundle) bundle=$2; shift ;;
    --work) work=$2; shift ;;
    --report) report=$2; shift ;;
    *) echo "gpu-check.sh: unknown argument '$1' (see the header of this script)" >&2; exit 2 ;;
  esac
  shift
done
bundle=$(realpath -m "$bundle")
work=$(realpath -m "$work")
report=$(realpath -m "$report")
# The GPU machine's plain python3 holds torch; here (--cpu) setup.sh's venv does.
venv_python=${DEBERTA_BENCH_HOME:-$HOME/.cache/deberta-bench}/venv/bin/python
if [ -n "${PYTHON:-}" ]; then
  python=$PYTHON
elif [ "$device" = cpu ] && [ -x "$venv_python" ]; then
  python=$venv_python
else
  python=python3
fi
spm_version=0.1.97
prefix=$work/prefix
# Inside the source tree, so that the binary finds configs/ and data/samples/.
build=$repo/build/gpu-check
binary=$build/deberta-bench
jobs=$(nproc 2>/dev/null || echo 4)
steps_file=$work/steps.jsonl
if [ "$dry_run" -eq 0 ]; then
  mkdir -p "$work/logs"
  : >"$steps_file"
fi

# Runs one named step, logging its output and time; a failed step is
# recorded and the check goes on with the next.
step() {
  local name=$1 what=$2
  shift 2
  if [ "$dry_run" -eq 1 ]; then
    printf '%-18s %s\n' "$name" "$what"
    return 0
  fi
  echo "== $name: $*"
  local start=$SECONDS status=0
  "$@" >"$work/logs/$name.log" 2>&1 || status=$?
  tail -n 5 "$work/logs/$name.log"
  printf '{"step": "%s", "status": %d, "seconds": %d}\n' "$name" "$status" $((SECONDS - start)) >>"$steps_file"
  return 0
}

# step() tests each function's status, which turns `set -e` off inside it:
# every command that may fail returns by itself.
unpack() {
  rm -rf "$prefix" && mkdir -p "$prefix" || return 1
  for deb in "$bundle"/debs/*.deb; do dpkg -x "$deb" "$prefix" || return 1; done
  ls "$prefix/usr/lib/"*/cmake
}

build_sentencepiece() {
  rm -rf "$work/spm" && mkdir -p "$work/spm" || return 1
  tar -C "$work/spm" -xzf "$bundle/sentencepiece-$spm_version.tar.gz" || return 1
  cmake -S "$work/spm/sentencepiece-$spm_version" -B "$work/spm/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSPM_ENABLE_SHARED=OFF -DSPM_ENABLE_TCMALLOC=OFF -DSPM_USE_BUILTIN_PROTOBUF=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_VISIBILITY_PRESET=hidden \
    -DCMAKE_VISIBILITY_INLINES_HIDDEN=ON -DCMAKE_POLICY_DEFAULT_CMP0063=NEW || return 1
  cmake --build "$work/spm/build" -j "$jobs" --target sentencepiece-static sentencepiece_train-static
}

# --disable-new-dtags: the binary's RPATH (not RUNPATH) also serves the
# libraries its libraries load, so libcurl finds its TLS, HTTP/2 and Kerberos
# libraries in the prefix, not on a system that may lack them.
build_deberta_bench() {
  local hide=()
  # The proof on a machine that has every package in /usr: CMake and
  # pkg-config see the bundle and the torch wheel only.
  [ "$device" = cpu ] && hide=("-DCMAKE_IGNORE_PREFIX_PATH=/usr;/" -DCMAKE_MAKE_PROGRAM="$(command -v ninja)")
  # Every package is found again from this bundle, not from an earlier cache,
  # and a failed build leaves no earlier binary behind.
  rm -f "$build/CMakeCache.txt" "$binary"
  PKG_CONFIG_LIBDIR="$prefix/usr/lib/x86_64-linux-gnu/pkgconfig:$prefix/usr/share/pkgconfig" \
    PKG_CONFIG_SYSROOT_DIR="$prefix" \
    cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEBERTA_BENCH_TESTS=OFF \
    -DCMAKE_PREFIX_PATH="$prefix/usr" -DDEBERTA_BENCH_TORCH_PYTHON="$(command -v "$python")" \
    -DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags -DCMAKE_BUILD_RPATH="$prefix/lib/x86_64-linux-gnu" "${hide[@]}" \
    -DSENTENCEPIECE_SOURCE_DIR="$work/spm/sentencepiece-$spm_version" -DSENTENCEPIECE_BUILD_DIR="$work/spm/build" ||
    return 1
  cmake --build "$build" -j "$jobs" || return 1
  "$binary" --version
}

# Every library the binary loads is found, and each that the bundle holds
# comes from the prefix (libcurl and what it loads, fmt, yaml-cpp, ICU). A
# library missing on the machine shows here as "not found" before anything
# runs. Some bookworm packages still install into /lib rather than /usr/lib,
# hence both in the RPATH.
libraries() {
  local listing status=0 name path
  listing=$(ldd "$binary")
  echo "$listing"
  if grep -q "not found" <<<"$listing"; then
    echo "libraries: not found: $(grep "not found" <<<"$listing" | awk '{print $1}' | tr '\n' ' ')"
    status=1
  fi
  grep -q "^[[:space:]]*libcurl.so.4 => $prefix/" <<<"$listing" || { echo "libraries: libcurl.so.4 is not the bundle's"; status=1; }
  while read -r name path; do
    if [ -n "$(find "$prefix" -name "$name" -print -quit)" ] && [[ "$path" != "$prefix"/* ]]; then
      echo "libraries: $name is in the bundle but loaded from $path"
      status=1
    fi
  done < <(awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' <<<"$listing")
  return $status
}

# Forward on cuda for every fixture, compared with golden.json.
parity() {
  local status=0
  for fixture in "$repo"/tests/data/fixtures/*/; do
    local name
    name=$(basename "$fixture")
    "$binary" --device "$device" forward --model "$fixture" --inputs "$fixture/golden.json" \
      --output "$work/forward-$name.json" || status=1
    "$python" - "$fixture/golden.json" "$work/forward-$name.json" "$name" <<'PY' || status=1
import json, sys
golden = json.load(open(sys.argv[1]))["model"]["outputs"]
ours = json.load(open(sys.argv[2]))["model"]["outputs"]
worst = {k: max(abs(a - b) for a, b in zip(ours[k]["data"], golden[k]["data"])) for k in ours}
print(json.dumps({"fixture": sys.argv[3], "max_abs": worst, "ok": max(worst.values()) <= 1e-4}))
sys.exit(0 if max(worst.values()) <= 1e-4 else 1)
PY
  done
  return $status
}

finetune() {
  local precision=$1
  rm -rf "$work/runs/nsmc-$precision" || return 1
  "$binary" --device cuda finetune --task nsmc --set "training.precision=$precision" \
    --output-dir "$work/runs/nsmc-$precision"
}

bench() {
  local preset=$1 precision=$2
  "$binary" --device cuda bench --mode train --preset "$preset" --batch 32 --seq-len 128 --precision "$precision" \
    --warmup 3 --iters 10 --json | tee "$work/bench-$preset-$precision.json"
}

[ "$dry_run" -eq 1 ] && echo "gpu-check.sh --dry-run: bundle $bundle, work $work, report $report; it would run:"
[ "$dry_run" -eq 1 ] || [ -d "$bundle/debs" ] || { echo "gpu-check.sh: no bundle in $bundle: run scripts/gpu-bundle.sh first" >&2; exit 2; }
step unpack "dpkg -x the bundle's .deb files into $prefix (never into /)" unpack
step sentencepiece "build SentencePiece $spm_version static, hidden symbols, from the bundle's source" \
  build_sentencepiece
step build "configure and build deberta-bench against $python's torch (-j $jobs)" build_deberta_bench
step libraries "ldd: every library found, and each the bundle holds (libcurl and its libraries, fmt, yaml-cpp, ICU) from $prefix" libraries
step parity "deberta-bench --device $device forward on every fixture; max |ours - golden| <= 1e-4" parity
if [ "$device" = cpu ]; then
  [ "$dry_run" -eq 1 ] && echo "(--cpu: the fine-tunes and benches on cuda are left out)"
else
  step finetune-fp32 "deberta-bench --device cuda finetune --task nsmc (fp32)" finetune fp32
  step finetune-bf16 "deberta-bench --device cuda finetune --task nsmc --set training.precision=bf16" finetune bf16
  for preset in xsmall base; do
    for precision in fp32 bf16; do
      step "bench-$preset-$precision" \
        "deberta-bench --device cuda bench --mode train --preset $preset --batch 32 --seq-len 128 --precision $precision" \
        bench "$preset" "$precision"
    done
  done
fi
if [ "$dry_run" -eq 1 ]; then
  echo "then write the JSON report $report (versions, every step's status and time, parity, fine-tunes, bench)"
  exit 0
fi

"$python" - "$work" "$report" "$binary" <<'PY'
import glob, json, os, subprocess, sys
work, report, binary = sys.argv[1:4]
def lines(path):
    try:
        return [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    except OSError:
        return []
def results(run):
    path = os.path.join(work, "runs", run, "results.json")
    return json.load(open(path)) if os.path.exists(path) else None
out = {
    "version": subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip(),
    "steps": lines(os.path.join(work, "steps.jsonl")),
    "parity": lines(os.path.join(work, "logs", "parity.log")),
    "finetune": {p: results(f"nsmc-{p}") for p in ("fp32", "bf16")},
    "bench": [json.load(open(f)) for f in sorted(glob.glob(os.path.join(work, "bench-*.json")))
              if os.path.getsize(f) > 0],
}
tmp = report + ".tmp"
json.dump(out, open(tmp, "w"), indent=2)
os.replace(tmp, report)
failed = [s["step"] for s in out["steps"] if s["status"] != 0]
print(f"gpu-check: report {report}; " + (f"failed steps: {', '.join(failed)}" if failed else "every step passed"))
sys.exit(1 if failed else 0)
PY
