#!/usr/bin/env python3
"""Builds the model-family fixtures of tests/data/families/ and their goldens.

Usage: PYTHON scripts/make-family-fixtures.py [--out DIR]
  PYTHON: a Python with torch, transformers 5.24.0, sentencepiece and
  kobert-transformers 0.6.0 (scripts/setup.sh --with-transformers, then
  pip install --no-deps kobert-transformers==0.6.0)
  --out DIR  where the fixtures go (default: tests/data/families)

One tiny random model per model_type (hidden 32, 2 layers, 4 heads), built by
transformers itself and written with save_pretrained, beside a tokenizer from
tests/data/tokenizers/ (scripts/make-tokenizer-fixtures.py):
  bert/         BertForSequenceClassification (KcBERT's shape), vocab.txt-only
                WordPiece, cased as KcBERT's; also pytorch_model.bin (torch.save of the
                same tensors as a plain dict) for the second weights format.
  electra/      ElectraForSequenceClassification with embedding_size 16, so
                that electra.embeddings_project is there; cased WordPiece
                (tokenizer.json); 3 labels.
  roberta/      RobertaForSequenceClassification on a WordPiece vocabulary, as
                KLUE's RoBERTa ships (pad_token_id 0, type_vocab_size 1).
  xlm-roberta/  XLMRobertaForSequenceClassification, xlmr-spm's sentencepiece.bpe.model.
  distilbert/   DistilBertForSequenceClassification (DistilKoBERT), KoBERT's tokenizer.
The WordPiece vocabularies have 400 entries: the tokenizer fixtures' special
tokens, then syllables (and their ## forms) of the golden texts and of the NSMC
sample, so each fixture stays near 100 KB; KoBERT's and XLM-R's are whole.

Weights are drawn with a fixed seed at initializer_range 0.2, and every
LayerNorm and bias is then perturbed, so that a parameter read into the wrong
place, or left at its initial value, changes the logits well beyond 1e-5.

golden.json records a padded batch (its input_ids, attention_mask,
token_type_ids, from the fixture's own tokenizer as transformers loads it)
and transformers' logits for it, in float32.
"""

import argparse
import json
import os
import shutil
import sys

import torch
import transformers
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    BertTokenizer,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    ElectraConfig,
    ElectraForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENIZERS = os.path.join(ROOT, "tests", "data", "tokenizers")
WORDPIECE_SIZE = 400
SHAPE = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
             max_position_embeddings=40, initializer_range=0.2)
# Of different lengths, so the batch is padded; pairs where the family has token types.
TEXTS = [
    ("이 영화 정말 재밌어요 ㅋㅋ", "배우들 연기가 좋다"),
    ("별로", None),
    ("스토리는 그냥 그랬지만 음악이 좋았다. 다시 보고 싶은 영화!", "추천"),
]


def small_vocab(source_dir, out_dir):
    """The fixture's special tokens, then characters of the golden texts and of
    the NSMC sample by frequency, each as a word and as a ##continuation, so
    that every Korean word splits into known syllables (the fixtures'
    3,200-entry vocabularies would make each model 400 KB)."""
    with open(os.path.join(TOKENIZERS, source_dir, "vocab.txt"), encoding="utf-8") as f:
        specials = [t for t in f.read().split("\n") if t.startswith("[") and t.endswith("]")]
    counts = {}
    with open(os.path.join(ROOT, "data", "samples", "nsmc", "ratings_train.txt"), encoding="utf-8") as f:
        for row in f.read().split("\n")[1:]:
            for c in "".join(row.split("\t")[1:2]):
                counts[c] = counts.get(c, 0) + 1
    ordered = [c for a, b in TEXTS for c in a + (b or "")] + sorted(counts, key=lambda c: (-counts[c], c))
    vocab = list(specials)
    for c in ordered:
        if len(vocab) >= WORDPIECE_SIZE:
            break
        if c.isspace() or c in vocab:
            continue
        vocab += [c, "##" + c]
    vocab = vocab[:WORDPIECE_SIZE]
    with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    return vocab


