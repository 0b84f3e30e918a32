#!/usr/bin/env python3
"""deberta-bench against Hugging Face transformers, one machine, one run.

    ~/.cache/deberta-bench/venv/bin/python scripts/bench-vs-hf.py [--threads 1,2] [--output results.json]
    ~/.cache/deberta-bench/venv/bin/python scripts/bench-vs-hf.py --presets kcbert-base,koelectra-base-v3 --threads 2

Runs `deberta-bench bench` and scripts/bench-hf.py back to back, in separate
processes, at the same shapes and thread counts: forward and a training step
at xsmall 32 x 128, a training step at batch 8 (against transformers with
Trainer's default fused AdamW and with the per-parameter adamw_torch), and an NSMC-sample epoch
(512 examples, batch 32) where deberta-bench groups by length and
transformers runs once padded to 128 and once with group_by_length. Other
--presets (the baselines' shapes, BERT and ELECTRA) run forward and a
training step at batch 8 x 128 against transformers' own classes. It
prints a Markdown table with the ratios (transformers' time over
deberta-bench's) and the peak RSS of both. A benchmark, not a test: it
asserts nothing.
"""

import argparse
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def xsmall_rows(args, hf, timing, threads, measurements):
    """The xsmall set: forward and training steps at batch 32 and 8, and an NSMC-sample epoch."""
    rows = []
    shapes = [("forward", 32), ("train", 32), ("train", 8)]
    for mode, batch in shapes:
        shape = ["--mode", mode, "--preset", "xsmall", "--batch", str(batch), "--seq-len", "128"] + timing
        ours = run_json([args.binary, "--threads", str(threads), "bench"] + shape + ["--json"])
        measurements.append(ours)
        # A training step against Trainer's default optimizer (fused AdamW) and
        # against the per-parameter loop (optim adamw_torch, the default before torch 2.8).
        for optim in (["adamw_torch_fused", "adamw_torch"] if mode == "train" else [None]):
            extra = ["--optim", optim] if optim else []
            theirs = run_json(hf + shape + extra + ["--threads", str(threads), "--json"])
            measurements.append(theirs)
            label = f"{mode} {batch}x128" + (f" vs HF {optim}" if optim else "")
            rows.append((label, threads, ours["median_s"], theirs["median_s"], "s/batch" if mode == "forward"
                         else "s/step", ours.get("peak_rss_mb"), theirs["peak_rss_mb"]))
    epoch = ["--mode", "epoch", "--task", "nsmc", "--batch", "32", "--max-examples", str(args.max_examples)]
    ours = run_json([args.binary, "--threads", str(threads), "bench"] + epoch + ["--json"])
    measurements.append(ours)
    for label, extra in (("padded to 128", ["--padding", "max_length"]), ("group_by_length", ["--group-by-length"])):
        theirs = run_json(hf + epoch + extra + ["--threads", str(threads), "--json"])
        measurements.append(theirs)
        rows.append((f"NSMC epoch vs HF {label}", threads, ours["epoch_s"], theirs["epoch_s"], "s/epoch",
                     ours.get("peak_rss_mb"), theirs["peak_rss_mb"]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--binary", default=os.path.join(REPO, "build", "release", "deberta-bench"))
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=512)
    parser.add_argument("--presets", default="xsmall",
                        help="comma-separated: xsmall runs the full set; kcbert-base, koelectra-base-v3, small, base, "
                             "xlarge run forward and a training step at batch 8")
    parser.add_argument("--output", help="also write every measurement as JSON here")
    args = parser.parse_args()
    hf = [sys.executable, os.path.join(REPO, "scripts", "bench-hf.py")]
    timing = ["--warmup", "1", "--iters", str(args.iters)]
    rows, measurements = [], []
    for threads in [int(t) for t in args.threads.split(",")]:
        for preset in args.presets.split(","):
            if preset == "xsmall":
                rows += xsmall_rows(args, hf, timing, threads, measurements)
                continue
            for mode in ("forward", "train"):
                shape = ["--mode", mode, "--preset", preset, "--batch", "8", "--seq-len", "128"] + timing
                ours = run_json([args.binary, "--threads", str(threads), "bench"] + shape + ["--json"])
                theirs = run_json(hf + shape + ["--threads", str(threads), "--json"])
                measurements += [ours, theirs]
                rows.append((f"{preset} {mode} 8x128", threads, ours["median_s"], theirs["median_s"],
                             "s/batch" if mode == "forward" else "s/step", ours.get("peak_rss_mb"),
                             theirs["peak_rss_mb"]))
    print("| measurement | threads | deberta-bench | transformers | ratio | peak RSS (MB): ours / HF |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, threads, ours, theirs, unit, rss_ours, rss_theirs in rows:
        rss = f"{rss_ours:.0f} / {rss_theirs:.0f}" if rss_ours else f"- / {rss_theirs:.0f}"
        print(f"| {name} | {threads} | {ours:.3g} {unit} | {theirs:.3g} {unit} | {theirs / ours:.2f} | {rss} |")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            json.dump(measurements, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
