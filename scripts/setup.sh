#!/usr/bin/env bash
# Sets up a Debian bookworm machine for deberta-bench. Safe to re-run: every
# step is skipped when it is already done.
#   1. installs the Debian packages the build needs;
#   2. installs PyPI's torch wheel, pinned to 2.11.0 (a CUDA 13.0 build that
#      also runs on CPUs), into a virtual environment outside the clone,
#      ${DEBERTA_BENCH_HOME:-~/.cache/deberta-bench}/venv, which every clone
#      and CI run then shares: the wheel and its CUDA libraries are gigabytes.
#      CMake finds libtorch there (cmake/Torch.cmake);
#   3. installs PyPI's tensorboard, pinned, into the same venv: a test reads
#      the runs' event files with TensorBoard's own reader (tests/
#      tensorboard_check.py), and `tensorboard --logdir runs/` shows them;
#   4. with --with-transformers, also Hugging Face transformers, pinned, as
#      the measured peer of scripts/bench-hf.py and scripts/hf-parity.py;
#   5. builds SentencePiece 0.1.97 from Debian's source package as a static
#      library with hidden symbols, into third_party/ (git-ignored), with
#      scripts/sentencepiece-float-scores.patch (0.2.2's float path scores).
# Why the source build: the tokenizer.json route builds a sentencepiece
# ModelProto, whose header Debian's libsentencepiece-dev does not ship; and
# Debian's shared library exports the protobuf-lite it embeds, which clashed
# with the libprotobuf.so that Debian's libtorch 1.13 loaded.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
torch_version=2.11.0
transformers_version=5.24.0
tensorboard_version=2.21.0
sentencepiece_py_version=0.2.3
home=${DEBERTA_BENCH_HOME:-$HOME/.cache/deberta-bench}
venv="$home/venv"
with_transformers=0
for argument in "$@"; do
  case "$argument" in
    --with-transformers) with_transformers=1 ;;
    -h | --help)
      echo "usage: scripts/setup.sh [--with-transformers]"
      exit 0
      ;;
    *)
      echo "setup.sh: unknown argument '$argument' (usage: scripts/setup.sh [--with-transformers])" >&2
      exit 2
      ;;
  esac
done
spm_version=0.1.97
spm_src="$repo/third_party/sentencepiece-$spm_version"
spm_build="$repo/third_party/sentencepiece-build"
spm_patch="$repo/scripts/sentencepiece-float-scores.patch"
spm_stamp="$spm_build/.built-$spm_version-float-scores"

