// scripts/check-layers.sh: includes go down the layers, never up or sideways.
#include <catch2/catch.hpp>
#include <string>

#include "test_support.h"

using deberta::test::run_shell;
using deberta::test::ScratchDir;

namespace {

std::string check_layers(const std::string& root = "") {
  return "bash '" + deberta::test::data_path("../../scripts/check-layers.sh") + "'" +
         (root.empty() ? "" : " '" + root + "'");
}

}  // namespace

TEST_CASE("the source tree's includes all go down the layers") {
  const auto result = run_shell(check_layers());
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("every include goes down the layers") != std::string::npos);
}

TEST_CASE("a planted upward include fails the layer check naming the file, the line and both folders") {
  const ScratchDir tree;
  tree.write("lib/util/text.h", "#pragma once\n#include <string>\n#include \"train/step.h\"\n");
  tree.write("lib/train/step.h", "#pragma once\n#include \"util/text.h\"\n");
  tree.write("apps/tool/main.cpp", "#include \"train/step.h\"\n");
  const auto result = run_shell(check_layers(tree.path()));
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("lib/util/text.h:3: includes \"train/step.h\": util (layer 0)") != std::string::npos);
  INFO("the downward includes (train -> util, apps -> train) are expected to pass");
  CHECK(result.output.find("lib/train/step.h") == std::string::npos);
  CHECK(result.output.find("apps/tool/main.cpp") == std::string::npos);
}

TEST_CASE("an include between two folders of the same layer fails the layer check") {
  const ScratchDir tree;
  tree.write("lib/model/heads.h", "#include \"eval/metrics.h\"\n");
  tree.write("lib/eval/metrics.h", "#pragma once\n");
  const auto result = run_shell(check_layers(tree.path()));
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("lib/model/heads.h:1: includes \"eval/metrics.h\"") != std::string::npos);
}