def wordpiece_json(source_dir, out_dir):
    """tokenizer.json through BertTokenizer's save_pretrained, with vocab.txt beside."""
    vocab = small_vocab(source_dir, out_dir)
    BertTokenizer(vocab={piece: i for i, piece in enumerate(vocab)}, do_lower_case=False).save_pretrained(out_dir)
    small_vocab(source_dir, out_dir)  # save_pretrained writes no vocab.txt in transformers 5
    return vocab


def copy_files(source_dir, names, out_dir):
    for name in names:
        shutil.copy(os.path.join(TOKENIZERS, source_dir, name), os.path.join(out_dir, name))


def perturb(model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name or name.endswith(".bias"):
                p.add_(0.1 * torch.randn(p.shape, generator=generator))


def encode(tokenizer, pairs, with_types):
    firsts = [a for a, _ in pairs]
    seconds = [b for _, b in pairs]
    if with_types and all(b is not None for b in seconds):
        batch = tokenizer(firsts, seconds, padding=True, return_tensors="pt", return_token_type_ids=True)
    elif with_types:
        batch = [tokenizer(a, b, return_token_type_ids=True) if b else tokenizer(a, return_token_type_ids=True)
                 for a, b in pairs]
        width = max(len(e["input_ids"]) for e in batch)
        pad = tokenizer.pad_token_id
        ids = [e["input_ids"] + [pad] * (width - len(e["input_ids"])) for e in batch]
        types = [e["token_type_ids"] + [0] * (width - len(e["input_ids"])) for e in batch]
        mask = [[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in batch]
        return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask),
                "token_type_ids": torch.tensor(types)}
    else:
        batch = tokenizer(firsts, padding=True, return_tensors="pt")
    out = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    out["token_type_ids"] = batch.get("token_type_ids", torch.zeros_like(batch["input_ids"]))
    if not with_types:
        out["token_type_ids"] = torch.zeros_like(batch["input_ids"])
    return out


def write_golden(model, tokenizer, out_dir, with_types, note):
    model.eval()
    inputs = encode(tokenizer, TEXTS, with_types)
    assert len(tokenizer) == model.config.vocab_size, (len(tokenizer), model.config.vocab_size)
    real = inputs["attention_mask"].bool() & (inputs["input_ids"] != tokenizer.unk_token_id)
    assert real.sum() > inputs["attention_mask"].sum() * 0.8, "the golden texts should be mostly known pieces"
    assert (inputs["attention_mask"] == 0).any(), "the golden batch must be padded"
    with torch.no_grad():
        kwargs = dict(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
        if model.config.model_type != "distilbert":
            kwargs["token_type_ids"] = inputs["token_type_ids"]
        logits = model(**kwargs).logits
    golden = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "model_type": model.config.model_type,
        "class": type(model).__name__,
        "note": note,
        "inputs": {k: v.tolist() for k, v in inputs.items()},
        "logits": {"shape": list(logits.shape), "data": logits.reshape(-1).tolist()},
    }
    with open(os.path.join(out_dir, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")


def save(model, out_dir, seed):
    perturb(model, seed)
    model.save_pretrained(out_dir)


def make_bert(out_dir):
    small_vocab("wordpiece-uncased", out_dir)
    # Cased, as KcBERT's tokenizer_config.json says: lower-casing strips
    # accents, which splits Hangul syllables into jamo that this vocabulary lacks.
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"do_lower_case": False, "model_max_length": 512, "tokenizer_class": "BertTokenizer"}, f, indent=1)
        f.write("\n")
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    torch.manual_seed(1)
    config = BertConfig(vocab_size=WORDPIECE_SIZE, type_vocab_size=2, **SHAPE)
    model = BertForSequenceClassification(config)
    save(model, out_dir, 101)
    # A plain dict, as transformers 4's save_pretrained(safe_serialization=False)
    # writes its shards; a bare state_dict() pickles an OrderedDict with
    # _metadata, which deberta-bench's reader does not take (docs/development.md).
    torch.save(dict(model.state_dict()), os.path.join(out_dir, "pytorch_model.bin"))
    write_golden(model, tokenizer, out_dir, True, "KcBERT-like: vocab.txt-only cased WordPiece; pooler (tanh) + classifier")


