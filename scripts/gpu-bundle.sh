#!/usr/bin/env bash
# Prepares, on a Debian machine with apt, what scripts/gpu-check.sh needs on
# a GPU machine that has python3 with torch 2.x, cmake, ninja and nvcc but
# no apt and no internet: the Debian .deb files of the build's other
# dependencies (unpacked there with dpkg -x into a prefix, never into /) and
# the SentencePiece source that scripts/setup.sh unpacked. About 31 MB (ICU,
# for the WordPiece and KoBERT tokenizers, is 20 MB of it).
#   scripts/gpu-bundle.sh [DIR]     (default: gpu-bundle/, git-ignored)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$repo/gpu-bundle}
spm_version=0.1.97
spm_src="$repo/third_party/sentencepiece-$spm_version"
die() { echo "gpu-bundle.sh: $*" >&2; exit 1; }

# Headers and libraries, with the runtime libraries they link.
packages=(libfmt-dev libfmt9 libyaml-cpp-dev libyaml-cpp0.7 libcli11-dev nlohmann-json3-dev libgloo-dev
  libicu-dev libicu72 libcurl4-openssl-dev libcurl4)

[ -d "$spm_src/src" ] || die "no SentencePiece source in $spm_src: run scripts/setup.sh first."

# libcurl (the Hub client, lib/hub/) links some twenty libraries (TLS,
# HTTP/2, Kerberos, LDAP, ...) that a machine without apt may lack. Carry the
# package of every library it loads, found with ldd here, except glibc's
# (the GPU machine's own C library must serve the binary, and a newer glibc
# runs what an older one built).
# awk reads to the end rather than exit at the first match: an early exit
# gives the writer SIGPIPE, and pipefail makes that the script's status (141).
curl_library=$(ldconfig -p | awk '/libcurl\.so\.4 .*x86-64/ && !found {print $NF; found = 1}')
[ -n "$curl_library" ] || die "libcurl.so.4 is not installed: run scripts/setup.sh first."
# dpkg knows a file by the path its package installs, /lib or /usr/lib (merged
# /usr): look the file's name up and keep the owner of a library directory's copy.
owner() {
  dpkg -S "*/$(basename "$(readlink -f "$1")")" 2>/dev/null |
    awk -F': ' '$2 ~ /\/lib\/x86_64-linux-gnu\/[^\/]+$/ && !found {sub(/:.*/, "", $1); print $1; found = 1}'
}
while read -r library; do
  package=$(owner "$library")
  [ -n "$package" ] || die "no Debian package owns $library (needed by libcurl)."
  case " libc6 ${packages[*]} " in *" $package "*) ;; *) packages+=("$package") ;; esac
done < <(ldd "$curl_library" | awk '$3 ~ /^\// {print $3}')
tmp=$(mktemp -d "${out%/}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debs"
# A machine whose packages came preinstalled may have no package lists yet.
(cd "$tmp/debs" && apt-get download -qq "${packages[@]}" 2>/dev/null) ||
  { apt-get update -qq && (cd "$tmp/debs" && apt-get download -qq "${packages[@]}"); } ||
  die "apt-get download failed for ${packages[*]}: check the apt sources and the network."
# The source tree less its test data, documentation and Python binding.
tar -C "$(dirname "$spm_src")" -czf "$tmp/sentencepiece-$spm_version.tar.gz" \
  --exclude="sentencepiece-$spm_version/data" --exclude="sentencepiece-$spm_version/python" \
  --exclude="sentencepiece-$spm_version/doc" --exclude="sentencepiece-$spm_version/debian" \
  "sentencepiece-$spm_version"
{
  echo "deberta-bench GPU bundle, made $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m)"
  echo "packages: ${packages[*]}"
  (cd "$tmp" && sha256sum debs/*.deb "sentencepiece-$spm_version.tar.gz")
} >"$tmp/MANIFEST"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "gpu-bundle.sh: $(du -sh "$out" | cut -f1) in $out ($(ls "$out/debs" | wc -l) .deb files and the SentencePiece source)"
