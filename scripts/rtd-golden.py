#!/usr/bin/env python3
"""The golden of one replaced-token-detection (RTD) step with gradient-disentangled
embedding sharing (GDES), computed independently of deberta-bench's C++.

    ~/.cache/deberta-bench/venv/bin/python scripts/rtd-golden.py \
        --fixture ../shared/fixtures/deberta-v3-tiny --output tests/data/rtd

Written after the DeBERTa-v3 paper (He et al. 2021, section 3) and
microsoft/DeBERTa's `rtd` app, on Hugging Face transformers' modules:

- generator: DebertaV2ForMaskedLM (legacy=False: the head `lm_predictions.lm_head`
  with dense, activation, LayerNorm, and the word embeddings as decoder plus a
  bias), half the discriminator's layers, same width; its weights are random
  (seed 1) except the word embeddings, which are the fixture's: E;
- discriminator: DebertaV2Model with the fixture's weights, its word embeddings
  replaced by stop_gradient(E) + E_delta, E_delta starting at zero; the head
  `mask_predictions`: LayerNorm(h + h_[CLS]), dense, activation, then a linear
  map to one logit per token (random, seed 2);
- losses: MLM, the mean cross-entropy over the masked positions; RTD, the mean
  binary cross-entropy over every non-padding token, a token being "replaced"
  when the discriminator's input differs from the original; total = MLM +
  lambda * RTD, lambda 50. Every dropout is off.

The mask (15%, 80/10/10, never a special token) and the generator's samples
are drawn here once (seed 3) and stored, so the C++ test replays them. The
output directory gets generator/ (config.json, model.safetensors: an HF
DebertaV2ForMaskedLM directory), discriminator_head.safetensors
(mask_predictions.*) and rtd_golden.json: the inputs, the masked inputs, the
MLM labels, the discriminator's inputs, the three losses and the L2 norm of
every gradient, named generator.<name> and discriminator.<name> (E_delta is
discriminator.deberta.embeddings.word_embeddings.weight).
"""

import argparse
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import DebertaV2Config, DebertaV2ForMaskedLM, DebertaV2Model
from transformers.activations import ACT2FN

RTD_WEIGHT = 50.0


