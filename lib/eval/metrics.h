// Evaluation metrics of the model-card table, on plain vectors so that they
// need no libtorch. Every function returns a finite number or throws
// std::invalid_argument "<metric>: <problem>": on empty inputs, inputs of
// different lengths, non-finite scores or labels outside [0, num_labels).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace deberta {

// The fraction of positions where predicted equals gold.
double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold);

// The unweighted mean of per-class F1, as scikit-learn's
// f1_score(gold, predicted, average="macro") with labels inferred from the
// data and the default zero_division ("warn", which scores 0):
// - the mean runs over the classes that occur in gold or in predicted; a class
//   of [0, num_labels) that occurs in neither is left out, not scored 0;
// - a class with gold examples that is never predicted (precision 0/0) scores
//   0, and so does a class that is predicted but has no gold examples
//   (recall 0/0).
// num_labels only bounds the labels: any label outside [0, num_labels) throws.
double macro_f1(const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold, int64_t num_labels);

// Pearson's r, as scipy.stats.pearsonr's statistic. Returns 0.0 where either
// vector is constant (all values equal, including a single value), where
// scipy returns nan: the correlation is undefined there, and the table and
// the means over seeds must not show or propagate NaN. A model that predicts
// one score for everything thus scores 0, no correlation.
double pearson(const std::vector<double>& x, const std::vector<double>& y);

// Spearman's rho with average ranks for ties, as scipy.stats.spearmanr's
// statistic: Pearson's r of average_ranks(x) and average_ranks(y). Returns 0.0
// where either vector is constant, for the reasons given at pearson.
double spearman(const std::vector<double>& x, const std::vector<double>& y);

// 1-based ranks where tied values share the mean of the positions they span,
// as scipy.stats.rankdata(values, method="average").
std::vector<double> average_ranks(const std::vector<double>& values);

// The area under the ROC curve of `scores` for the `positive` labels, as the
// Mann-Whitney statistic over average_ranks (ties count half), which equals
// sklearn.metrics.roc_auc_score. Empty when either class is absent.
std::optional<double> roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive);

// The named metrics of a classification task ("accuracy", "macro_f1"), by name.
// Throws std::invalid_argument on any other name.
std::map<std::string, double> compute_metrics(const std::vector<std::string>& names,
                                              const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold,
                                              int64_t num_labels);

// The named metrics of a regression task ("pearson", "spearman"), by name.
// Throws std::invalid_argument on any other name.
std::map<std::string, double> compute_metrics(const std::vector<std::string>& names,
                                              const std::vector<double>& predicted, const std::vector<double>& gold);

}  // namespace deberta
