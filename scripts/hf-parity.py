#!/usr/bin/env python3
"""Parity of Hugging Face transformers itself with the fixtures' goldens.

A development check, not a CTest test: it needs transformers, which
`scripts/setup.sh --with-transformers` installs into the setup's venv:

    ~/.cache/deberta-bench/venv/bin/python scripts/hf-parity.py [--tolerance 1e-5]

For every fixture in tests/data/fixtures and both weight formats it loads
DebertaV2ForSequenceClassification with transformers, runs the golden inputs
and compares the last hidden state, the pooled output and the logits with
golden.json, which deberta-bench's own tests compare with too; it exits 1
when any differs by more than the tolerance. It also encodes every golden
tokenizer case with the tokenizer transformers loads for the fixture and
reports the cases whose ids differ. That line is a note, not a failure: the
goldens follow the slow sentencepiece DebertaV2Tokenizer, which deberta-bench
reproduces, and transformers 5 converts spm.model to a `tokenizers` backend
that does not always agree with it.
"""

import argparse
import json
import os
import sys

import torch
import transformers
from transformers import AutoTokenizer, DebertaV2ForSequenceClassification

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "tests", "data", "fixtures")


def golden_tensor(record):
    return torch.tensor(record["data"], dtype=torch.float32).reshape(record["shape"])


def model_checks(fixture_dir, golden, use_safetensors):
    model = DebertaV2ForSequenceClassification.from_pretrained(fixture_dir, use_safetensors=use_safetensors)
    model.eval()
    inputs = golden["model"]["inputs"]
    with torch.no_grad():
        out = model(
            input_ids=torch.tensor(inputs["input_ids"]),
            attention_mask=torch.tensor(inputs["attention_mask"]),
            token_type_ids=torch.tensor(inputs["token_type_ids"]),
            output_hidden_states=True,
        )
        hidden = out.hidden_states[-1]
        # The classifier's pooled output: the pooler over the last hidden state.
        pooled = model.pooler(hidden)
    expected = golden["model"]["outputs"]
    return {
        "last_hidden_state": (hidden - golden_tensor(expected["last_hidden_state"])).abs().max().item(),
        "pooled_output": (pooled - golden_tensor(expected["pooled_output"])).abs().max().item(),
        "logits": (out.logits - golden_tensor(expected["logits"])).abs().max().item(),
    }


def tokenizer_mismatches(fixture_dir, golden):
    tokenizer = AutoTokenizer.from_pretrained(fixture_dir)
    max_length = golden["tokenizer"]["max_length"]
    wrong = []
    for case in golden["tokenizer"]["cases"]:
        encoded = tokenizer(case["text"], case.get("pair"), truncation=True, max_length=max_length)
        # Cases the fast tokenizer truncates otherwise carry its ids too.
        accepted = [case["input_ids"]] + ([case["input_ids_fast"]] if "input_ids_fast" in case else [])
        if encoded["input_ids"] not in accepted:
            wrong.append(case["id"])
    return type(tokenizer).__name__, len(golden["tokenizer"]["cases"]), wrong


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tolerance", type=float, default=1e-5, help="largest absolute difference allowed")
    args = parser.parse_args()
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    failed = 0
    for name in sorted(os.listdir(FIXTURES)):
        fixture_dir = os.path.join(FIXTURES, name)
        golden_path = os.path.join(fixture_dir, "golden.json")
        if not os.path.isfile(golden_path):
            continue
        with open(golden_path, encoding="utf-8") as f:
            golden = json.load(f)
        for use_safetensors, weights in ((True, "model.safetensors"), (False, "pytorch_model.bin")):
            diffs = model_checks(fixture_dir, golden, use_safetensors)
            worst = max(diffs.values())
            ok = worst <= args.tolerance
            failed += not ok
            detail = ", ".join(f"{key} {value:.2e}" for key, value in diffs.items())
            print(f"{'ok  ' if ok else 'FAIL'} {name} {weights}: max |transformers - golden| {detail}")
        kind, cases, wrong = tokenizer_mismatches(fixture_dir, golden)
        print(f"{'ok  ' if not wrong else 'note'} {name} tokenizer ({kind}): {cases - len(wrong)}/{cases} cases give "
              f"the golden ids" + (f"; differ: {', '.join(wrong)}" if wrong else ""))
    print("hf-parity: " + ("every check passed" if failed == 0 else f"{failed} check(s) failed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
