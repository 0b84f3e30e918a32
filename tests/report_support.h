// Fabricated run directories for the table, check and plot tests.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "data_support.h"

namespace deberta::test {

struct FakeRun {
  std::string task = "nsmc";
  std::string model_name = "tiny-default";
  std::string protocol = "standard";  // empty: the field is left out
  std::string selection_rule = "dev";
  int64_t seed = 42;
  double test = 0.70;  // the headline metric; the secondary one is 0.01 lower
  double dev = 0.68;
  int64_t backbone_parameters = 1234567;
  std::string hub_id, commit;  // a Hub model: results.json's model and model_commit
};

// Writes DIR/RELATIVE/results.json as finetune does (the fields the reports read).
inline std::string write_fake_run(const ScratchDir& dir, const std::string& relative, const FakeRun& run) {
  const bool regression = run.task == "korsts";
  const std::string headline = regression ? "spearman" : "accuracy";
  const std::string secondary = regression ? "pearson" : "macro_f1";
  nlohmann::ordered_json results = {{"task", run.task},
                                    {"model", "builtin:" + run.model_name + " (not pretrained)"},
                                    {"model_name", run.model_name},
                                    {"pretrained", false},
                                    {"backbone_parameters", run.backbone_parameters},
                                    {"seed", run.seed},
                                    {"selection_rule", run.selection_rule},
                                    {"headline_metric", headline},
                                    {"headline", run.test},
                                    {"dev", {{headline, run.dev}, {secondary, run.dev - 0.01}}},
                                    {"test", {{headline, run.test}, {secondary, run.test - 0.01}}},
                                    {"warnings", nlohmann::json::array()}};
  if (!run.protocol.empty()) results["protocol"] = run.protocol;
  if (!run.hub_id.empty()) {
    results["model"] = run.hub_id;
    results["model_id"] = run.hub_id;
    results["model_revision"] = "main";
    results["model_commit"] = run.commit;
  }
  return dir.write(relative + "/results.json", results.dump(2) + "\n");
}

}  // namespace deberta::test
