#!/usr/bin/env python3
"""The measured peer: Hugging Face transformers' sequence classifiers
(DebertaV2, Bert and Electra ForSequenceClassification) on the same torch,
shapes, threads and data as `deberta-bench bench`.

Needs `scripts/setup.sh --with-transformers`; run it with the setup's venv:

    PY=~/.cache/deberta-bench/venv/bin/python
    $PY scripts/bench-hf.py --mode forward --preset xsmall --batch 32 --seq-len 128 --threads 1 --json
    $PY scripts/bench-hf.py --mode train   --preset xsmall --batch 32 --seq-len 128 --threads 1 --json
    $PY scripts/bench-hf.py --mode epoch --task nsmc --batch 32 --padding max_length --threads 1 --json
    $PY scripts/bench-hf.py --mode epoch --task nsmc --batch 32 --group-by-length --threads 1 --json

forward and train run random weights on full-length random sequences.
train is one step as HF Trainer takes it: forward with labels, backward,
clip_grad_norm_ at 1.0, torch.optim.AdamW over Trainer's decay and no-decay
groups (lr 1e-5, eps 1e-6, weight decay 0.01, as `deberta-bench bench`;
fused, Trainer's default optim on torch >= 2.8, or --optim adamw_torch),
zero_grad(set_to_none=True). epoch runs that step over the first
--max-examples examples of a task's training split, tokenized with the
built-in model's spm.model as the slow DebertaV2Tokenizer does ([CLS] pieces
[SEP], cut to 128; the same ids as deberta-bench), in the order HF Trainer
would feed them:
- --padding max_length: a shuffled order, every example padded to 128 (the
  KoELECTRA and KcBERT scripts' padding);
- --group-by-length: Trainer's LengthGroupedSampler, each batch padded to its
  longest example (what DataCollatorWithPadding does).
Tokenizing uses the sentencepiece package directly because transformers 5.24
converts that spm.model into a tokenizer that gives other ids.
It prints the field names of `deberta-bench bench --json`, with the same FLOP
count (matmul FLOPs; backward counts twice forward).
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
import transformers
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification
from transformers.trainer_pt_utils import LengthGroupedSampler

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# team-lucid/deberta-v3-*-korean: hidden, layers, heads, intermediate. xlarge
# is DeBERTa-v2 xlarge's shape (its config.json was not reachable here).
PRESETS = {"xsmall": (384, 12, 6, 1536), "small": (768, 6, 12, 3072), "base": (768, 12, 12, 3072),
           "xlarge": (1536, 24, 24, 6144)}
# beomi/kcbert-base and monologg/koelectra-base-v3-discriminator, as `deberta-bench bench --preset` builds them.
FAMILY_PRESETS = {
    "kcbert-base": (transformers.BertConfig, transformers.BertForSequenceClassification,
                    dict(vocab_size=30000, max_position_embeddings=300)),
    "koelectra-base-v3": (transformers.ElectraConfig, transformers.ElectraForSequenceClassification,
                          dict(vocab_size=35000, embedding_size=768, max_position_embeddings=512)),
}

# Where each task's training file is and which columns hold text and label.
TASKS = {"nsmc": ("nsmc/ratings_train.txt", 1, None, 2)}


def model_for(preset, num_labels=2):
    """The preset's config and a randomly initialised sequence classifier of its family."""
    if preset in FAMILY_PRESETS:
        config_class, model_class, shape = FAMILY_PRESETS[preset]
        cfg = config_class(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                           type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=0, num_labels=num_labels, **shape)
        return cfg, model_class(cfg)
    cfg = config_for(preset, num_labels)
    return cfg, DebertaV2ForSequenceClassification(cfg)


def config_for(preset, num_labels=2):
    hidden, layers, heads, intermediate = PRESETS[preset]
    return DebertaV2Config(
        vocab_size=64100, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=intermediate, max_position_embeddings=512, relative_attention=True, position_buckets=256,
        max_relative_positions=-1, norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type=["p2c", "c2p"],
        position_biased_input=False, type_vocab_size=0, hidden_act="gelu", layer_norm_eps=1e-7,
        pooler_hidden_size=hidden, pooler_hidden_act="gelu", pooler_dropout=0, num_labels=num_labels)


