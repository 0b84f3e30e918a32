#!/usr/bin/env python3
"""Builds the non-DeBERTa tokenizer fixtures of tests/data/tokenizers/ and their goldens.

Usage: PYTHON scripts/make-tokenizer-fixtures.py [--out DIR]
  PYTHON: a Python with transformers 5.24.0, sentencepiece and kobert-transformers 0.6.0
  (scripts/setup.sh --with-transformers, then pip install --no-deps kobert-transformers==0.6.0)
  --out DIR  where the fixtures go (default: tests/data/tokenizers)

Every vocabulary is drawn, with a fixed seed, from the text of data/samples/,
so the fixtures are small and cover the tasks' Korean and ASCII. The tokenizers
are then built and loaded by transformers (or kobert-transformers) itself, and
golden.json records, for each case, the ids that the reference gives:
  wordpiece-uncased/  vocab.txt + tokenizer_config.json only (as KcBERT and KoELECTRA
                      ship), do_lower_case true; loaded by AutoTokenizer (BertTokenizer).
  wordpiece-cased/    BertTokenizer(vocab=..., do_lower_case=False).save_pretrained:
                      tokenizer.json + tokenizer_config.json, plus vocab.txt.
  xlmr-spm/           a SentencePiece unigram model as sentencepiece.bpe.model, loaded by
                      XLMRobertaTokenizer.from_pretrained, which save_pretrained then
                      writes as tokenizer.json (Unigram with a Precompiled normalizer).
  kobert/             tokenizer_78b3253a26.model + vocab.txt re-mapping its pieces, as
                      the Hub's monologg/kobert; goldens from kobert-transformers.
Goldens of the WordPiece fixtures also record BertTokenizerLegacy (transformers'
Python WordPiece) where it differs from BertTokenizer, for the record only.
"""

import argparse
import csv
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import unicodedata

import sentencepiece as spm
import transformers
from transformers import AutoTokenizer, BertTokenizer, BertTokenizerLegacy, XLMRobertaTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "data", "samples")
MAX_LENGTH = 32

# (task, file, first text column, second text column or None)
TASK_FILES = [
    ("nsmc", "nsmc/ratings_test.txt", "document", None),
    ("kornli", "kornli/xnli.test.ko.tsv", "sentence1", "sentence2"),
    ("paws-x-ko", "paws-x-ko/test_2k.tsv", "sentence1", "sentence2"),
    ("korsts", "korsts/sts-test.tsv", "sentence1", "sentence2"),
    ("question-pair", "question-pair/test.txt", "question1", "question2"),
]
ROWS_PER_TASK = 8
ROWS_WITH_TOKENS = 4  # the pieces too, for these first rows of each task and every hard case

HARD = [
    ("hanja", "大韓民國 漢字 표기와 韓國語 混用文", None),
    ("emoji-modifiers", "좋아요👍🏽 가족👨‍👩‍👧 깃발🏳️‍🌈 새 이모지🥰🫠 ❤️", None),
    ("full-width", "ＡＢＣ１２３！ｈｅｌｌｏ，ｗｏｒｌｄ　전각（괄호）", None),
    ("combining", "e\u0301cole cafe\u0301 A\u030a ᄒ\u1161\u11ab글 자모 n\u0303", None),
    ("precomposed-accents", "École Ångström DÉJÀ VU İstanbul ΣΑΣ naïve", None),
    ("zero-width", "제로\u200b폭\u200c문자\u200d테스트\ufeff끝\u2060단어", None),
    ("control", "제어\x00문자\x07벨\t탭\n줄\r바꿈\x1b이스케이프\x7f끝\u0085\x1c구분", None),
    ("spaces", "띄어\u00a0쓰기\u3000전각\u2009얇은\u202f공백\u2028줄\u2029문단  두칸", None),
    ("long-words", "가" * 100 + " " + "나" * 101 + " " + "a" * 120 + " 짧은 말", None),
    ("long-word-100", "ab" * 50, None),
    ("punctuation", "가격은 ₩12,000원 (약 $9.99)… 「인용」 ~!@#$%^&*()_+`{}|[]\\:\";'<>?,./", None),
    ("odd-code-points", "대체\ufffd문자 사용자\ue000영역 태그\U000e0001끝 미할당\U0003ffff", None),
    ("digits-commas", "1,000원 2,500,000명 3.14 10,", None),
    ("quotes", "``인용'' \"따옴표\" '작은'", None),
    ("empty", "", None),
    ("only-spaces", "   \t ", None),
    ("hard-pair", "大韓民國👍🏽 cafe\u0301", "ＡＢＣ\u200b 띄어\u00a0쓰기 " + "가" * 110),
    ("mixed-case", "DeBERTa-V3는 KcBERT와 KoELECTRA를 BERT처럼 쓴다", "Hello, WORLD! 안녕"),
]


