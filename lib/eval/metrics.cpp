#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& metric, const std::string& problem) {
  throw std::invalid_argument(metric + ": " + problem);
}

template <typename T>
void check_pair(const std::vector<T>& a, const std::vector<T>& b, const std::string& metric, const std::string& a_name,
                const std::string& b_name) {
  if (a.size() != b.size())
    fail(metric, a_name + " has " + std::to_string(a.size()) + " values but " + b_name + " has " +
                     std::to_string(b.size()) + "; they must be the same length");
  if (a.empty()) fail(metric, a_name + " and " + b_name + " are empty; there is nothing to score");
}

void check_finite(const std::vector<double>& values, const std::string& metric, const std::string& name) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      fail(metric, name + "[" + std::to_string(i) + "] is " + std::to_string(values[i]) + "; scores must be finite");
}

void check_labels(const std::vector<int64_t>& labels, int64_t num_labels, const std::string& metric,
                  const std::string& name) {
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= num_labels)
      fail(metric, name + "[" + std::to_string(i) + "] is " + std::to_string(labels[i]) + ", outside [0, " +
                       std::to_string(num_labels) + ")");
}

bool is_constant(const std::vector<double>& values) {
  // Exact equality, as scipy tests it: values such as {0.1, 0.1, 0.1} have a
  // computed mean a rounding error away from 0.1, and centring on it would
  // turn that error into a spurious, sign-random correlation.
  return std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); });
}

// Scaling by a power of two is exact and r is scale-invariant, so bringing
// every value below 1 in magnitude costs no precision and keeps the sums of
// squares below from overflowing (values near 1e300) or underflowing to zero
// (values near 1e-170), either of which would give NaN or a false 0.
std::vector<double> scaled_below_one(const std::vector<double>& values) {
  double max_abs = 0.0;
  for (double v : values) max_abs = std::max(max_abs, std::fabs(v));
  int exponent = 0;
  std::frexp(max_abs, &exponent);
  std::vector<double> scaled(values.size());
  for (size_t i = 0; i < values.size(); ++i) scaled[i] = std::ldexp(values[i], -exponent);
  return scaled;
}

// The residual pass removes most of the rounding error of the plain mean, so
// that deviations stay accurate when the values share a large offset against
// their spread.
double mean(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  double sum = 0.0;
  for (double v : values) sum += v;
  const double first = sum / n;
  double residual = 0.0;
  for (double v : values) residual += v - first;
  return first + residual / n;
}

// Two-pass, centred: the one-pass formula n*Sxy - Sx*Sy cancels
// catastrophically when the mean is large against the spread. Inputs are
// validated and neither is constant.
double correlation(const std::vector<double>& x_in, const std::vector<double>& y_in) {
  const std::vector<double> x = scaled_below_one(x_in);
  const std::vector<double> y = scaled_below_one(y_in);
  const double mean_x = mean(x);
  const double mean_y = mean(y);
  double sxx = 0.0, syy = 0.0, sxy = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x;
    const double dy = y[i] - mean_y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  // Non-constant inputs leave a non-zero deviation, but guard anyway: this
  // function must never divide 0 by 0.
  if (sxx == 0.0 || syy == 0.0) return 0.0;
  const double r = sxy / (std::sqrt(sxx) * std::sqrt(syy));
  // Rounding can carry |r| a few ulps past 1 (scipy clips the same way).
  return std::clamp(r, -1.0, 1.0);
}

}  // namespace

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold) {
  check_pair(predicted, gold, "accuracy", "predicted", "gold");
  size_t correct = 0;
  for (size_t i = 0; i < gold.size(); ++i)
    if (predicted[i] == gold[i]) ++correct;
  return static_cast<double>(correct) / static_cast<double>(gold.size());
}

