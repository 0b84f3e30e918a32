#!/usr/bin/env bash
# Fetches the official benchmark files into data/<task dir>/ and verifies each
# one, or copies them from a local mirror with the same layout (--from DIR,
# e.g. ../shared/data). A file is written under a temporary name in its final
# directory and renamed only after its checksum matched, so no half-written
# or unverified file is ever left under its real name.
#
# Usage: scripts/fetch-data.sh [--from DIR] [--dest DIR] [--allow-missing] [TASK...]
#   TASK           nsmc, paws, kornli, korsts, question_pair (default: all)
#   --from DIR     copy from a local mirror instead of downloading
#   --dest DIR     where the files go (default: data/ in the repository)
#   --allow-missing  exit 0 even when a file could not be obtained (they are
#                  still listed); a file that fails its checksum always fails
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# task  file (under the data directory)  sha256 ("-": unknown)  git blob SHA-1  source
# The sha256 values are those of ../shared/data/SHA256SUMS. Three training
# files were never available to the project, so only the git blob id of the
# upstream copy is known for them: they are checked with that instead.
# "tar:PATH" means PATH inside the PAWS-X release tarball.
manifest='
nsmc nsmc/ratings_train.txt e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940 ac0dba272895dc1d0b3dd5f11afbeaeb7abe7876 https://raw.githubusercontent.com/e9t/nsmc/master/ratings_train.txt
nsmc nsmc/ratings_test.txt 8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda b6cfcd8cd1557bcd9bf06617b0e429ed73e9a367 https://raw.githubusercontent.com/e9t/nsmc/master/ratings_test.txt
paws paws-x-ko/translated_train.tsv - a09883705bed3ba1bd61f281559923fd2592b307 tar:x-final/ko/translated_train.tsv
paws paws-x-ko/dev_2k.tsv ec6f963972f61f50b164bcf62c8ee06e6565c365d871d14d85e08f398d402b99 d760482f2988afe9a7930b00ae32743f182c9409 tar:x-final/ko/dev_2k.tsv
paws paws-x-ko/test_2k.tsv 45bb61a9cda953047f4d0628f02555fef2d0c0b5dc05787be3e2c16965a2eef8 73439d805b017aafc57c85c15ad1d5d2fc922b4b tar:x-final/ko/test_2k.tsv
kornli kornli/multinli.train.ko.tsv - 94d26a9d0dd045928148ef8691a256bd0e7d45c3 https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/master/KorNLI/multinli.train.ko.tsv
kornli kornli/snli_1.0_train.ko.tsv - c91761e52fca2a7420104589811346986ce94073 https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/master/KorNLI/snli_1.0_train.ko.tsv
kornli kornli/xnli.dev.ko.tsv 821fb1c1c2e538ac2724a6132da36ffa379eb9a542ceb89243b3cf711377382c 21305150d466aa35d42b14e1890b7dcd58084634 https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/master/KorNLI/xnli.dev.ko.tsv
kornli kornli/xnli.test.ko.tsv 0db53cf8e182283a0d0404ec3fe1b15d1e29236d23d22082dc20d43067254b3e 89a0b11bffa775fafd88178b3980a1fe2d8aee52 https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/master/KorNLI/xnli.test.ko.tsv
korsts korsts/sts-train.tsv b5aaa7f957d6ff46f4b6834a8b0f024a9234a6eefe9289aed66746b4533da3b8 91fc16190dd0102a3cad2f0abf83317703438869 https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/master/KorSTS/sts-train.tsv
korsts korsts/sts-dev.tsv d835b65b424401fbcce6be28a78159df8d61f5b19977ea7a0b83b8cb6105f393 3686d9394fa63bcfd6b1bc7c70a60b1dfe08d388 https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/master/KorSTS/sts-dev.tsv
korsts korsts/sts-test.tsv 13f83a3440d9db52d134eb40303ce021b03264aa338fbf2871c8786ce04d2105 d2a7c958d520ed84402c0042142a60d9a18ee3e4 https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/master/KorSTS/sts-test.tsv
question_pair question-pair/train.txt addf4c88b19066ad55a09f466c5c3f6428b3f2bd5d55100d3ca5b93d9d8daff9 13029db0f61003a710d197dd8b2f8093d7ece75f https://raw.githubusercontent.com/songys/Question_pair/master/train.txt
question_pair question-pair/validation.txt 3928c783f561f36547fd8e0c9d78a6e1d6013db3debcf559c4135aa5536badea 631cc37063a384d4deb81ff4ea9433440a74e144 https://raw.githubusercontent.com/songys/Question_pair/master/validation.txt
question_pair question-pair/test.txt 0d5738107ea3742de4dcaf3a358b6bfa4818781bc6aec11a9956a3fbe35f8b61 b3fb1b47f5326eac4c3a3c01927973e187ce1a0e https://raw.githubusercontent.com/songys/Question_pair/master/test.txt
'
paws_tarball_url='https://storage.googleapis.com/paws/pawsx/x-final.tar.gz'
all_tasks='nsmc paws kornli korsts question_pair'

