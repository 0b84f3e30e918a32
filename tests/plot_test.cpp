// Learning curves as SVG (deberta-bench plot).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "report_support.h"

using deberta::test::FakeRun;
using deberta::test::read_text;
using deberta::test::run_cli;
using deberta::test::ScratchDir;

namespace {

// Checks what a browser's XML parser needs: every tag closed in order, quoted
// attributes, entities for & and <, and one root element. Returns "" or the problem.
std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  size_t roots = 0;
  size_t i = 0;
  const auto check_text = [](const std::string& text) -> std::string {
    for (size_t k = 0; k < text.size(); ++k) {
      if (text[k] == '<') return "a raw '<' in text";
      if (text[k] != '&') continue;
      const auto end = text.find(';', k);
      const std::string entity = end == std::string::npos ? "" : text.substr(k + 1, end - k - 1);
      if (entity != "amp" && entity != "lt" && entity != "gt" && entity != "quot" && entity != "apos")
        return "a bare '&' at '" + text.substr(k, 12) + "'";
    }
    return "";
  };
  if (xml.rfind("<?xml ", 0) == 0) i = xml.find("?>") + 2;
  while (i < xml.size()) {
    const size_t lt = xml.find('<', i);
    if (const auto problem = check_text(xml.substr(i, lt == std::string::npos ? std::string::npos : lt - i));
        !problem.empty())
      return problem;
    if (lt == std::string::npos) break;
    if (xml.compare(lt, 2, "</") == 0) {
      const size_t gt = xml.find('>', lt);
      if (gt == std::string::npos) return "an unterminated closing tag";
      const std::string name = xml.substr(lt + 2, gt - lt - 2);
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
      i = gt + 1;
      continue;
    }
    size_t k = lt + 1;
    while (k < xml.size() && (std::isalnum(static_cast<unsigned char>(xml[k])) || xml[k] == '-' || xml[k] == ':')) ++k;
    const std::string name = xml.substr(lt + 1, k - lt - 1);
    if (name.empty()) return "a tag without a name";
    // Attributes: name="value", value free of '<' and of a bare '&'.
    while (true) {
      while (k < xml.size() && std::isspace(static_cast<unsigned char>(xml[k]))) ++k;
      if (k >= xml.size()) return "an unterminated <" + name + ">";
      if (xml[k] == '>' || xml.compare(k, 2, "/>") == 0) break;
      const size_t equals = xml.find('=', k);
      if (equals == std::string::npos || xml[equals + 1] != '"') return "an unquoted attribute in <" + name + ">";
      const size_t close = xml.find('"', equals + 2);
      if (close == std::string::npos) return "an unterminated attribute in <" + name + ">";
      if (const auto problem = check_text(xml.substr(equals + 2, close - equals - 2)); !problem.empty()) return problem;
      k = close + 1;
    }
    if (open.empty()) ++roots;
    if (xml[k] == '>') {
      open.push_back(name);
      i = k + 1;
    } else {
      i = k + 2;
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (roots != 1) return "expected one root element, found " + std::to_string(roots);
  return "";
}

// The number of points of the polyline with this class.
size_t polyline_points(const std::string& svg, const std::string& name) {
  const auto at = svg.find("<polyline class=\"" + name + "\"");
  if (at == std::string::npos) return 0;
  const auto start = svg.find("points=\"", at) + 8;
  const std::string points = svg.substr(start, svg.find('"', start) - start);
  return points.empty() ? 0 : static_cast<size_t>(std::count(points.begin(), points.end(), ' ')) + 1;
}

// A run directory with `train` training lines and an eval line after every third.
std::string write_metrics(const ScratchDir& dir, int train, bool with_test) {
  std::string lines;
  for (int step = 1; step <= train; ++step) {
    lines += "{\"step\":" + std::to_string(step) + ",\"epoch\":0,\"loss\":" + std::to_string(5.0 / step) +
             ",\"lr\":" + std::to_string(1e-4 * (train - step) / train) + ",\"grad_norm\":1.5}\n";
    if (step % 3 == 0) {
      const std::string scores = "{\"accuracy\":" + std::to_string(0.5 + 0.01 * step) + ",\"macro_f1\":0.4}";
      lines += "{\"step\":" + std::to_string(step) + ",\"epoch\":0,\"dev\":" + scores +
               (with_test ? ",\"test\":" + scores : "") + ",\"selected\":true}\n";
    }
  }
  deberta::test::write_fake_run(dir, "run", FakeRun{});
  dir.write("run/metrics.jsonl", lines);
  return dir.file("run");
}

}  // namespace

TEST_CASE("plot writes a well-formed SVG into the run directory", "[cli]") {
  ScratchDir dir;
  const auto run = write_metrics(dir, 10, false);
  const auto result = run_cli("plot '" + run + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string svg = read_text(run + "/learning-curves.svg");
  INFO(svg.substr(0, 400));
  CHECK(xml_problem(svg).empty());
  CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  for (const char* title : {"Training loss", "Dev accuracy", "Learning rate"}) {
    INFO("expected a panel titled " << title);
    CHECK(svg.find(std::string(">") + title) != std::string::npos);
  }
}

TEST_CASE("the well-formedness check of the plot test rejects broken XML") {
  CHECK(xml_problem("<svg><g></svg>") != "");
  CHECK(xml_problem("<svg><text>a & b</text></svg>") != "");
  CHECK(xml_problem("<svg a=b/>") != "");
  CHECK(xml_problem("<svg><g/><text x=\"1\">&lt;ok&gt;</text></svg>") == "");
}

TEST_CASE("plot draws one point per metrics line", "[cli]") {
  ScratchDir dir;
  const auto run = write_metrics(dir, 10, false);
  const auto result = run_cli("plot '" + run + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string svg = read_text(run + "/learning-curves.svg");
  CHECK(polyline_points(svg, "loss") == 10);
  CHECK(polyline_points(svg, "lr") == 10);
  CHECK(polyline_points(svg, "dev") == 3);
  CHECK(polyline_points(svg, "test") == 0);
}

TEST_CASE("plot draws the test scores of eval lines that carry them as a second curve", "[cli]") {
  ScratchDir dir;
  const auto run = write_metrics(dir, 9, true);
  const auto output = dir.file("curves.svg");
  const auto result = run_cli("plot '" + run + "' --output '" + output + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string svg = read_text(output);
  CHECK(xml_problem(svg).empty());
  CHECK(polyline_points(svg, "dev") == 3);
  CHECK(polyline_points(svg, "test") == 3);
}

TEST_CASE("a bad metrics line is an error naming the file and line", "[cli]") {
  ScratchDir dir;
  dir.write("run/metrics.jsonl",
            "{\"step\":1,\"loss\":2.0,\"lr\":0.001}\n{\"step\":2,\"loss\":2.0,\"lr\":0.001}\n{\"step\":3,\n");
  const auto result = run_cli("plot '" + dir.file("run") + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find(dir.file("run") + "/metrics.jsonl:3: not a JSON object") != std::string::npos);
}

TEST_CASE("a metrics line that is neither a training nor an eval line is an error naming the line", "[cli]") {
  ScratchDir dir;
  dir.write("run/metrics.jsonl", "{\"step\":1,\"loss\":2.0,\"lr\":0.001}\n{\"step\":2}\n");
  const auto result = run_cli("plot '" + dir.file("run") + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("metrics.jsonl:2: neither a training line") != std::string::npos);
}
