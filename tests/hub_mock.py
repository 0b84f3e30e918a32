#!/usr/bin/env python3
"""A small mock of the Hugging Face Hub, for tests on loopback only.

    python3 tests/hub_mock.py --repo OWNER/NAME=DIR [--repo ...] [--tag TAG]
        [--token TOKEN] [--cut-after BYTES] [--corrupt FILENAME] [--delay-cdn SECONDS]
        [--log FILE]

Prints the port it listens on (127.0.0.1), then serves until SIGTERM or
SIGINT. It speaks the part of the Hub protocol that a downloader needs, the
way huggingface_hub 2.4.0 uses it (see the check in
scripts/check-hub-interop.sh):

  GET  /api/models/OWNER/NAME[/revision/REV]    model info: sha and siblings
  GET  /api/models/OWNER/NAME/tree/REV[/PATH]   file listing (snapshot_download)
  HEAD|GET /OWNER/NAME/resolve/REV/PATH         small files: 200; LFS files:
                                                302 to the CDN, X-Linked-Etag/Size
  HEAD|GET /cdn/SHA256                          LFS bytes, with Range support

The CDN is a second listener on another port, as on the real Hub where it is
another host: a client must not send its token there, and huggingface_hub
then reads the file's metadata from the 302 itself instead of following it.

Standard library only; runs under any python3 >= 3.9.
"""

import argparse
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

# Files the Hub keeps in git LFS (a real repo decides with .gitattributes).
LFS_SUFFIXES = (".safetensors", ".bin", ".model", ".h5", ".msgpack", ".pt")


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256, size):
    return "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (sha256, size)