double macro_f1(const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold, int64_t num_labels) {
  check_pair(predicted, gold, "macro_f1", "predicted", "gold");
  if (num_labels < 1) fail("macro_f1", "num_labels is " + std::to_string(num_labels) + "; it must be at least 1");
  check_labels(predicted, num_labels, "macro_f1", "predicted");
  check_labels(gold, num_labels, "macro_f1", "gold");

  const auto classes = static_cast<size_t>(num_labels);
  std::vector<int64_t> true_positives(classes, 0), predicted_count(classes, 0), gold_count(classes, 0);
  for (size_t i = 0; i < gold.size(); ++i) {
    ++predicted_count[static_cast<size_t>(predicted[i])];
    ++gold_count[static_cast<size_t>(gold[i])];
    if (predicted[i] == gold[i]) ++true_positives[static_cast<size_t>(gold[i])];
  }
  double f1_sum = 0.0;
  int64_t counted = 0;
  for (size_t c = 0; c < classes; ++c) {
    // sklearn infers the labels from the data: a class in neither vector is
    // not part of the average.
    if (predicted_count[c] == 0 && gold_count[c] == 0) continue;
    ++counted;
    // 2tp / (2tp + fp + fn), and 2tp + fp + fn = predicted + gold. The
    // denominator is positive for every counted class, and where tp is 0 the
    // result is 0, which is what zero_division's 0 gives through precision
    // and recall.
    f1_sum += 2.0 * static_cast<double>(true_positives[c]) / static_cast<double>(predicted_count[c] + gold_count[c]);
  }
  return f1_sum / static_cast<double>(counted);  // counted >= 1: the inputs are not empty
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair(x, y, "pearson", "x", "y");
  check_finite(x, "pearson", "x");
  check_finite(y, "pearson", "y");
  if (is_constant(x) || is_constant(y)) return 0.0;
  return correlation(x, y);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair(x, y, "spearman", "x", "y");
  check_finite(x, "spearman", "x");
  check_finite(y, "spearman", "y");
  if (is_constant(x) || is_constant(y)) return 0.0;
  return correlation(average_ranks(x), average_ranks(y));
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  // NaN breaks the strict weak ordering that std::sort relies on.
  for (size_t i = 0; i < values.size(); ++i)
    if (std::isnan(values[i])) fail("average_ranks", "values[" + std::to_string(i) + "] is NaN, which has no rank");
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });

  std::vector<double> ranks(values.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    // Sorted positions start..end-1 hold ranks start+1..end; a tie group
    // shares their mean, which is exact in double for any realistic size.
    const double rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (size_t i = start; i < end; ++i) ranks[order[i]] = rank;
    start = end;
  }
  return ranks;
}

std::map<std::string, double> compute_metrics(const std::vector<std::string>& names,
                                              const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold,
                                              int64_t num_labels) {
  std::map<std::string, double> values;
  for (const auto& name : names) {
    if (name == "accuracy")
      values[name] = accuracy(predicted, gold);
    else if (name == "macro_f1")
      values[name] = macro_f1(predicted, gold, num_labels);
    else
      throw std::invalid_argument("'" + name + "' is not a classification metric (known: accuracy, macro_f1)");
  }
  return values;
}

std::map<std::string, double> compute_metrics(const std::vector<std::string>& names,
                                              const std::vector<double>& predicted, const std::vector<double>& gold) {
  std::map<std::string, double> values;
  for (const auto& name : names) {
    if (name == "pearson")
      values[name] = pearson(predicted, gold);
    else if (name == "spearman")
      values[name] = spearman(predicted, gold);
    else
      throw std::invalid_argument("'" + name + "' is not a regression metric (known: pearson, spearman)");
  }
  return values;
}

std::optional<double> roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size()) fail("roc_auc", "scores and labels differ in length");
  const std::vector<double> ranks = average_ranks(scores);
  double positives = 0, rank_sum = 0;
  for (size_t i = 0; i < ranks.size(); ++i) {
    if (!positive[i]) continue;
    positives += 1;
    rank_sum += ranks[i];
  }
  const double negatives = static_cast<double>(ranks.size()) - positives;
  if (positives == 0 || negatives == 0) return std::nullopt;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

}  // namespace deberta
