// The numeric tolerances of the tests, each with the error model it follows
// from. They must hold on any x86-64 CPU and on each of ATen's kernel paths
// (default, AVX2, AVX-512), with MKL in or out of its reproducible mode and
// oneDNN at any ISA: scripts/test-isa.sh runs the [numeric] tests on each.
//
// The error model. A float32 result differs from the exact one by at most
// u = 2^-24 (about 6e-8) relative per rounding. Two correct float32
// implementations of the same formula (ours and HF's, the fused and the
// per-element optimizer, one kernel path and another) may round at different
// places: vectorised kernels reassociate sums and use fused multiply-adds,
// so a sum of K terms may differ by up to about K * u * sum(|terms|). A
// tolerance below is that bound for the computation's size, with a margin;
// never the worst difference one machine happened to show.
//
// Where the project promises bit-identity (resume, the same seed, the
// feature cache, a checkpoint read back), the tests compare exactly: both
// sides run the same kernels in the same order in one process or on one
// machine, whatever the path.
#pragma once

#include <cmath>

namespace deberta::test {

// float32's unit round-off: the relative error of one rounding.
constexpr double kFp32Unit = 0x1p-24;

// Forward outputs against the HF goldens, absolute. The fixtures are 2
// layers of hidden 32 with feed-forward 64: every value is a sum of at most
// 64 products of terms of at most about 3 (LayerNorm keeps activations near
// unit scale, the weights are ~0.02), so one layer may differ by
// 64 * u * 64 * 3 * 0.02 ~ 4e-7 per value; two layers, attention's softmax
// and the pooler stay below 2e-6 (measured: at most 1.5e-6). 1e-5 leaves a
// factor of 5 for reassociation in any kernel.
constexpr double kForwardAbsolute = 1e-5;

// A loss against its golden, relative: a mean of a few per-example losses,
// each a log-sum-exp of logits known to kForwardAbsolute.
constexpr double kLossRelative = 1e-5;

// One training step against its HF golden, relative (gradient norms, the
// loss after an SGD step) and absolute (logits after the step). A gradient
// is a sum over the batch and the sequence (4 x 16 positions here) of
// products through both layers backwards, so its relative error is about
// (64 positions + 64 features) * u per layer, ~1.5e-5 for two layers, and a
// norm carries it unchanged; the step then moves every weight by lr * grad.
// 1e-4 leaves a margin of 6 over that bound.
constexpr double kStepRelative = 1e-4;
constexpr double kStepLogitsAbsolute = 1e-4;

// Gradient norms that are mathematically zero (a bias no loss reaches)
// come out as sums of round-off, about 64 * u * |gradient terms| ~ 1e-8
// here; the absolute margin keeps them from failing a relative test.
constexpr double kZeroNormAbsolute = 1e-6;

// AdamW in float32 against the exact update, absolute, after `steps`
// steps on a parameter that stays within |p|. Per step:
// - the parameter is rounded after the decay and after the update: 2u|p|;
// - the update lr * m_hat / (sqrt(v_hat) + eps) passes through about six
//   roundings (the moments' last terms, the square root, the bias
//   corrections, the division): 6u of it;
// - the moments carry the roundings of every earlier step (an exponential
//   average keeps its relative error rather than shrinking it): about u per
//   step in m (in units of the terms it sums) and, halved by the square
//   root, in sqrt(v): 2u per step, so 2tu of the update at step t.
// The update itself is at most lr * R_t, R_t = adam_ratio_bound. Two float32
// implementations (fused and per-element) may each be off by this much.
double adamw_bound(int steps, double lr, double beta1, double beta2, double p);

// |m_hat| / sqrt(v_hat) after t steps of any gradients: by Cauchy-Schwarz
// over the moments' weights, (1 - beta1) / (1 - beta1^t) *
// sqrt((1 - beta2^t) / (1 - beta2)) * sqrt(sum_k<t (beta1^2 / beta2)^k).
// It is 1 at t = 1, and below 2 for 50 steps of beta1 0.9 and beta2 0.999.
double adam_ratio_bound(int t, double beta1, double beta2);

// Accumulated half batches against the whole batch: the same sum split in
// two and added, so the loss and every updated weight differ by
// reassociation of a 4-example batch only, about 4 * u relative of the
// terms; the norm of the gradient by one more reduction over its entries.
constexpr double kAccumulationRelative = 1e-5;
constexpr double kAccumulationNormRelative = 1e-4;
// ... and the weights after the step, absolute. AdamW's first step moves
// each weight by lr * g / (|g| + eps), which is lr in size whatever the
// rounding of g, so the weights agree to their own rounding, u * |w| with
// |w| < 2, far inside 1e-5. The one exception is a gradient entry within a
// few eps (1e-8) of zero, where the step is lr * g / eps and amplifies g's
// rounding; lr 1e-3 keeps even that below 1e-5 unless g's rounding exceeds
// 1e-10, which the fixture's small sums (4 examples) do not reach.
constexpr double kAccumulationWeightAbsolute = 1e-5;

// Two processes with batch 8 against one with batch 16, relative on each
// logged loss over 20 steps: every step's gradient is summed in another
// order (two halves, then the all-reduce), a relative change of about
// 16 * u per step in the update, and 20 steps of lr 1e-3 on a tiny model
// change the loss by far less than 20 * 16 * u * |loss| ~ 2e-5 of it.
constexpr double kDataParallelLossRelative = 1e-5;

// bf16 autocast against the float32 goldens, absolute: bf16 keeps 8
// significant bits (relative rounding 2^-9 ~ 2e-3) on every matrix
// product's inputs; through two layers of values up to about 3, with
// LayerNorm and softmax in float32, that is well under 5e-2.
constexpr double kBf16Absolute = 5e-2;
// ... and bf16 must differ from float32 at all, or autocast did not run.
constexpr double kBf16MustDifferAbsolute = 1e-4;

// Probabilities of two classes, printed with 6 decimals and read back: each
// rounded by at most 5e-7 in print, plus softmax's float32 rounding.
constexpr double kPrintedProbabilitySum = 2e-6;

inline double adam_ratio_bound(int t, double beta1, double beta2) {
  double geometric = 0;
  for (int k = 0; k < t; ++k) geometric += std::pow(beta1 * beta1 / beta2, k);
  return (1 - beta1) / (1 - std::pow(beta1, t)) * std::sqrt((1 - std::pow(beta2, t)) / (1 - beta2)) *
         std::sqrt(geometric);
}

inline double adamw_bound(int steps, double lr, double beta1, double beta2, double p) {
  double bound = 0;
  for (int t = 1; t <= steps; ++t)
    bound += kFp32Unit * (2 * std::abs(p) + (6 + 2 * t) * lr * adam_ratio_bound(t, beta1, beta2));
  return bound;
}

}  // namespace deberta::test
