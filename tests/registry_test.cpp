#include <catch2/catch.hpp>
#include <stdexcept>

#include "tasks/registry.h"

namespace {
deberta::TaskSpec sample_task(const std::string& name) {
  deberta::TaskSpec spec;
  spec.name = name;
  spec.description = "a sample";
  spec.data_subdir = "sample/";
  spec.splits = {{"train", "train.tsv"}, {"test", "test.tsv"}};
  spec.labels = {"negative", "positive"};
  spec.metrics = {"accuracy"};
  spec.headline_metric = "accuracy";
  return spec;
}
}  // namespace

TEST_CASE("a registered task is found by name") {
  deberta::TaskRegistry registry;
  registry.add(sample_task("sample"));
  REQUIRE(registry.find("sample") != nullptr);
  CHECK(registry.find("sample")->labels.size() == 2);
  CHECK(registry.find("other") == nullptr);
}

TEST_CASE("registering a task name twice is an error") {
  deberta::TaskRegistry registry;
  registry.add(sample_task("sample"));
  CHECK_THROWS_AS(registry.add(sample_task("sample")), std::invalid_argument);
}

TEST_CASE("the task listing shows head, labels, headline metric and files") {
  deberta::TaskRegistry registry;
  registry.add(sample_task("sample"));
  const std::string listing = deberta::describe_tasks(registry);
  CHECK(listing.find("sample: a sample") != std::string::npos);
  CHECK(listing.find("classification, 2 labels: negative, positive") != std::string::npos);
  CHECK(listing.find("headline: accuracy") != std::string::npos);
  CHECK(listing.find("sample/train.tsv") != std::string::npos);
}
