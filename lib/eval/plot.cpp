#include "eval/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "eval/run_layout.h"
#include "util/atomic_file.h"
#include "util/json_file.h"

namespace deberta {
namespace fs = std::filesystem;

namespace {

constexpr double kWidth = 760, kLeft = 84, kRight = 28, kTop = 56, kPanelHeight = 170, kPanelGap = 70;

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double number_field(const std::string& where, const nlohmann::json& object, const std::string& field) {
  const auto& value = require_json_field(where, object, field);
  if (!value.is_number() || !std::isfinite(value.get<double>()))
    throw json_field_error(where, field, "is not a finite number");
  return value.get<double>();
}

struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
};

// About five ticks at 1, 2 or 5 times a power of ten, and the range widened to them.
Axis nice_axis(double lo, double hi) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / 5.0;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  Axis axis;
  axis.lo = std::floor(lo / step + 1e-9) * step;
  axis.hi = std::ceil(hi / step - 1e-9) * step;
  for (double t = axis.lo; t <= axis.hi + step * 1e-6; t += step)
    axis.ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  return axis;
}

std::string tick_label(double value, const Axis& axis) {
  const double step = axis.ticks.size() > 1 ? axis.ticks[1] - axis.ticks[0] : 1.0;
  const double largest = std::max(std::abs(axis.lo), std::abs(axis.hi));
  if (largest < 1e-2 || largest >= 1e6) return value == 0 ? "0" : fmt::format("{:.1e}", value);
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", value, decimals);
}

struct Series {
  std::string name;  // the polyline's class
  std::string color;
  std::string dash;
  std::vector<std::pair<double, double>> points;
};

std::string panel(double top, const std::string& title, const std::string& y_label, const Axis& x,
                  const std::vector<Series>& series, const std::optional<std::pair<double, double>>& marker) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (const auto& [px, py] : s.points) lo = std::min(lo, py), hi = std::max(hi, py);
  const bool empty = !(lo <= hi);
  const Axis y = empty ? nice_axis(0, 1) : nice_axis(lo, hi);
  const double left = kLeft, right = kWidth - kRight, bottom = top + kPanelHeight;
  const auto sx = [&](double v) { return left + (v - x.lo) / (x.hi - x.lo) * (right - left); };
  const auto sy = [&](double v) { return bottom - (v - y.lo) / (y.hi - y.lo) * kPanelHeight; };

  std::string out = fmt::format("<g class=\"panel\">\n<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"title\">{}</text>\n",
                                left, top - 12, xml_escape(title));
  out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" class=\"frame\"/>\n", left,
                     top, right - left, kPanelHeight);
  for (double t : y.ticks) {
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.2f}\" x2=\"{:.1f}\" y2=\"{:.2f}\" class=\"grid\"/>\n", left, sy(t),
                       right, sy(t));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.2f}\" class=\"ytick\">{}</text>\n", left - 6, sy(t) + 4,
                       tick_label(t, y));
  }
  for (double t : x.ticks) {
    out += fmt::format("<line x1=\"{:.2f}\" y1=\"{:.1f}\" x2=\"{:.2f}\" y2=\"{:.1f}\" class=\"tick\"/>\n", sx(t),
                       bottom, sx(t), bottom + 5);
    out += fmt::format("<text x=\"{:.2f}\" y=\"{:.1f}\" class=\"xtick\">{}</text>\n", sx(t), bottom + 18,
                       tick_label(t, x));
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\">step</text>\n", (left + right) / 2, bottom + 36);
  out +=
      fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\" transform=\"rotate(-90 {:.1f} {:.1f})\">{}</text>\n",
                  left - 68, top + kPanelHeight / 2, left - 68, top + kPanelHeight / 2, xml_escape(y_label));
  if (empty)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\">no data</text>\n", (left + right) / 2,
                       top + kPanelHeight / 2);
  double legend_x = right - 8;
  for (auto s = series.rbegin(); s != series.rend(); ++s) {
    if (s->points.empty()) continue;
    std::string points;
    for (const auto& [px, py] : s->points)
      points += fmt::format("{}{:.2f},{:.2f}", points.empty() ? "" : " ", sx(px), sy(py));
    out += fmt::format("<polyline class=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{} points=\"{}\"/>\n",
                       s->name, s->color, s->dash.empty() ? "" : " stroke-dasharray=\"" + s->dash + "\"", points);
    if (s->points.size() <= 60) {
      for (const auto& [px, py] : s->points)
        out += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"2.2\" fill=\"{}\"/>\n", sx(px), sy(py), s->color);
    }
    if (series.size() > 1) {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"legend\" fill=\"{}\">{}</text>\n", legend_x, top + 16,
                         s->color, s->name);
      legend_x -= 48;
    }
  }
  if (marker)
    out += fmt::format(
        "<circle class=\"best\" cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"5\" fill=\"none\" stroke=\"#d62728\" "
        "stroke-width=\"1.6\"><title>selected checkpoint: step {}</title></circle>\n",
        sx(marker->first), sy(marker->second), marker->first);
  return out + "</g>\n";
}

}  // namespace