def make_electra(out_dir):
    wordpiece_json("wordpiece-cased", out_dir)
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    torch.manual_seed(2)
    config = ElectraConfig(vocab_size=WORDPIECE_SIZE, embedding_size=16, type_vocab_size=2, num_labels=3,
                           id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
                           label2id={"entailment": 0, "neutral": 1, "contradiction": 2}, **SHAPE)
    model = ElectraForSequenceClassification(config)
    save(model, out_dir, 102)
    write_golden(model, tokenizer, out_dir, True, "KoELECTRA-like: embedding_size 16 < hidden 32 (embeddings_project); gelu head")


def make_roberta(out_dir):
    wordpiece_json("wordpiece-cased", out_dir)
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    torch.manual_seed(3)
    shape = dict(SHAPE, max_position_embeddings=SHAPE["max_position_embeddings"] + 2)
    config = RobertaConfig(vocab_size=WORDPIECE_SIZE, type_vocab_size=1, pad_token_id=tokenizer.pad_token_id,
                           bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id, **shape)
    model = RobertaForSequenceClassification(config)
    save(model, out_dir, 103)
    write_golden(model, tokenizer, out_dir, False, "KLUE-RoBERTa-like: WordPiece, positions from pad_token_id + 1")


def make_xlm_roberta(out_dir):
    copy_files("xlmr-spm", ["sentencepiece.bpe.model", "tokenizer_config.json"], out_dir)
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    torch.manual_seed(4)
    shape = dict(SHAPE, max_position_embeddings=SHAPE["max_position_embeddings"] + 2)
    config = XLMRobertaConfig(vocab_size=len(tokenizer), type_vocab_size=1, pad_token_id=tokenizer.pad_token_id,
                              bos_token_id=0, eos_token_id=2, **shape)
    model = XLMRobertaForSequenceClassification(config)
    save(model, out_dir, 104)
    # save_pretrained of the tokenizer is left out: tokenizer.json would add 84 KB.
    write_golden(model, tokenizer, out_dir, False, "XLM-R: SentencePiece with fairseq ids, pad 1, positions from 2")


def make_distilbert(out_dir):
    from kobert_transformers import get_tokenizer  # noqa: F401  (import check; the class is used below)
    from kobert_transformers.tokenization_kobert import KoBertTokenizer

    copy_files("kobert", ["tokenizer_78b3253a26.model", "vocab.txt", "tokenizer_config.json"], out_dir)
    tokenizer = KoBertTokenizer.from_pretrained(out_dir)
    torch.manual_seed(5)
    config = DistilBertConfig(vocab_size=len(tokenizer), dim=32, n_layers=2, n_heads=4, hidden_dim=37,
                              max_position_embeddings=40, initializer_range=0.2, pad_token_id=tokenizer.pad_token_id)
    model = DistilBertForSequenceClassification(config)
    save(model, out_dir, 105)
    write_golden(model, tokenizer, out_dir, False, "DistilKoBERT-like: KoBERT's tokenizer; pre_classifier, ReLU, classifier")


FAMILIES = {
    "bert": make_bert,
    "electra": make_electra,
    "roberta": make_roberta,
    "xlm-roberta": make_xlm_roberta,
    "distilbert": make_distilbert,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "families"))
    args = parser.parse_args()
    if transformers.__version__ != "5.24.0":
        sys.exit(f"make-family-fixtures.py: needs transformers 5.24.0, found {transformers.__version__}")
    torch.set_default_dtype(torch.float32)
    for name, make in FAMILIES.items():
        out_dir = os.path.join(args.out, name)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir)
        make(out_dir)
        size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
        print(f"{name}: {sorted(os.listdir(out_dir))} ({size // 1024} KB)")


if __name__ == "__main__":
    main()
