#!/usr/bin/env bash
# Pre-trains the built-in default's shape (configs/models/tiny-default) with
# RTD+GDES on the training splits of the five tasks -- never a dev or test
# text: `inspect-data --texts train` prints exactly the rows finetune trains
# on, without the dev slice it holds out of a train file. Tasks whose train
# file is absent (PAWS-X and KorNLI in ../shared/data) are left out, and the
# script says so. It trains a 4,000-piece tokenizer on that corpus, then
# pretrains, and writes WORK/RESULT.md: the corpus with its sha256, the steps,
# the time, the final losses and the exact commands. Deterministic at a given
# thread count. With --install it then copies the discriminator's weights,
# the tokenizer and the loss plot into configs/models/tiny-default, the
# committed built-in model (its README.md records the run).
#
#   scripts/pretrain-default.sh [--data-dir ../shared/data] [--steps 5000] [--threads 2] [--work-dir DIR] [--install]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe=${DEBERTA_BENCH:-build/release/deberta-bench}
data=../shared/data
steps=5000
threads=2
work=build/pretrain-default
install=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --work-dir) work=$2; shift 2 ;;
    --install) install=1; shift ;;
    *) echo "pretrain-default.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$exe" ] || { echo "pretrain-default.sh: $exe: not built (bash scripts/build.sh)" >&2; exit 2; }
[ -d "$data" ] || { echo "pretrain-default.sh: $data: no such data directory" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work"
corpus="$work/corpus.txt"
: >"$corpus"
for task in nsmc paws kornli korsts question_pair; do
  if "$exe" inspect-data --task "$task" --data-dir "$data" --texts train >"$work/$task.txt" 2>"$work/$task.err"; then
    echo "pretrain-default.sh: $task: $(wc -l <"$work/$task.txt") training lines"
    cat "$work/$task.txt" >>"$corpus"
  else
    echo "pretrain-default.sh: $task: left out: $(head -n 1 "$work/$task.err")"
  fi
  rm -f "$work/$task.txt" "$work/$task.err"
done
corpus_sha=$(sha256sum "$corpus" | cut -d' ' -f1)

tokenize=("$exe" train-tokenizer --input "$corpus" --output-dir "$work/tokenizer" --vocab-size 4000)
pretrain=("$exe" --threads "$threads" pretrain --corpus "$corpus" --model-config configs/models/tiny-default/config.json
  --tokenizer "$work/tokenizer" --output-dir "$work/run" --set "training.max_steps=$steps")
start=$(date +%s)
"${tokenize[@]}"
DEBERTA_BENCH_CACHE=off "${pretrain[@]}"
seconds=$(($(date +%s) - start))

python3 - "$work" "$corpus_sha" "$seconds" "${tokenize[*]}" "DEBERTA_BENCH_CACHE=off ${pretrain[*]}" <<'EOF'
import json, sys
work, sha, seconds, tokenize, pretrain = sys.argv[1:]
lines = [json.loads(l) for l in open(f"{work}/run/metrics.jsonl", encoding="utf-8")]
train = [l for l in lines if "loss" in l]
evals = [l for l in lines if "dev" in l]
corpus_lines = sum(1 for _ in open(f"{work}/corpus.txt", encoding="utf-8"))
with open(f"{work}/RESULT.md", "w", encoding="utf-8") as f:
    f.write(f"# pretrain-default result\n\n- corpus: {corpus_lines} lines, sha256 {sha}\n")
    f.write(f"- steps: {train[-1]['step']}; wall time {seconds} s\n")
    f.write(f"- last logged step: loss {train[-1]['loss']:.4f}, mlm {train[-1]['mlm_loss']:.4f}, "
            f"rtd {train[-1]['rtd_loss']:.4f}\n")
    if evals:
        f.write(f"- last evaluation: {json.dumps(evals[-1]['dev'])}\n")
    f.write(f"\n```sh\n{tokenize}\n{pretrain}\n```\n")
print(open(f"{work}/RESULT.md", encoding="utf-8").read())
EOF

if [ "$install" = 1 ]; then
  target=configs/models/tiny-default
  cp "$work/run/discriminator/model.safetensors" "$target/model.safetensors"
  for f in spm.model tokenizer_config.json special_tokens_map.json; do cp "$work/tokenizer/$f" "$target/$f"; done
  cp "$work/run/learning-curves.svg" "$target/pretraining-curves.svg"
  echo "pretrain-default.sh: installed the weights and the tokenizer into $target (update its README.md from $work/RESULT.md)"
fi
