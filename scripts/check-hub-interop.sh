#!/usr/bin/env bash
# Development check, not run by CI: deberta-bench and huggingface_hub read each
# other's Hugging Face cache. tests/hub_mock.py serves the fixture
# tests/data/fixtures/deberta-v3-tiny as deberta-bench/tiny on loopback.
#   a. huggingface_hub downloads into cache A; offline, deberta-bench uses A.
#   b. deberta-bench downloads into cache B; offline, huggingface_hub uses B.
#
#   bash scripts/check-hub-interop.sh [--python-only] [DEBERTA_BENCH_EXE]
#
# DEBERTA_BENCH_EXE defaults to build/release/deberta-bench; PYTHON (default
# ~/.cache/deberta-bench/venv/bin/python) must have huggingface_hub.
# --python-only runs only the huggingface_hub steps of (a): a check of the mock.
set -euo pipefail

python_only=0
if [[ ${1:-} == --python-only ]]; then
  python_only=1
  shift
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exe=${1:-$root/build/release/deberta-bench}
PYTHON=${PYTHON:-$HOME/.cache/deberta-bench/venv/bin/python}
fixture=$root/tests/data/fixtures/deberta-v3-tiny
repo=deberta-bench/tiny

step() { printf '\n== %s\n' "$*"; }
fail() {
  printf '\nFAIL: %s\n' "$*" >&2
  exit 1
}

[[ -x $PYTHON ]] || fail "no python at $PYTHON (set PYTHON to one with huggingface_hub)"
"$PYTHON" -c 'import huggingface_hub' 2>/dev/null || fail "$PYTHON cannot import huggingface_hub"
if ((!python_only)); then
  [[ -x $exe ]] || fail "no deberta-bench at $exe (build it, pass its path, or use --python-only)"
  exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
fi

work=$(mktemp -d)
mock_pid=
stop_mock() {
  if [[ -n $mock_pid ]]; then
    kill -TERM "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
    mock_pid=
  fi
}
trap 'stop_mock; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Nothing from the user's own setup: no token, no cache, no proxy between us and loopback.
unset HF_TOKEN HF_ENDPOINT HF_HUB_CACHE HF_HUB_OFFLINE TRANSFORMERS_CACHE HF_HUB_ENABLE_HF_TRANSFER
export HF_HOME=$work/hf-home HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
cache_a=$work/cache-a
cache_b=$work/cache-b

start_mock() {
  : >"$work/port"
  "$PYTHON" "$root/tests/hub_mock.py" --repo "$repo=$fixture" --log "$work/mock.log" \
    >"$work/port" 2>"$work/mock.err" &
  mock_pid=$!
  local _
  for _ in $(seq 100); do
    # `read` succeeds only once the whole line, newline included, is there.
    if read -r port <"$work/port"; then
      endpoint=http://127.0.0.1:$port
      echo "mock hub at $endpoint (pid $mock_pid)"
      return
    fi
    kill -0 "$mock_pid" 2>/dev/null || fail "the mock hub exited: $(cat "$work/mock.err")"
    sleep 0.1
  done
  fail "the mock hub printed no port within 10 s"
}

# The huggingface_hub side, one sub-command per check.
cat >"$work/hf_side.py" <<'EOF'
import os, sys
import huggingface_hub as hf

REPO = "deberta-bench/tiny"


def fail(message):
    sys.exit("FAIL: " + message)


def check_ref(cache, commit):
    with open(os.path.join(cache, "models--deberta-bench--tiny", "refs", "main"), "rb") as f:
        ref = f.read()
    if ref != commit.encode():
        fail("refs/main holds %r, not the commit %s (huggingface_hub reads it verbatim: no newline)" % (ref, commit))


def check_snapshot(cache, commit, fixture, expected=None):
    """Snapshot files are relative links to blobs named by etag, with the fixture's bytes."""
    check_ref(cache, commit)
    snapshot = os.path.join(cache, "models--deberta-bench--tiny", "snapshots", commit)
    present = sorted(os.path.relpath(os.path.join(d, n), snapshot) for d, _, ns in os.walk(snapshot) for n in ns)
    if expected is not None:
        missing = sorted(set(expected) - set(present))
        if missing:
            fail("files the mock serves are missing from the snapshot: %s" % ", ".join(missing))
    if "config.json" not in present:
        fail("no config.json in %s" % snapshot)
    for name in present:
        path = os.path.join(snapshot, name)
        if not os.path.islink(path) or not os.readlink(path).startswith("../" * (name.count("/") + 2) + "blobs/"):
            fail("%s is not a relative link into blobs/" % path)
        with open(path, "rb") as f, open(os.path.join(fixture, name), "rb") as g:
            if f.read() != g.read():
                fail("%s differs from the fixture" % name)
        if expected is not None and os.path.basename(os.readlink(path)) != expected[name]:
            fail("%s links to blob %s, expected %s" % (name, os.readlink(path), expected[name]))
    print("snapshot %s: %d files, each a link to its blob, bytes as the fixture" % (snapshot, len(present)))


def download(cache, fixture):
    # The listing snapshot_download works from; the etag each blob is named by.
    expected = {}
    for f in hf.HfApi().list_repo_tree(REPO, recursive=True):
        if isinstance(f, hf.hf_api.RepoFile):
            expected[f.path] = f.lfs.sha256 if f.lfs is not None else f.blob_id
    path = hf.snapshot_download(REPO, cache_dir=cache)
    commit = os.path.basename(path)
    print("snapshot_download -> %s" % path)
    print("commit %s" % commit)
    if os.path.dirname(path) != os.path.join(cache, "models--deberta-bench--tiny", "snapshots"):
        fail("snapshot_download returned %s, not a snapshot in %s" % (path, cache))
    check_snapshot(cache, commit, fixture, expected)