LearningCurves parse_learning_curves(const std::string& path, const std::string& text, const std::string& metric) {
  LearningCurves curves;
  curves.metric = metric;
  size_t start = 0;
  for (size_t line_number = 1; start < text.size(); ++line_number) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const std::string where = fmt::format("{}:{}", path, line_number);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
      throw std::runtime_error(fmt::format("{}: not a JSON object ({})", where, e.what()));
    }
    if (!record.is_object()) throw std::runtime_error(where + ": not a JSON object");
    const double step = number_field(where, record, "step");
    if (record.contains("dev")) {
      const auto& dev = record.at("dev");
      if (!dev.is_object()) throw std::runtime_error(where + ": field 'dev' is not an object of metrics");
      if (curves.metric.empty()) {
        curves.metric = dev.contains("spearman") ? "spearman" : dev.contains("accuracy") ? "accuracy" : "";
        if (curves.metric.empty() && !dev.empty()) curves.metric = dev.begin().key();
      }
      EvalPoint point;
      point.step = step;
      point.dev = number_field(where, dev, curves.metric);
      if (record.contains("test")) point.test = number_field(where, record.at("test"), curves.metric);
      if (record.contains("selected") && !record.at("selected").is_boolean())
        throw std::runtime_error(where + ": field 'selected' is not true or false");
      point.selected = record.value("selected", false);
      curves.eval.push_back(point);
    } else if (record.contains("loss") || record.contains("lr")) {
      curves.train.push_back({step, number_field(where, record, "loss"), number_field(where, record, "lr")});
    } else {
      throw std::runtime_error(where + ": neither a training line (step, loss, lr) nor an eval line (step, dev)");
    }
  }
  if (curves.train.empty() && curves.eval.empty()) throw std::runtime_error(path + ": no lines to plot");
  return curves;
}

std::string learning_curves_svg(const LearningCurves& curves, const std::string& title) {
  double last_step = 0;
  for (const auto& p : curves.train) last_step = std::max(last_step, p.step);
  for (const auto& p : curves.eval) last_step = std::max(last_step, p.step);
  const Axis x = nice_axis(0, std::max(last_step, 1.0));

  Series loss{"loss", "#1f77b4", "", {}}, lr{"lr", "#2ca02c", "", {}};
  for (const auto& p : curves.train) {
    loss.points.emplace_back(p.step, p.loss);
    lr.points.emplace_back(p.step, p.lr);
  }
  Series dev{"dev", "#ff7f0e", "", {}}, test{"test", "#9467bd", "5 3", {}};
  std::optional<std::pair<double, double>> best;
  for (const auto& p : curves.eval) {
    dev.points.emplace_back(p.step, p.dev);
    if (p.test) test.points.emplace_back(p.step, *p.test);
    // The last "selected" line is the checkpoint the run kept; it is marked on dev.
    if (p.selected) best = {p.step, p.dev};
  }
  std::vector<Series> scores = {dev};
  if (!test.points.empty()) scores.push_back(test);

  const double height = kTop + 24 + 3 * kPanelHeight + 2 * kPanelGap + 56;
  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<style>.title{{font-size:14px;font-weight:bold}} .frame{{fill:none;stroke:#444}} .grid{{stroke:#ddd}} "
      ".tick{{stroke:#444}} .ytick{{text-anchor:end}} .xtick{{text-anchor:middle}} "
      ".axis{{text-anchor:middle;fill:#333}} "
      ".legend{{text-anchor:end}}</style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2:.1f}\" y=\"26\" font-size=\"16\" font-weight=\"bold\">{3}</text>\n",
      kWidth, height, kLeft, xml_escape(title));
  double top = kTop + 24;
  svg += panel(top, "Training loss", "loss", x, {loss}, std::nullopt);
  top += kPanelHeight + kPanelGap;
  svg +=
      panel(top, "Dev " + curves.metric + (test.points.empty() ? "" : " (and test)"), curves.metric, x, scores, best);
  top += kPanelHeight + kPanelGap;
  svg += panel(top, "Learning rate", "lr", x, {lr}, std::nullopt);
  return svg + "</svg>\n";
}

std::string plot_run(const std::string& run_dir, const std::string& output) {
  const std::string metrics_path = run_layout::path(run_dir, run_layout::kMetrics);
  if (!fs::is_directory(run_dir)) throw std::runtime_error(run_dir + ": no such run directory");
  std::string title = fs::path(run_dir).lexically_normal().filename().string();
  if (title.empty() || title == ".") title = fs::path(run_dir).lexically_normal().parent_path().filename().string();
  std::string metric;
  const fs::path results_path = run_layout::path(run_dir, run_layout::kResults);
  if (fs::exists(results_path)) {
    const nlohmann::json results = read_json_file(results_path.string());
    if (results.is_object()) {
      if (results.contains("headline_metric") && results.at("headline_metric").is_string())
        metric = results.at("headline_metric").get<std::string>();
      const auto text = [&results](const char* key) {
        return results.contains(key) && results.at(key).is_string() ? results.at(key).get<std::string>() : "";
      };
      std::string model = text("model_name").empty() ? text("model") : text("model_name");
      if (!text("task").empty())
        title = fmt::format("{}: {} on {}{}", title, model, text("task"),
                            results.contains("seed") ? fmt::format(", seed {}", results.at("seed").dump()) : "");
    }
  }
  const auto curves = parse_learning_curves(metrics_path, read_file(metrics_path), metric);
  const std::string path = output.empty() ? (fs::path(run_dir) / "learning-curves.svg").string() : output;
  write_file_atomically(path, learning_curves_svg(curves, title));
  return path;
}

}  // namespace deberta