die() { echo "setup.sh: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  die "installing packages needs root: run this script as root or install sudo."
fi
export DEBIAN_FRONTEND=noninteractive

packages=(
  libfmt-dev libyaml-cpp-dev libcli11-dev catch2 nlohmann-json3-dev libgloo-dev cmake ninja-build g++ pkg-config
  dpkg-dev patch python3 python3-venv
  # Downloads from the Hugging Face Hub (lib/hub/).
  libcurl4-openssl-dev
  # Unicode normalization and categories for the WordPiece and KoBERT tokenizers (lib/tokenizer/).
  libicu-dev
  # The fuzz targets and the sanitized core tests (scripts/fuzz.sh, scripts/sanitize-core.sh).
  clang-14 libclang-rt-14-dev
)

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

need=$(missing_packages "${packages[@]}")
if [ -n "$need" ]; then
  echo "setup.sh: installing Debian packages:" $need
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed: check the network and /etc/apt/sources.list*."
  # shellcheck disable=SC2086
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends $need >/dev/null ||
    die "apt-get install failed for: $need. Run it by hand to see why."
else
  echo "setup.sh: Debian packages already installed."
fi

# A python3 whose venv module works: a pyenv or other python3 on PATH, else
# Debian's (python3-venv, installed above, gives it the module).
python=python3
if ! "$python" -m venv --help >/dev/null 2>&1; then python=/usr/bin/python3; fi

installed_torch() { "$venv/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null || true; }

if [[ "$(installed_torch)" == "$torch_version"* ]]; then
  echo "setup.sh: torch $(installed_torch) already installed in $venv."
else
  echo "setup.sh: installing torch $torch_version from PyPI into $venv (about 3.5 GB with its CUDA libraries)"
  mkdir -p "$home"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" ||
    die "cannot create the virtual environment $venv with $python: install python3-venv."
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "torch==$torch_version" ||
    die "pip could not install torch==$torch_version into $venv: check the network (PyPI) and the disk space."
fi

# About 80 MB installed with its dependencies (grpcio, numpy, protobuf, ...).
if "$venv/bin/python" -c "import tensorboard, sys; sys.exit(tensorboard.__version__ != '$tensorboard_version')" \
  2>/dev/null; then
  echo "setup.sh: tensorboard $tensorboard_version already installed in $venv."
else
  echo "setup.sh: installing tensorboard $tensorboard_version (the reader the event-file test checks against) into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "tensorboard==$tensorboard_version" ||
    die "pip could not install tensorboard==$tensorboard_version into $venv: check the network (PyPI)."
fi

if [ "$with_transformers" -eq 1 ]; then
  if "$venv/bin/python" -c "import transformers, sys; sys.exit(transformers.__version__ != '$transformers_version')" \
    2>/dev/null; then
    echo "setup.sh: transformers $transformers_version already installed in $venv."
  else
    echo "setup.sh: installing transformers $transformers_version (the measured peer) into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "transformers==$transformers_version" \
      "sentencepiece==$sentencepiece_py_version" numpy ||
      die "pip could not install transformers==$transformers_version into $venv."
  fi
fi

has_deb_src() {
  grep -rhsqE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
}

add_deb_src() {
  # Mirror the binary sources of the deb822 file Debian ships, as source entries.
  local src=/etc/apt/sources.list.d/debian.sources
  local out=/etc/apt/sources.list.d/deberta-bench-src.sources
  if [ -f "$src" ]; then
    sed -E 's/^Types:.*/Types: deb-src/' "$src" | "${sudo[@]}" tee "$out" >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list | sed -E 's/^([[:space:]]*)deb /\1deb-src /' |
      "${sudo[@]}" tee /etc/apt/sources.list.d/deberta-bench-src.list >/dev/null
  else
    die "no apt sources found: add a deb-src line for Debian bookworm to /etc/apt/sources.list."
  fi
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed after adding deb-src entries."
}

if [ -f "$spm_stamp" ]; then
  echo "setup.sh: SentencePiece $spm_version already built in third_party/."
else
  # sentencepiece 0.2.2 and later (what pip installs, and so what
  # kobert-transformers tokenizes with) sum a path's scores in float, 0.1.97
  # in double; the rounding breaks ties between orders of the same pieces
  # ("...." as "." + "..." or "..." + ".") the other way. The patch makes the
  # sums float, as there. Applied once, to a fresh or an earlier source tree.
  if [ ! -d "$spm_src" ]; then
    has_deb_src || { echo "setup.sh: adding a deb-src entry for Debian's source packages"; add_deb_src; }
    mkdir -p "$repo/third_party"
    tmp=$(mktemp -d "$repo/third_party/.apt-source.XXXXXX")
    (cd "$tmp" && apt-get source -qq sentencepiece >/dev/null 2>&1) ||
      { rm -rf "$tmp"; die "apt-get source sentencepiece failed: make sure a deb-src entry for bookworm exists and run 'apt-get update'."; }
    [ -d "$tmp/sentencepiece-$spm_version" ] ||
      { rm -rf "$tmp"; die "apt-get source did not unpack sentencepiece-$spm_version: this script expects Debian bookworm, whose sentencepiece is $spm_version."; }
    # Debian's packaging patch removes the static targets; put them back.
    (cd "$tmp/sentencepiece-$spm_version" && patch -R -p1 -s <debian/patches/disable-static-library.patch) ||
      { rm -rf "$tmp"; die "could not revert Debian's disable-static-library.patch in sentencepiece-$spm_version."; }
    mv "$tmp/sentencepiece-$spm_version" "$spm_src"
    rm -rf "$tmp"
  fi
  if ! (cd "$spm_src" && patch -R -p1 -s -f --dry-run <"$spm_patch" >/dev/null 2>&1); then
    (cd "$spm_src" && patch -p1 -s --forward --batch <"$spm_patch") ||
      die "could not apply $spm_patch to $spm_src: remove $spm_src and run setup.sh again."
  fi
  echo "setup.sh: building SentencePiece $spm_version as a static library (a few minutes)"
  cmake -S "$spm_src" -B "$spm_build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSPM_ENABLE_SHARED=OFF -DSPM_ENABLE_TCMALLOC=OFF -DSPM_USE_BUILTIN_PROTOBUF=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_VISIBILITY_PRESET=hidden \
    -DCMAKE_VISIBILITY_INLINES_HIDDEN=ON -DCMAKE_POLICY_DEFAULT_CMP0063=NEW >/dev/null ||
    die "configuring SentencePiece failed: see $spm_build/CMakeFiles/CMakeError.log."
  cmake --build "$spm_build" --target sentencepiece-static sentencepiece_train-static >/dev/null ||
    die "building SentencePiece failed: run 'cmake --build $spm_build' to see the error."
  touch "$spm_stamp"
fi

echo "setup.sh: done. Next: cmake --preset release && cmake --build --preset release"