usage() { sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
say() { printf 'fetch-data: %s\n' "$*"; }
die() { printf 'fetch-data: error: %s\n' "$*" >&2; exit 2; }

from='' dest="$repo/data" allow_missing=0 tasks=()
while (($#)); do
  case "$1" in
    --from) (($# >= 2)) || die "--from needs a directory"; from="$2"; shift 2 ;;
    --dest) (($# >= 2)) || die "--dest needs a directory"; dest="$2"; shift 2 ;;
    --allow-missing) allow_missing=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ " $all_tasks " == *" $1 "* ]] || die "unknown task '$1'; the tasks are: $all_tasks"
       tasks+=("$1"); shift ;;
  esac
done
((${#tasks[@]})) || read -r -a tasks <<<"$all_tasks"
[[ -z "$from" || -d "$from" ]] || die "the mirror directory $from does not exist"

work="$(mktemp -d "${TMPDIR:-/tmp}/fetch-data.XXXXXX")"
partial=''
cleanup() {
  [[ -n "$partial" ]] && rm -f -- "$partial"
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sha256_of() { sha256sum -- "$1" | cut -d' ' -f1; }
# The id `git hash-object FILE` prints, without needing git.
blob_of() { { printf 'blob %s\0' "$(stat -c %s -- "$1")"; cat -- "$1"; } | sha1sum | cut -d' ' -f1; }

# verify FILE SHA256 BLOB: succeeds when FILE has the expected checksum;
# otherwise sets `why` to what it found.
verify() {
  local got
  if [[ "$2" != - ]]; then
    got="$(sha256_of "$1")"
    [[ "$got" == "$2" ]] && return 0
    why="sha256 $got, expected $2"
  else
    got="$(blob_of "$1")"
    [[ "$got" == "$3" ]] && return 0
    why="git blob $got, expected $3"
  fi
  return 1
}

# download URL OUT: sets `why` when curl fails.
download() {
  local rc=0
  curl -fsSL --connect-timeout 20 --retry 2 -o "$2" "$1" 2>"$work/curl.err" </dev/null || rc=$?
  ((rc == 0)) && return 0
  why="cannot download $1 (curl exit $rc: $(tail -n 1 "$work/curl.err")); no network? use --from DIR"
  return 1
}

# The PAWS-X files come out of one tarball: download it once, and remember a
# failure so that it is not retried for every file.
tarball='' tarball_error=''
# obtain SOURCE RELPATH OUT: puts the file's bytes in OUT, or sets `why`.
obtain() {
  local source="$1" rel="$2" out="$3"
  if [[ -n "$from" ]]; then
    [[ -f "$from/$rel" ]] || { why="not in the mirror $from"; return 1; }
    cp -- "$from/$rel" "$out" || { why="cannot copy $from/$rel"; return 1; }
    return 0
  fi
  if [[ "$source" != tar:* ]]; then
    download "$source" "$out"
    return
  fi
  [[ -z "$tarball_error" ]] || { why="$tarball_error"; return 1; }
  if [[ -z "$tarball" ]]; then
    if ! download "$paws_tarball_url" "$work/x-final.tar.gz"; then
      tarball_error="$why"
      return 1
    fi
    tarball="$work/x-final.tar.gz"
  fi
  local member="${source#tar:}"
  tar -xzf "$tarball" -C "$work" "$member" 2>/dev/null || { why="$member is not in $paws_tarball_url"; return 1; }
  mv -- "$work/$member" "$out"
}

missing=() corrupt=()
while read -r -u 3 task rel sha blob source; do
  [[ -n "$task" && " ${tasks[*]} " == *" $task "* ]] || continue
  target="$dest/$rel"
  if [[ -f "$target" ]]; then
    if verify "$target" "$sha" "$blob"; then
      say "ok       $rel (already there)"
      continue
    fi
    say "replace  $rel: $why"
  fi
  mkdir -p -- "$(dirname -- "$target")"
  partial="$(mktemp "$(dirname -- "$target")/.$(basename -- "$target").part.XXXXXX")"
  why=''
  if ! obtain "$source" "$rel" "$partial"; then
    say "MISSING  $rel: $why"
    missing+=("$rel")
  elif ! verify "$partial" "$sha" "$blob"; then
    say "CORRUPT  $rel: $why; nothing written"
    corrupt+=("$rel")
  else
    mv -f -- "$partial" "$target"
    say "fetched  $rel"
  fi
  rm -f -- "$partial"
  partial=''
  rmdir --ignore-fail-on-non-empty -- "$(dirname -- "$target")"
done 3<<<"$manifest"

if ((${#corrupt[@]})); then
  say "${#corrupt[@]} file(s) failed their checksum: ${corrupt[*]}"
  exit 1
fi
if ((${#missing[@]})); then
  say "${#missing[@]} file(s) could not be obtained: ${missing[*]}"
  ((allow_missing)) && { say "continuing (--allow-missing)"; exit 0; }
  exit 1
fi
say "every file is in $dest and verified"
