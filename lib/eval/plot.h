// A run's learning curves (metrics.jsonl) as a standalone SVG.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace deberta {

// The lines of a run's metrics.jsonl that the plot draws.
struct TrainPoint {
  double step = 0, loss = 0, lr = 0;
};
struct EvalPoint {
  double step = 0;
  double dev = 0;
  std::optional<double> test;  // eval lines of best-test runs carry test scores too
  bool selected = false;
};
struct LearningCurves {
  std::string metric;  // the dev metric drawn
  std::vector<TrainPoint> train;
  std::vector<EvalPoint> eval;
};

// Parses metrics.jsonl. `metric` is the dev metric to draw; empty picks
// spearman or accuracy, whichever the eval lines have. Throws
// std::runtime_error "PATH:LINE: ..." on a line that is neither a training line
// (step, loss, lr) nor an eval line (step, dev).
LearningCurves parse_learning_curves(const std::string& path, const std::string& text, const std::string& metric);

// Three stacked panels sharing the step axis: training loss, the dev metric
// and the learning rate. Each panel has one polyline per curve (class "loss",
// "dev", "test", "lr") with one point per metrics line.
std::string learning_curves_svg(const LearningCurves& curves, const std::string& title);

// Reads RUN_DIR/metrics.jsonl (and results.json, when there, for the title and
// the headline metric) and writes the SVG atomically to `output` (default
// RUN_DIR/learning-curves.svg). Returns the path written.
std::string plot_run(const std::string& run_dir, const std::string& output);

}  // namespace deberta