HARD_IDS = {case_id for case_id, _, _ in HARD}


def read_rows(path, first, second):
    with open(os.path.join(SAMPLES, path), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row[first], row[second] if second else None) for row in rows[:ROWS_PER_TASK]]


def cases():
    out = []
    for task, path, first, second in TASK_FILES:
        for i, (text, pair) in enumerate(read_rows(path, first, second)):
            out.append((f"{task}-{i}", text, pair))
    return out + HARD


def sample_text():
    texts = []
    for _, path, first, second in TASK_FILES:
        with open(os.path.join(SAMPLES, path), encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                texts.append(row[first] or "")
                if second:
                    texts.append(row[second] or "")
    return texts


def wordpiece_vocab(rng, texts, lower):
    """Specials, then characters and frequent word starts and continuations, shuffled by seed."""
    words = {}
    for text in texts[:4000]:
        if lower:
            text = text.lower()
        for word in re.findall(r"\w+|[^\w\s]", text):
            words[word] = words.get(word, 0) + 1
    chars = sorted({c for word in words for c in word})
    rng.shuffle(chars)
    chars = chars[: int(len(chars) * 0.9)]  # some characters stay unknown
    starts, rests = {}, {}
    for word, count in words.items():
        for n in range(2, min(len(word), 4) + 1):
            starts[word[:n]] = starts.get(word[:n], 0) + count
            if len(word) > n:
                rests["##" + word[n:]] = rests.get("##" + word[n:], 0) + count
    common = lambda table, n: [w for w, _ in sorted(table.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
    pieces = chars + ["##" + c for c in chars] + common(starts, 700) + common(rests, 400)
    # A few pieces for the hard cases, so that they hit the vocabulary as well as miss it.
    pieces += ["漢", "字", "大", "韓", "##́", "e", "é", "a", "##a", "##b", "ab", "##ab", "##🏽", "👍", "##👍", "가",
               "##가", "##나", "Ａ", "##Ｂ", "##Ｃ", "！", "ｈ", "##ｅ", "##ｌ", "##ｏ", "，", "##‍", "##👨"]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    seen, vocab = set(), []
    for piece in specials + [f"[unused{i}]" for i in range(3)] + pieces:
        if piece not in seen and piece.strip() == piece and piece:
            seen.add(piece)
            vocab.append(piece)
    return vocab


def encode_all(tokenizer, with_tokens=True):
    transformers.logging.set_verbosity_error()  # not the truncation warning of each Python tokenizer call
    out = []
    for case_id, text, pair in cases():
        # Token types asked for: transformers 5 leaves them out by default for some classes.
        full = tokenizer(text, pair, return_token_type_ids=True)
        cut = tokenizer(text, pair, truncation=True, max_length=MAX_LENGTH)
        entry = {"id": case_id, "text": text, "pair": pair, "input_ids": full["input_ids"],
                 "token_type_ids": full["token_type_ids"],
                 f"input_ids_max{MAX_LENGTH}": cut["input_ids"]}
        row = case_id.rsplit("-", 1)[-1]
        if with_tokens and not (row.isdigit() and int(row) >= ROWS_WITH_TOKENS and case_id not in HARD_IDS):
            entry["tokens"] = tokenizer.tokenize(text)
        out.append(entry)
    return out


def write_json(path, value):
    """Indented, but each case on one line, to keep the goldens small and readable."""
    if isinstance(value, dict) and "cases" in value:
        head = {k: v for k, v in value.items() if k != "cases"}
        text = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "cases": [\n'
        text += ",\n".join("  " + json.dumps(case, ensure_ascii=False) for case in value["cases"]) + "\n ]\n}"
    else:
        text = json.dumps(value, ensure_ascii=False, indent=1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def write_vocab_txt(path, vocab):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(piece + "\n" for piece in vocab))


def special_ids(tokenizer):
    return {name: tokenizer.convert_tokens_to_ids(getattr(tokenizer, name))
            for name in ("pad_token", "cls_token", "sep_token", "unk_token", "mask_token")}


def add_legacy(golden_cases, legacy):
    """Records BertTokenizerLegacy's ids where they differ; the reference stays BertTokenizer's."""
    differing = 0
    for entry in golden_cases:
        text, pair = entry["text"], entry["pair"]
        ids = legacy(text, pair)["input_ids"] if pair is not None else legacy(text)["input_ids"]
        if ids != entry["input_ids"]:
            entry["input_ids_legacy"] = ids
            differing += 1
    return differing


def make_wordpiece(out, name, rng, texts, lower):
    directory = os.path.join(out, name)
    os.makedirs(directory)
    vocab = wordpiece_vocab(rng, texts, lower)
    if lower:
        # vocab.txt and tokenizer_config.json only, as KcBERT and KoELECTRA ship them.
        write_vocab_txt(os.path.join(directory, "vocab.txt"), vocab)
        write_json(os.path.join(directory, "tokenizer_config.json"),
                   {"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer"})
        tokenizer = AutoTokenizer.from_pretrained(directory)
    else:
        tokenizer = BertTokenizer(vocab={piece: i for i, piece in enumerate(vocab)}, do_lower_case=False)
        tokenizer.model_max_length = 300
        tokenizer.save_pretrained(directory)
        write_vocab_txt(os.path.join(directory, "vocab.txt"), vocab)
    assert type(tokenizer).__name__ == "BertTokenizer", type(tokenizer)
    golden_cases = encode_all(tokenizer)
    legacy = BertTokenizerLegacy(os.path.join(directory, "vocab.txt"), do_lower_case=lower)
    differing = add_legacy(golden_cases, legacy)
    golden = {"reference": f"transformers {transformers.__version__} {type(tokenizer).__name__}",
              "legacy_differs_in": differing, "vocab_size": len(vocab), "special_ids": special_ids(tokenizer),
              "cases": golden_cases}
    write_json(os.path.join(directory, "golden.json"), golden)


def train_spm(texts, prefix, vocab_size, extra):
    sentences = io.StringIO("\n".join(t for t in texts[:3000] if t.strip()))
    spm.SentencePieceTrainer.train(sentence_iterator=iter(sentences.getvalue().split("\n")), model_prefix=prefix,
                                   vocab_size=vocab_size, model_type="unigram", character_coverage=0.995,
                                   **extra)


def write_nfkc_rules(path, texts, compose_samples):
    """spm's nmt_nfkc (NFKC) for the characters of the cases and the samples and the full-width
    block only: the whole map would make each model some 250 KB. The rules go through the same
    Precompiled normalizer. Decomposed forms of the cases' characters compose again, and with
    compose_samples those of the samples' too (KoBERT decomposes all its text first)."""
    case_chars = {c for _, text, pair in cases() for c in text + (pair or "")}
    sample_chars = {c for text in texts for c in text}
    chars = case_chars | sample_chars
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)} | {"\u00a0", "\u3000", "\u2009", "\u202f", "\u1680"}
    rules = {}
    hex_of = lambda text: " ".join(f"{ord(t):X}" for t in text)
    for c in sorted(chars):
        target = unicodedata.normalize("NFKC", c)
        if target != c and target:
            rules[hex_of(c)] = hex_of(target)
        decomposed = unicodedata.normalize("NFKD", c)
        if decomposed != target and target and (c in case_chars or compose_samples):
            rules[hex_of(decomposed)] = hex_of(target)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(f"{source}\t{target}\n" for source, target in sorted(rules.items())))


def make_xlmr(out, texts):
    directory = os.path.join(out, "xlmr-spm")
    os.makedirs(directory)
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules.tsv")
        write_nfkc_rules(rules, texts, compose_samples=False)
        # XLM-R's own model: <unk>=0 <s>=1 </s>=2, no pad, as fairseq expects.
        train_spm(texts, os.path.join(tmp, "m"), 1200, {"unk_id": 0, "bos_id": 1, "eos_id": 2, "pad_id": -1,
                                                        "normalization_rule_tsv": rules})
        shutil.copy(os.path.join(tmp, "m.model"), os.path.join(directory, "sentencepiece.bpe.model"))
    write_json(os.path.join(directory, "tokenizer_config.json"),
               {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512})
    tokenizer = AutoTokenizer.from_pretrained(directory)
    assert type(tokenizer).__name__ == "XLMRobertaTokenizer", type(tokenizer)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer.save_pretrained(tmp)
        shutil.copy(os.path.join(tmp, "tokenizer.json"), os.path.join(directory, "tokenizer.json"))
    golden = {"reference": f"transformers {transformers.__version__} {type(tokenizer).__name__}",
              "vocab_size": len(tokenizer), "special_ids": special_ids(tokenizer), "cases": encode_all(tokenizer)}
    write_json(os.path.join(directory, "golden.json"), golden)


def make_kobert(out, texts, rng):
    from kobert_transformers.tokenization_kobert import KoBertTokenizer
    import kobert_transformers
    directory = os.path.join(out, "kobert")
    os.makedirs(directory)
    model = os.path.join(directory, "tokenizer_78b3253a26.model")
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules.tsv")
        write_nfkc_rules(rules, texts, compose_samples=True)
        # Pieces of a digit and a comma, which KoBertTokenizer splits again (its number-comma rule).
        train_spm(texts, os.path.join(tmp, "m"), 1000, {"unk_id": 0, "bos_id": -1, "eos_id": -1, "pad_id": -1,
                                                        "normalization_rule_tsv": rules,
                                                        "user_defined_symbols": ["0,", "5,", "12,"]})
        shutil.copy(os.path.join(tmp, "m.model"), model)
    processor = spm.SentencePieceProcessor(model_file=model)
    pieces = [processor.id_to_piece(i) for i in range(1, processor.get_piece_size())]
    rng.shuffle(pieces)
    # KoBERT's vocab.txt: its own order, specials first, and not every spm piece.
    vocab = ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"] + pieces[: len(pieces) - 40]
    write_vocab_txt(os.path.join(directory, "vocab.txt"), vocab)
    write_json(os.path.join(directory, "tokenizer_config.json"),
               {"do_lower_case": False, "tokenizer_class": "KoBertTokenizer", "model_max_length": 512})
    tokenizer = KoBertTokenizer(model, os.path.join(directory, "vocab.txt"))
    golden = {"reference": f"kobert-transformers {getattr(kobert_transformers, '__version__', '0.6.0')} "
                           f"KoBertTokenizer on transformers {transformers.__version__}",
              "vocab_size": len(vocab), "special_ids": special_ids(tokenizer), "cases": encode_all(tokenizer)}
    write_json(os.path.join(directory, "golden.json"), golden)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "tokenizers"))
    parser.add_argument("--only", choices=["wordpiece", "xlmr", "kobert"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["wordpiece", "xlmr", "kobert"])
    texts = sample_text()
    if "wordpiece" in only:
        for name in ("wordpiece-uncased", "wordpiece-cased"):
            shutil.rmtree(os.path.join(args.out, name), ignore_errors=True)
        make_wordpiece(args.out, "wordpiece-uncased", random.Random(24), texts, lower=True)
        make_wordpiece(args.out, "wordpiece-cased", random.Random(2024), texts, lower=False)
    if "xlmr" in only:
        shutil.rmtree(os.path.join(args.out, "xlmr-spm"), ignore_errors=True)
        make_xlmr(args.out, texts)
    if "kobert" in only:
        shutil.rmtree(os.path.join(args.out, "kobert"), ignore_errors=True)
        make_kobert(args.out, texts, random.Random(78))
    return 0


if __name__ == "__main__":
    sys.exit(main())