def offline(cache, commit):
    # HF_HUB_OFFLINE=1 is set by the caller as well: nothing may reach the network.
    snapshot = hf.snapshot_download(REPO, local_files_only=True)
    config = hf.hf_hub_download(REPO, "config.json", local_files_only=True)
    print("snapshot_download(local_files_only=True) -> %s" % snapshot)
    print("hf_hub_download(config.json, local_files_only=True) -> %s" % config)
    want = os.path.join(cache, "models--deberta-bench--tiny", "snapshots", commit)
    if snapshot != want or config != os.path.join(want, "config.json"):
        fail("huggingface_hub did not find the cached snapshot %s" % want)


def scan(cache, commit, fixture):
    check_ref(cache, commit)
    info = hf.scan_cache_dir(cache)
    for repo in info.repos:
        print("repo %s (%s): %d files, %d bytes, refs %s" % (
            repo.repo_id, repo.repo_type, repo.nb_files, repo.size_on_disk, ",".join(sorted(repo.refs))))
        for revision in repo.revisions:
            print("  revision %s refs=%s" % (revision.commit_hash, ",".join(sorted(revision.refs))))
            for f in sorted(revision.files, key=lambda f: f.file_name):
                print("    %-28s %8d  blobs/%s" % (f.file_name, f.size_on_disk, f.blob_path.name))
    incomplete = getattr(info, "incomplete_files", ())
    if info.warnings:
        fail("scan_cache_dir warns: %s" % "; ".join(str(w) for w in info.warnings))
    if incomplete:
        fail("scan_cache_dir finds partial downloads: %s" % ", ".join(str(f.file_path) for f in incomplete))
    if [r.repo_id for r in info.repos] != [REPO]:
        fail("scan_cache_dir finds repos %s, expected only %s" % ([r.repo_id for r in info.repos], REPO))
    revisions = list(info.repos)[0].revisions
    if [(r.commit_hash, "main" in r.refs) for r in revisions] != [(commit, True)]:
        fail("expected one revision, %s, named by main" % commit)
    check_snapshot(cache, commit, fixture)
    print("scan_cache_dir: no warnings, no partial downloads")


command, args = sys.argv[1], sys.argv[2:]
{"download": download, "offline": offline, "scan": scan}[command](*args)
EOF
hf_side() { "$PYTHON" "$work/hf_side.py" "$@"; }

run_info() {  # prints deberta-bench's summary; fails unless it looks like one
  local out=$work/info.out
  if ! "$exe" info --model "$repo" >"$out" 2>"$work/info.err"; then
    cat "$out" "$work/info.err"
    fail "deberta-bench info --model $repo failed ($*)"
  fi
  cat "$out"
  grep -q '^parameters:' "$out" || fail "deberta-bench info printed no model summary ($*)"
}

step "a1. huggingface_hub $("$PYTHON" -c 'import huggingface_hub as h; print(h.__version__)') downloads $repo into cache A"
start_mock
HF_ENDPOINT=$endpoint HF_HUB_CACHE=$cache_a hf_side download "$cache_a" "$fixture" ||
  fail "huggingface_hub could not download from the mock hub (requests: $work/mock.log)"
commit=$(cat "$cache_a/models--deberta-bench--tiny/refs/main")
stop_mock
echo "mock hub stopped after $(wc -l <"$work/mock.log") requests"

step "a2. offline, huggingface_hub finds cache A"
HF_HUB_OFFLINE=1 HF_HUB_CACHE=$cache_a hf_side offline "$cache_a" "$commit" ||
  fail "huggingface_hub cannot use its own cache offline"
HF_HUB_OFFLINE=1 HF_HUB_CACHE=$cache_a hf_side scan "$cache_a" "$commit" "$fixture" || fail "cache A"

if ((python_only)); then
  printf '\nPASS (python half only: the mock speaks what huggingface_hub needs; commit %s)\n' "$commit"
  exit 0
fi

step "a3. offline, deberta-bench info --model $repo uses cache A"
HF_HUB_OFFLINE=1 HF_HUB_CACHE=$cache_a run_info "offline, cache A filled by huggingface_hub"

step "b1. deberta-bench info --model $repo downloads into cache B"
: >"$work/mock.log"
start_mock
HF_ENDPOINT=$endpoint HF_HUB_CACHE=$cache_b run_info "downloading into cache B"
stop_mock
echo "mock hub stopped after $(wc -l <"$work/mock.log") requests:"
sed 's/^/  /' "$work/mock.log"

step "b2. offline, huggingface_hub finds what deberta-bench cached in B"
HF_HUB_OFFLINE=1 HF_HUB_CACHE=$cache_b hf_side scan "$cache_b" "$commit" "$fixture" ||
  fail "cache B, written by deberta-bench"
HF_HUB_OFFLINE=1 HF_HUB_CACHE=$cache_b hf_side offline "$cache_b" "$commit" ||
  fail "huggingface_hub cannot use the cache deberta-bench wrote"

printf '\nPASS: deberta-bench and huggingface_hub share the hub cache both ways (commit %s)\n' "$commit"
