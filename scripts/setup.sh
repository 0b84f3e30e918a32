#!/usr/bin/env bash
# Sets up a Debian bookworm machine for deberta-bench. Safe to re-run.
#   1. installs the Debian packages the build needs;
#   2. builds SentencePiece 0.1.97 from Debian's source package as a static
#      library with hidden symbols, into third_party/ (git-ignored).
# Why the source build: Debian's shared libsentencepiece exports the
# protobuf-lite it embeds, and in one process with libtorch (which loads
# libprotobuf.so.32) that segfaults during static initialisation.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
spm_version=0.1.97
spm_src="$repo/third_party/sentencepiece-$spm_version"
spm_build="$repo/third_party/sentencepiece-build"
spm_stamp="$spm_build/.built-$spm_version"

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
  libtorch-dev libopenblas0-openmp libfmt-dev libyaml-cpp-dev libcli11-dev catch2
  nlohmann-json3-dev cmake ninja-build g++ pkg-config dpkg-dev patch
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
