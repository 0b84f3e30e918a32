#!/usr/bin/python3
"""Draws the small deterministic samples in data/samples/ from the full files.

Usage: /usr/bin/python3 scripts/make-samples.py [--source DIR] [--out DIR]
  --source DIR  the full data, laid out as ../shared/data (default: ../shared/data)
  --out DIR     where the samples go (default: data/samples)

Rows are picked with a seeded SplitMix64 generator written out below rather
than Python's `random`, so the choice cannot change with the Python version.
It also writes SHA256SUMS. Each sample file keeps the official name, the header, the selected lines'
bytes unchanged and in file order, and whether the source ends with a newline.
Dev and test rows whose text pair (NSMC: id) is also in the sample's train are
left out, so a sample's test never overlaps its train.
"""

import argparse
import hashlib
import os
import sys

SEED = 42
MASK = (1 << 64) - 1
written = []


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, bound):
        threshold = (1 << 64) % bound
        while True:
            x = self.next()
            if x >= threshold:
                return x % bound


def pick(rng, items, count):
    """`count` items chosen by a partial Fisher-Yates shuffle, in their original order."""
    if count > len(items):
        sys.exit(f"make-samples: asked for {count} of {len(items)} items")
    order = list(range(len(items)))
    for i in range(count):
        j = i + rng.below(len(items) - i)
        order[i], order[j] = order[j], order[i]
    return [items[k] for k in sorted(order[:count])]


def read(path):
    """(header, rows, ends_with_newline): rows are (line_number, bytes, fields)."""
    with open(path, "rb") as f:
        data = f.read()
    ends_with_newline = data.endswith(b"\n")
    lines = data.split(b"\n")
    if ends_with_newline:
        lines.pop()
    rows = [(n, line, line.split(b"\t")) for n, line in enumerate(lines[1:], start=2)]
    return lines[0], rows, ends_with_newline


def write(path, header, rows, ends_with_newline):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    body = b"\n".join([header] + [line for _, line, _ in rows])
    if ends_with_newline:
        body += b"\n"
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(body)
    os.replace(tmp, path)
    written.append((path, hashlib.sha256(body).hexdigest()))
    print(f"{path}: {len(rows)} rows")


def groups_by_premise(rows):
    """KorNLI lists each premise on consecutive lines, one per label: keep them together."""
    groups = []
    for row in rows:
        if groups and groups[-1][0][2][0] == row[2][0]:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def without(rows, taken, key):
    return [row for row in rows if key(row) not in taken]


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=os.path.join(repo, "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(repo, "data", "samples"))
    args = parser.parse_args()
    src = lambda rel: os.path.join(args.source, rel)
    out = lambda rel: os.path.join(args.out, rel)


    # NSMC: train and test from their own files (dev is held out of train by the task).
    rng = SplitMix64(SEED)
    header, rows, nl = read(src("nsmc/ratings_train.txt"))
    train = pick(rng, rows, 2000)
    write(out("nsmc/ratings_train.txt"), header, train, nl)
    header, rows, nl = read(src("nsmc/ratings_test.txt"))
    ids = {row[2][0] for row in train}
    write(out("nsmc/ratings_test.txt"), header, pick(rng, without(rows, ids, lambda r: r[2][0]), 1000), nl)

    # PAWS-X ko: translated_train.tsv is not available, so the sample's train and
    # dev are disjoint parts of dev_2k.tsv; test comes from test_2k.tsv.
    rng = SplitMix64(SEED + 1)
    header, rows, nl = read(src("paws-x-ko/dev_2k.tsv"))
    train = pick(rng, rows, 1500)
    chosen = {row[0] for row in train}
    dev = [row for row in rows if row[0] not in chosen]
    pairs = {(row[2][1], row[2][2]) for row in train}
    key = lambda r: (r[2][1], r[2][2])
    write(out("paws-x-ko/translated_train.tsv"), header, train, nl)
    write(out("paws-x-ko/dev_2k.tsv"), header, without(dev, pairs, key), nl)
    header, rows, nl = read(src("paws-x-ko/test_2k.tsv"))
    write(out("paws-x-ko/test_2k.tsv"), header, pick(rng, without(rows, pairs, key), 1000), nl)

    # KorNLI: the training files are not available, so the sample's train and dev
    # are disjoint premise groups of xnli.dev.ko.tsv; test comes from xnli.test.ko.tsv.
    rng = SplitMix64(SEED + 2)
    header, rows, nl = read(src("kornli/xnli.dev.ko.tsv"))
    groups = groups_by_premise(rows)
    train_groups = pick(rng, groups, 500)
    chosen = {group[0][0] for group in train_groups}
    dev_groups = pick(rng, [g for g in groups if g[0][0] not in chosen], 200)
    train = [row for group in train_groups for row in group]
    premises = {row[2][0] for row in train}
    write(out("kornli/multinli.train.ko.tsv"), header, train, nl)
    write(out("kornli/xnli.dev.ko.tsv"), header, [row for group in dev_groups for row in group], nl)
    header, rows, nl = read(src("kornli/xnli.test.ko.tsv"))
    test_groups = [g for g in groups_by_premise(rows) if g[0][2][0] not in premises]
    write(out("kornli/xnli.test.ko.tsv"), header, [row for g in pick(rng, test_groups, 500) for row in g], nl)

    # KorSTS and Question Pair: every split from its own file.
    for offset, (subdir, files, sizes, text_columns) in enumerate(
        [
            ("korsts", ["sts-train.tsv", "sts-dev.tsv", "sts-test.tsv"], [2000, 500, 500], (5, 6)),
            ("question-pair", ["train.txt", "validation.txt", "test.txt"], [2000, 400, 400], (0, 1)),
        ]
    ):
        rng = SplitMix64(SEED + 3 + offset)
        key = lambda r, c=text_columns: (r[2][c[0]], r[2][c[1]])
        taken = set()
        for i, (name, size) in enumerate(zip(files, sizes)):
            header, rows, nl = read(src(f"{subdir}/{name}"))
            chosen = pick(rng, rows if i == 0 else without(rows, taken, key), size)
            if i == 0:
                taken = {key(row) for row in chosen}
            write(out(f"{subdir}/{name}"), header, chosen, nl)

    # A checksum list, so that a rerun can be compared: sha256sum -c SHA256SUMS.
    sums = "".join(f"{digest}  {os.path.relpath(path, args.out)}\n" for path, digest in sorted(written))
    with open(out("SHA256SUMS.tmp"), "w") as f:
        f.write(sums)
    os.replace(out("SHA256SUMS.tmp"), out("SHA256SUMS"))


if __name__ == "__main__":
    main()