class RepoFile:
    def __init__(self, path, data, corrupt):
        self.path = path
        self.data = data
        self.size = len(data)
        self.lfs = path.endswith(LFS_SUFFIXES)
        self.sha256 = hashlib.sha256(data).hexdigest()
        if self.lfs:
            # The Hub names an LFS file by its content's sha256; git only holds the pointer.
            self.pointer = lfs_pointer(self.sha256, self.size).encode()
            self.blob_id = git_blob_sha1(self.pointer)
            self.etag = self.sha256
        else:
            self.blob_id = git_blob_sha1(data)
            self.etag = self.blob_id
        # What goes on the wire: the true bytes, or the same number with one flipped,
        # while every header still announces the true etag and size.
        self.served = data
        if corrupt and data:
            flipped = bytearray(data)
            flipped[len(data) // 2] ^= 0xFF
            self.served = bytes(flipped)


class Repo:
    def __init__(self, repo_id, directory, corrupt):
        self.id = repo_id
        self.files = {}
        for root, dirs, names in os.walk(directory):
            dirs.sort()
            for name in names:
                full = os.path.join(root, name)
                if not os.path.isfile(full):
                    continue
                path = os.path.relpath(full, directory).replace(os.sep, "/")
                with open(full, "rb") as f:
                    data = f.read()
                self.files[path] = RepoFile(path, data, corrupt in (path, name))
        # Stable for the same names and bytes, so tests can serve a directory twice and get the same commit.
        h = hashlib.sha1()
        for path in sorted(self.files):
            h.update(path.encode() + b"\0" + self.files[path].blob_id.encode() + b"\n")
        self.commit = h.hexdigest()

    def folders(self):
        found = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                found.add("/".join(parts[:i]))
        return found


class Hub:
    """Everything the handlers share; read-only after start-up except the cut-after bookkeeping."""

    def __init__(self, args):
        self.repos = {}
        for spec in args.repo:
            repo_id, sep, directory = spec.partition("=")
            if not sep or repo_id.count("/") != 1 or not os.path.isdir(directory):
                sys.exit("hub_mock: --repo wants OWNER/NAME=DIR with DIR a directory, got %r" % spec)
            self.repos[repo_id] = Repo(repo_id, directory, args.corrupt)
        self.tags = set(args.tag)
        self.token = args.token
        self.cut_after = args.cut_after
        self.delay_cdn = args.delay_cdn
        self.cdn_port = None
        # LFS blobs by sha256, across repos: the CDN knows content, not repos.
        self.blobs = {}
        for repo in self.repos.values():
            for f in repo.files.values():
                if f.lfs:
                    self.blobs.setdefault(f.sha256, f)
        self.cut_done = set()
        self.lock = threading.Lock()
        self.log_file = open(args.log, "a") if args.log else None

    def log(self, line):
        if self.log_file is not None:
            with self.lock:
                self.log_file.write(line + "\n")
                self.log_file.flush()

    def first_get(self, sha256):
        """Whether this is the first GET of the blob, the one --cut-after cuts short."""
        with self.lock:
            if sha256 in self.cut_done:
                return False
            self.cut_done.add(sha256)
            return True


def parse_range(header, total):
    """(start, end) inclusive for a single 'bytes=' range, 'unsatisfiable', or None to serve it all.

    Multiple or malformed ranges are ignored (served whole), as RFC 9110 allows.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, dash, last = header[len("bytes="):].strip().partition("-")
    try:
        if not dash:
            return None
        if first == "":  # bytes=-N: the last N bytes
            n = int(last)
            if n <= 0:
                return "unsatisfiable"
            return (max(total - n, 0), total - 1)
        start = int(first)
        end = int(last) if last else total - 1
    except ValueError:
        return None
    if start >= total:
        return "unsatisfiable"
    if start > end:
        return None
    return (start, min(end, total - 1))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients reuse connections to the Hub
    server_version = "hub-mock"
    hub = None  # set in main()

    def log_message(self, format, *args):
        pass  # --log records requests; stderr stays quiet for the tests' output

    def do_HEAD(self):
        self.dispatch()

    def do_GET(self):
        self.dispatch()

    # --- responses -------------------------------------------------------

    def send(self, status, headers=(), body=b"", cut_after=None):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut_after is None:
            self.wfile.write(body)
            return
        # The headers promised the whole body: the client sees the transfer end early and must resume.
        self.wfile.write(body[:cut_after])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_WR)

    def send_json(self, status, obj, headers=()):
        headers = [("Content-Type", "application/json")] + list(headers)
        self.send(status, headers, json.dumps(obj).encode())

    def send_error_code(self, status, code, message, headers=()):
        # huggingface_hub maps X-Error-Code to its exception classes (RepositoryNotFoundError, ...).
        headers = [("X-Error-Code", code), ("X-Error-Message", message)] + list(headers)
        self.send_json(status, {"error": message}, headers)

    def send_bytes(self, data, headers, cut=False):
        """The bytes, or the part a Range asks for; with `cut`, only --cut-after of them, then hang up."""
        total = len(data)
        headers = list(headers) + [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream")]
        span = parse_range(self.headers.get("Range"), total)
        if span == "unsatisfiable":
            self.send(416, headers + [("Content-Range", "bytes */%d" % total)])
            return
        status, start, end = 200, 0, total - 1
        if span is not None:
            status, (start, end) = 206, span
            headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, total)))
        self.send(status, headers, data[start:end + 1], self.hub.cut_after if cut else None)

    # --- routing ---------------------------------------------------------

    def dispatch(self):
        hub = self.hub
        path = self.path.split("?", 1)[0]
        hub.log("%s %s range=%s auth=%s" % (self.command, path, self.headers.get("Range") or "-",
                                           "yes" if self.headers.get("Authorization") else "no"))
        parts = [unquote(p) for p in path.split("/")[1:]]

        if parts[:1] == ["cdn"] and len(parts) == 2:
            return self.cdn(parts[1])

        is_api = parts[:2] == ["api", "models"] and len(parts) >= 4
        is_resolve = len(parts) >= 5 and parts[2] == "resolve"
        if not (is_api or is_resolve):
            return self.send_json(404, {"error": "Not Found"})

        # Like a gated repo: every Hub request needs the token; the CDN's URLs are signed instead.
        if hub.token is not None and self.headers.get("Authorization") != "Bearer " + hub.token:
            return self.send_error_code(401, "GatedRepo", "Access to this model is restricted: send the token")

        repo_id = "/".join(parts[2:4] if is_api else parts[0:2])
        repo = hub.repos.get(repo_id)
        if repo is None:
            return self.send_error_code(404, "RepoNotFound", "Repository %s not found" % repo_id)

        if is_api:
            rest = parts[4:]
            if not rest:
                return self.model_info(repo, "main")
            if rest[0] == "revision" and len(rest) == 2:
                return self.model_info(repo, rest[1])
            if rest[0] == "tree" and len(rest) >= 2:
                return self.tree(repo, rest[1], "/".join(rest[2:]).strip("/"))
            return self.send_json(404, {"error": "Not Found"})
        return self.resolve(repo, parts[3], "/".join(parts[4:]))

    def commit_of(self, repo, revision):
        if revision == "main" or revision == repo.commit or revision in self.hub.tags:
            return repo.commit
        self.send_error_code(404, "RevisionNotFound", "Invalid rev id: %s" % revision)
        return None

    def model_info(self, repo, revision):
        commit = self.commit_of(repo, revision)
        if commit is None:
            return
        siblings = []
        for path in sorted(repo.files):
            f = repo.files[path]
            sibling = {"rfilename": path, "size": f.size, "blobId": f.blob_id}
            if f.lfs:
                sibling["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": len(f.pointer)}
            siblings.append(sibling)
        self.send_json(200, {
            "id": repo.id, "modelId": repo.id, "sha": commit, "private": False, "gated": False,
            "disabled": False, "siblings": siblings, "lastModified": "2026-01-01T00:00:00.000Z",
            "tags": [], "library_name": "transformers",
        })

    def tree(self, repo, revision, folder):
        """The listing snapshot_download asks for (recursive=True); one page, so no Link header."""
        commit = self.commit_of(repo, revision)
        if commit is None:
            return
        folders = repo.folders()
        if folder and folder not in folders:
            return self.send_error_code(404, "EntryNotFound", "%s does not exist on %s" % (folder, revision),
                                        [("X-Repo-Commit", commit)])
        recursive = self.query_flag("recursive")
        prefix = folder + "/" if folder else ""

        def wanted(path):
            return path.startswith(prefix) and (recursive or "/" not in path[len(prefix):])

        entries = [{"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "path": d}
                   for d in sorted(folders) if wanted(d)]
        for path in sorted(repo.files):
            if wanted(path):
                f = repo.files[path]
                entry = {"type": "file", "oid": f.blob_id, "size": f.size, "path": path}
                if f.lfs:
                    entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": len(f.pointer)}
                entries.append(entry)
        self.send_json(200, entries)

    def query_flag(self, name):
        for pair in urlsplit(self.path).query.split("&"):
            key, _, value = pair.partition("=")
            if key == name:
                return value.lower() in ("1", "true", "yes")
        return False

    def resolve(self, repo, revision, path):
        commit = self.commit_of(repo, revision)
        if commit is None:
            return
        f = repo.files.get(path)
        if f is None:
            # The commit lets huggingface_hub remember the absence (.no_exist/COMMIT/PATH).
            return self.send_error_code(404, "EntryNotFound", "%s does not exist on %s" % (path, revision),
                                        [("X-Repo-Commit", commit)])
        headers = [("X-Repo-Commit", commit), ("ETag", '"%s"' % f.etag)]
        if not f.lfs:
            return self.send_bytes(f.served, headers)
        location = "http://127.0.0.1:%d/cdn/%s" % (self.hub.cdn_port, f.sha256)
        self.send(302, headers + [("Location", location), ("X-Linked-Etag", '"%s"' % f.sha256),
                                  ("X-Linked-Size", str(f.size))])

    def cdn(self, sha256):
        f = self.hub.blobs.get(sha256)
        if f is None:
            return self.send_json(404, {"error": "Not Found"})
        cut = (self.command == "GET" and self.hub.cut_after is not None and self.hub.first_get(sha256))
        if self.command == "GET" and self.hub.delay_cdn > 0:
            time.sleep(self.hub.delay_cdn)  # a slow transfer, so that two clients overlap
        self.send_bytes(f.served, [("ETag", '"%s"' % sha256)], cut=cut)


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a client that hangs must not keep the mock from exiting
    block_on_close = False

    def handle_error(self, request, client_address):
        # Clients hang up mid-transfer on purpose (resume tests, cancelled downloads): not an error.
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", action="append", required=True, metavar="OWNER/NAME=DIR")
    parser.add_argument("--tag", action="append", default=[], help="a revision that names the commit, like main")
    parser.add_argument("--token", help="require 'Authorization: Bearer TOKEN' on /api and /resolve")
    parser.add_argument("--cut-after", type=int, metavar="BYTES",
                        help="end the first GET of each LFS blob after BYTES bytes of body")
    parser.add_argument("--corrupt", metavar="FILENAME", help="serve this file with a byte flipped")
    parser.add_argument("--delay-cdn", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long before answering each GET of an LFS blob")
    parser.add_argument("--log", metavar="FILE", help="append 'METHOD PATH range=R auth=A' per request")
    args = parser.parse_args()

    Handler.hub = Hub(args)
    hub_server = Server(("127.0.0.1", 0), Handler)
    cdn_server = Server(("127.0.0.1", 0), Handler)
    Handler.hub.cdn_port = cdn_server.server_address[1]
    for server in (hub_server, cdn_server):
        threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sys.stdout.write("%d\n" % hub_server.server_address[1])
    sys.stdout.flush()
    while not stop.wait(0.1):
        pass
    for server in (hub_server, cdn_server):
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