class MaskPredictionHead(torch.nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = torch.nn.Linear(config.hidden_size, config.hidden_size)
        self.act = ACT2FN[config.hidden_act]
        self.LayerNorm = torch.nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.classifier = torch.nn.Linear(config.hidden_size, 1)

    def forward(self, hidden):
        states = self.LayerNorm(hidden + hidden[:, :1, :])
        return self.classifier(self.act(self.dense(states))).squeeze(-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)

    with open(os.path.join(args.fixture, "config.json"), encoding="utf-8") as f:
        raw = json.load(f)
    for key in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
        raw[key] = 0.0
    raw.pop("id2label", None)
    raw.pop("label2id", None)
    raw.pop("architectures", None)
    disc_config = DebertaV2Config(**raw)
    gen_raw = dict(raw, num_hidden_layers=max(1, raw["num_hidden_layers"] // 2), legacy=False)
    gen_config = DebertaV2Config(**gen_raw)

    fixture = load_file(os.path.join(args.fixture, "model.safetensors"))
    E = fixture["deberta.embeddings.word_embeddings.weight"]

    torch.manual_seed(1)
    generator = DebertaV2ForMaskedLM(gen_config)
    with torch.no_grad():
        generator.deberta.embeddings.word_embeddings.weight.copy_(E)
        generator.lm_predictions.lm_head.bias.normal_(0, 0.02)

    discriminator = DebertaV2Model(disc_config)
    backbone = {k[len("deberta."):]: v for k, v in fixture.items() if k.startswith("deberta.")}
    discriminator.load_state_dict(backbone, strict=True)
    with torch.no_grad():
        discriminator.embeddings.word_embeddings.weight.zero_()  # E_delta
    torch.manual_seed(2)
    head = MaskPredictionHead(disc_config)
    with torch.no_grad():
        for p in head.parameters():
            p.normal_(0, 0.2)

    # The fixture's padded batch of six; [MASK] is the id after the spm pieces.
    golden = json.load(open(os.path.join(args.fixture, "golden.json"), encoding="utf-8"))
    inputs = golden["model"]["inputs"]
    ids = torch.tensor(inputs["input_ids"], dtype=torch.long)
    mask = torch.tensor(inputs["attention_mask"], dtype=torch.long)
    mask_id = 1500
    special = (ids == 0) | (ids == 1) | (ids == 2) | (mask == 0)

    g = torch.Generator().manual_seed(3)
    chosen = (torch.rand(ids.shape, generator=g) < 0.15) & ~special
    roll = torch.rand(ids.shape, generator=g)
    random_ids = torch.randint(3, mask_id, ids.shape, generator=g)
    masked = torch.where(chosen & (roll < 0.8), torch.full_like(ids, mask_id), ids)
    masked = torch.where(chosen & (roll >= 0.8) & (roll < 0.9), random_ids, masked)
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))

    generator.eval()
    discriminator.eval()
    head.eval()
    logits = generator(input_ids=masked, attention_mask=mask).logits
    mlm = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)
    with torch.no_grad():
        probs = torch.softmax(logits.detach().float(), -1)
        samples = torch.multinomial(probs.view(-1, probs.size(-1)), 1, generator=g).view(ids.shape)
    disc_ids = torch.where(chosen, samples, ids)

    # GDES: the discriminator sees stop_gradient(E) + E_delta.
    shared = generator.deberta.embeddings.word_embeddings.weight
    delta = discriminator.embeddings.word_embeddings.weight
    embeds = F.embedding(disc_ids, shared.detach()) + F.embedding(disc_ids, delta)
    hidden = discriminator(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
    rtd_logits = head(hidden)
    replaced = (disc_ids != ids).float()
    keep = mask.bool()
    rtd = F.binary_cross_entropy_with_logits(rtd_logits[keep], replaced[keep])
    total = mlm + RTD_WEIGHT * rtd
    total.backward()

    norms = {}
    for name, p in generator.named_parameters():
        if p.grad is not None:
            norms["generator." + name] = p.grad.norm().item()
    for name, p in discriminator.named_parameters():
        if p.grad is not None:
            norms["discriminator.deberta." + name] = p.grad.norm().item()
    for name, p in head.named_parameters():
        norms["discriminator.mask_predictions." + name] = p.grad.norm().item()

    os.makedirs(os.path.join(args.output, "generator"), exist_ok=True)
    generator.save_pretrained(os.path.join(args.output, "generator"), safe_serialization=True)
    save_file({"mask_predictions." + k: v.contiguous() for k, v in head.state_dict().items()},
              os.path.join(args.output, "discriminator_head.safetensors"))

    def matrix(t):
        return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}

    record = {
        "procedure": {
            "fixture": os.path.basename(os.path.normpath(args.fixture)),
            "rtd_weight": RTD_WEIGHT,
            "mask_token_id": mask_id,
            "dropout": 0.0,
            "mlm_loss": "mean cross-entropy over masked positions",
            "rtd_loss": "mean BCE with logits over attention_mask == 1 tokens; label: input differs from original",
            "gdes": "discriminator word embeddings = stop_gradient(generator's E) + E_delta (zeros)",
            "torch": torch.__version__,
        },
        "input_ids": matrix(ids),
        "attention_mask": matrix(mask),
        "masked_input_ids": matrix(masked),
        "mlm_labels": matrix(labels),
        "discriminator_input_ids": matrix(disc_ids),
        "mlm_loss": mlm.item(),
        "rtd_loss": rtd.item(),
        "total_loss": total.item(),
        "grad_norms": norms,
    }
    with open(os.path.join(args.output, "rtd_golden.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    print(f"mlm {mlm.item():.6f} rtd {rtd.item():.6f} total {total.item():.6f}; {len(norms)} gradient norms")


if __name__ == "__main__":
    main()
