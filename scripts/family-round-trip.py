#!/usr/bin/env python3
"""Round trip of every model family through transformers.

A development check, not a CTest test: it needs torch, transformers 5.24.0
and kobert-transformers 0.6.0 (see scripts/make-family-fixtures.py):

    PYTHON scripts/family-round-trip.py [--exe build/release/deberta-bench] [--rows 64] [--tolerance 1e-5]

For each fixture of tests/data/families/ it fine-tunes with deberta-bench
(finetune --task nsmc, a quick run), then loads the run's checkpoint-best
with transformers' AutoModelForSequenceClassification and checks that
  - no tensor is missing or unexpected (transformers' loading info), and
  - the probabilities transformers gives for the first --rows texts of the
    NSMC sample's test split equal those of deberta-bench's predict (which
    writes 6 decimals) within the tolerance.
Inputs are tokenized by transformers with the checkpoint's own tokenizer
(KoBertTokenizer for DistilKoBERT), truncated to the length predict used.
It exits 1 when any family fails.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = ["bert", "electra", "roberta", "xlm-roberta", "distilbert"]
QUICK = ["--set", "training.max_steps=12", "--set", "training.batch_size=16", "--set",
         "training.eval_batch_size=256", "--set", "optimizer.lr=1e-3", "--set", "training.max_train_examples=192"]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, DEBERTA_BENCH_CACHE="off"))
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result


def tokenizer_of(directory):
    if os.path.exists(os.path.join(directory, "tokenizer_78b3253a26.model")):
        from kobert_transformers.tokenization_kobert import KoBertTokenizer
        return KoBertTokenizer.from_pretrained(directory)
    return AutoTokenizer.from_pretrained(directory)


def check(family, exe, texts, tolerance, scratch):
    run_dir = os.path.join(scratch, family)
    fixture = os.path.join(ROOT, "tests", "data", "families", family)
    run([exe, "--threads", "1", "finetune", "--model", fixture, "--task", "nsmc", "--output-dir", run_dir] + QUICK)
    best = os.path.join(run_dir, "checkpoint-best")
    inputs = os.path.join(scratch, "inputs.tsv")
    with open(inputs, "w", encoding="utf-8") as f:
        f.write("text\n" + "".join(t.replace("\t", " ") + "\n" for t in texts))
    out = os.path.join(scratch, family + "-predictions.tsv")
    log = run([exe, "--threads", "1", "predict", "--model", best, "--task", "nsmc", "--input", inputs, "--output", out])
    max_length = int(log.stderr.split("max_seq_len ")[1].split(",")[0]) if "max_seq_len " in log.stderr else 128
    with open(out, encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    ours = torch.tensor([[float(x) for x in row[2:]] for row in rows[1:]])

    model, info = AutoModelForSequenceClassification.from_pretrained(best, output_loading_info=True)
    model.eval()
    tokenizer = tokenizer_of(best)
    batch = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.no_grad():
        theirs = model(**{k: v for k, v in batch.items() if k in ("input_ids", "attention_mask")}).logits.softmax(-1)
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    diff = (ours - theirs).abs().max().item()
    ok = not problems and diff <= tolerance
    print(f"{family}: {type(model).__name__}, loading info {problems or 'clean'}, max |p - p_hf| = {diff:.2e} "
          f"over {len(texts)} texts (max_seq_len {max_length}) {'ok' if ok else 'FAILED'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exe", default=os.path.join(ROOT, "build", "release", "deberta-bench"))
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    with open(os.path.join(ROOT, "data", "samples", "nsmc", "ratings_test.txt"), encoding="utf-8") as f:
        texts = [row["document"] for row in csv.DictReader(f, delimiter="\t")][: args.rows]
    with tempfile.TemporaryDirectory() as scratch:
        results = [check(family, args.exe, texts, args.tolerance, scratch) for family in FAMILIES]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
