#!/usr/bin/env bash
# Rebuilds the tokenizer of the built-in default model (configs/models/tiny-default/)
# from the training splits of the shipped samples. The result is committed;
# run this only to change it. Deterministic: the same samples give the same pieces.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe=${DEBERTA_BENCH:-build/release/deberta-bench}
out=configs/models/tiny-default
corpus=$(mktemp)
trap 'rm -f "$corpus"' EXIT

# Text columns of each training file (header skipped); test splits stay unseen.
s=data/samples
awk -F'\t' 'NR > 1 { print $2 }' "$s/nsmc/ratings_train.txt" >>"$corpus"
awk -F'\t' 'NR > 1 { print $2; print $3 }' "$s/paws-x-ko/translated_train.tsv" >>"$corpus"
awk -F'\t' 'NR > 1 { print $1; print $2 }' "$s/kornli/multinli.train.ko.tsv" >>"$corpus"
awk -F'\t' 'NR > 1 { print $6; print $7 }' "$s/korsts/sts-train.tsv" >>"$corpus"
awk -F'\t' 'NR > 1 { print $1; print $2 }' "$s/question-pair/train.txt" >>"$corpus"

"$exe" train-tokenizer --input "$corpus" --output-dir "$out" --vocab-size 4000
echo "make-default-model.sh: wrote $out/spm.model from $(wc -l <"$corpus") sentences"