def forward_flops(cfg, batch, seq_len):
    """The matmul FLOPs of one forward pass, counted as `deberta-bench bench` counts them."""
    h, i = cfg.hidden_size, cfg.intermediate_size
    if not getattr(cfg, "relative_attention", False):
        per_token = 8 * h * h + 4 * h * i + 4 * seq_len * h
        embedding = getattr(cfg, "embedding_size", h)
        project = 2 * embedding * h if embedding != h else 0
        return batch * seq_len * (cfg.num_hidden_layers * per_token + project) + 2 * batch * h * (h + cfg.num_labels)
    span = cfg.position_buckets
    att_span = min(2 * span, 2 * seq_len)
    per_token = 8 * h * h + 4 * h * i + 4 * seq_len * h + 4 * att_span * h
    per_sequence = 8 * span * h * h
    return cfg.num_hidden_layers * (batch * seq_len * per_token + per_sequence) + 2 * batch * h * (h + cfg.num_labels)


def trainer_optimizer(model, optim):
    """torch.optim.AdamW over HF Trainer's two groups: no decay for biases and LayerNorm weights.
    adamw_torch_fused (Trainer's default from torch 2.8) is fused=True; adamw_torch the per-parameter loop."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm.weight" in name else decay).append(parameter)
    groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=1e-5, eps=1e-6, fused=optim == "adamw_torch_fused")


def trainer_step(model, optimizer, batch):
    loss = model(**batch).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_fixed_shape(args, cfg, model):
    ids = torch.randint(5, min(64000, cfg.vocab_size), (args.batch, args.seq_len))
    ids[:, 0] = 1
    mask = torch.ones_like(ids)
    if args.mode == "train":
        model.train()
        optimizer = trainer_optimizer(model, args.optim)
        batch = {"input_ids": ids, "attention_mask": mask, "labels": torch.randint(0, 2, (args.batch,))}

        def run():
            trainer_step(model, optimizer, batch)
    else:
        model.eval()

        def run():
            with torch.inference_mode():
                model(input_ids=ids, attention_mask=mask)

    seconds = []
    for i in range(args.warmup + args.iters):
        start = time.perf_counter()
        run()
        if i >= args.warmup:
            seconds.append(time.perf_counter() - start)
    median = sorted(seconds)[len(seconds) // 2]
    flops = forward_flops(cfg, args.batch, args.seq_len) * (3 if args.mode == "train" else 1)
    return {
        "median_s": median,
        "examples_per_s": args.batch / median,
        "tokens_per_s": args.batch * args.seq_len / median,
        "gflops": flops / median / 1e9,
    }


class Mt19937_64:
    """std::mt19937_64, the generator deberta-bench draws its dev slices from."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = [seed & self.MASK]
        for i in range(1, 312):
            previous = self.state[-1]
            self.state.append((6364136223846793005 * (previous ^ (previous >> 62)) + i) & self.MASK)
        self.index = 312

    def __call__(self):
        if self.index == 312:
            for i in range(312):
                y = (self.state[i] & 0xFFFFFFFF80000000) | (self.state[(i + 1) % 312] & 0x7FFFFFFF)
                self.state[i] = self.state[(i + 156) % 312] ^ (y >> 1) ^ (0xB5026F5AA96619E9 if y & 1 else 0)
            self.index = 0
        y = self.state[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        return y ^ (y >> 43)

    def below(self, bound):
        threshold = (1 << 64) % bound
        while True:
            x = self()
            if x >= threshold:
                return x % bound


def held_out_rows(n, size, seed):
    """The rows finetune holds out as NSMC's dev split (tasks/dataset.cpp, hold_out_dev)."""
    rng = Mt19937_64(seed)
    order = list(range(n))
    for i in range(size):
        j = i + rng.below(n - i)
        order[i], order[j] = order[j], order[i]
    return set(order[:size])


def read_task_texts(task, data_dir, limit):
    """The texts and labels of the training split as finetune reads it: the
    file's rows less the dev slice (5,000 rows, at most a tenth, seed 42)."""
    relative, text_column, _, label_column = TASKS[task]
    path = os.path.join(data_dir, relative)
    with open(path, encoding="utf-8", newline="\n") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    dev = held_out_rows(len(rows), min(5000, len(rows) // 10), 42)
    train = [row for k, row in enumerate(rows) if k not in dev]
    if limit:
        train = train[:limit]
    return path, [row[text_column] for row in train], [int(row[label_column]) for row in train]


def encode(texts, max_length):
    """[CLS] pieces [SEP] with the built-in model's spm.model, cut to max_length."""
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(
        model_file=os.path.join(REPO, "configs", "models", "tiny-default", "spm.model"))
    cls_id, sep_id = processor.piece_to_id("[CLS]"), processor.piece_to_id("[SEP]")
    return [[cls_id] + ids[: max_length - 2] + [sep_id] for ids in processor.encode(texts)]


def pad_batch(examples, width):
    """Rows padded with id 0 ([PAD]) to `width`, as DataCollatorWithPadding pads."""
    ids = torch.zeros((len(examples), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, example in enumerate(examples):
        n = len(example["input_ids"])
        ids[row, :n] = torch.tensor(example["input_ids"])
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": torch.tensor([e["labels"] for e in examples])}


def bench_epoch(args, cfg, model):
    path, texts, labels = read_task_texts(args.task, args.data_dir, args.max_examples)
    start = time.perf_counter()
    examples = [{"input_ids": ids, "labels": label} for ids, label in zip(encode(texts, 128), labels)]
    tokenize_s = time.perf_counter() - start
    generator = torch.Generator().manual_seed(42)
    if args.group_by_length:
        sampler = LengthGroupedSampler(args.batch, lengths=[len(e["input_ids"]) for e in examples],
                                       generator=generator)
    else:
        sampler = torch.utils.data.RandomSampler(examples, generator=generator)

    def collate(batch):
        return pad_batch(batch, 128 if args.padding == "max_length" else max(len(e["input_ids"]) for e in batch))

    loader = torch.utils.data.DataLoader(examples, batch_size=args.batch, sampler=sampler, collate_fn=collate)
    model.train()
    optimizer = trainer_optimizer(model, args.optim)
    real_tokens = padded_tokens = batches = 0
    flops = 0.0
    start = time.perf_counter()
    for batch in loader:
        rows, width = batch["input_ids"].shape
        real_tokens += int(batch["attention_mask"].sum())
        padded_tokens += rows * width
        flops += 3 * forward_flops(cfg, rows, width)
        batches += 1
        trainer_step(model, optimizer, batch)
    seconds = time.perf_counter() - start
    return {
        "task": args.task,
        "data": path,
        "examples": len(examples),
        "batches": batches,
        "max_seq_len": 128,
        "padding": args.padding,
        "group_by_length": args.group_by_length,
        "tokenize_s": tokenize_s,
        "epoch_s": seconds,
        "examples_per_s": len(examples) / seconds,
        "tokens_per_s": real_tokens / seconds,
        "padded_tokens_per_s": padded_tokens / seconds,
        "padding_fraction": 1.0 - real_tokens / padded_tokens,
        "mean_padded_len": padded_tokens / len(examples),
        "gflops": flops / seconds / 1e9,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["forward", "train", "epoch"], default="forward")
    parser.add_argument("--preset", choices=sorted(PRESETS) + sorted(FAMILY_PRESETS), default="xsmall")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--task", choices=sorted(TASKS), default="nsmc")
    parser.add_argument("--data-dir", default=os.environ.get("DEBERTA_BENCH_DATA") or os.path.join(REPO, "data",
                                                                                                    "samples"))
    parser.add_argument("--max-examples", type=int, default=512, help="epoch: examples of the training split; 0: all")
    parser.add_argument("--padding", choices=["max_length", "longest"], default="longest",
                        help="epoch: pad every example to 128, or each batch to its longest")
    parser.add_argument("--group-by-length", action="store_true", help="epoch: Trainer's LengthGroupedSampler")
    parser.add_argument("--optim", choices=["adamw_torch_fused", "adamw_torch"], default="adamw_torch_fused",
                        help="train, epoch: TrainingArguments.optim; the default is Trainer's for torch >= 2.8")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.mode == "epoch" and args.padding == "max_length" and args.group_by_length:
        parser.error("--group-by-length needs --padding longest: grouping saves nothing when every row is 128")

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    torch.manual_seed(0)
    cfg, model = model_for(args.preset)
    result = {"implementation": "transformers", "mode": args.mode, "preset": args.preset, "batch": args.batch}
    if args.mode == "epoch":
        result.update(bench_epoch(args, cfg, model))
    else:
        result["seq_len"] = args.seq_len
        result.update(bench_fixed_shape(args, cfg, model))
    if args.mode != "forward":
        result["optim"] = args.optim
    result.update({
        "threads": args.threads,
        "peak_rss_mb": peak_rss_mb(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    })
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
