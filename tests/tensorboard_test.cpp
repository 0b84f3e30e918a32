// TensorBoard event files: the hand-written encoding (CRC32C, TFRecord
// framing, Event/Summary scalars), the run's event log and its resume, and
// finetune/pretrain runs read back by our decoder and, where the venv has
// it, by TensorBoard's own EventAccumulator.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "eval/run_events.h"
#include "io/tfevents.h"
#include "test_support.h"

namespace fs = std::filesystem;
using deberta::test::json_lines;
using deberta::test::kQuick;
using deberta::test::read_text;
using deberta::test::run_cli;
using deberta::test::run_shell;
using deberta::test::ScratchDir;

namespace {

// tag -> every (step, value) the run directory's event files hold, in file order.
using Scalars = std::map<std::string, std::vector<std::pair<int64_t, float>>>;

Scalars scalars_of(const std::string& run_dir) {
  Scalars scalars;
  for (const auto& file : deberta::event_files(run_dir))
    for (const auto& event : deberta::decode_event_file(read_text(file), file))
      for (const auto& value : event.values) scalars[value.tag].push_back({event.step, value.value});
  return scalars;
}

// "" or the first tag that holds a step twice.
std::string duplicated_step(const Scalars& scalars) {
  for (const auto& [tag, points] : scalars) {
    std::set<int64_t> seen;
    for (const auto& point : points)
      if (!seen.insert(point.first).second) return tag + " at step " + std::to_string(point.first);
  }
  return "";
}

// "" or the first scalar of metrics.jsonl missing from the events (at its
// step, equal as float32).
std::string missing_scalar(const std::string& run_dir, const Scalars& scalars) {
  for (const auto& line : json_lines(read_text(run_dir + "/metrics.jsonl"))) {
    const int64_t step = line.at("step").get<int64_t>();
    for (const auto& expected : deberta::metrics_line_scalars(line)) {
      const auto found = scalars.find(expected.tag);
      const bool present =
          found != scalars.end() && std::any_of(found->second.begin(), found->second.end(), [&](const auto& point) {
            return point.first == step && point.second == expected.value;
          });
      if (!present) return expected.tag + " = " + std::to_string(expected.value) + " at step " + std::to_string(step);
    }
  }
  return "";
}

std::set<int64_t> steps_of(const Scalars& scalars, const std::string& tag) {
  std::set<int64_t> steps;
  if (scalars.count(tag))
    for (const auto& point : scalars.at(tag)) steps.insert(point.first);
  return steps;
}

// A finetune run with a line at every step and an evaluation every 4 steps.
std::string logged_finetune(const fs::path& run) {
  return "--threads 1 finetune --task nsmc --output-dir '" + run.string() + "'" + kQuick +
         " --set training.logging_steps=1 --set evaluation.every_steps=4";
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("crc32c gives the known check values") {
  CHECK(deberta::crc32c("123456789") == 0xE3069283u);
  CHECK(deberta::crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(deberta::crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  CHECK(deberta::crc32c(ascending) == 0x46DD794Eu);
  CHECK(deberta::crc32c("") == 0u);
}

TEST_CASE("a scalar event is one TFRecord that decodes back to its step, tags and float32 values") {
  const std::string event = deberta::scalar_event(1700000000.25, 300000, {{"train/loss", 0.693f}, {"eval/f1", -2.5f}});
  const std::string record = deberta::tfrecord(event);
  INFO("expected a record of 8 length bytes, their masked CRC, the data and its masked CRC");
  REQUIRE(record.size() == 12 + event.size() + 4);
  CHECK(record.substr(12, event.size()) == event);
  CHECK(deberta::intact_records_size(record) == record.size());

  const auto decoded = deberta::decode_event_file(deberta::tfrecord(deberta::file_version_event(1.5)) + record, "x");
  REQUIRE(decoded.size() == 2);
  CHECK(decoded[0].file_version == "brain.Event:2");
  CHECK(decoded[1].wall_time == 1700000000.25);
  CHECK(decoded[1].step == 300000);
  REQUIRE(decoded[1].values.size() == 2);
  CHECK(decoded[1].values[0].tag == "train/loss");
  CHECK(decoded[1].values[0].value == 0.693f);
  CHECK(decoded[1].values[1].tag == "eval/f1");
  CHECK(decoded[1].values[1].value == -2.5f);
}

TEST_CASE("an event file cut mid-record or with a flipped byte keeps only its whole intact records") {
  const std::string first = deberta::tfrecord(deberta::file_version_event(1.0));
  const std::string second = deberta::tfrecord(deberta::scalar_event(2.0, 1, {{"train/loss", 1.0f}}));
  const std::string file = first + second;
  INFO("expected the intact prefix to end after the first record");
  for (size_t cut = first.size(); cut < file.size(); ++cut)
    CHECK(deberta::intact_records_size(std::string_view(file).substr(0, cut)) == first.size());
  for (size_t at = first.size(); at < file.size(); ++at) {
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x40);
    CHECK(deberta::intact_records_size(damaged) == first.size());
  }
  CHECK(deberta::intact_records_size("") == 0);
}

TEST_CASE("decoding a damaged event file is an error naming the file and the byte offset") {
  const std::string first = deberta::tfrecord(deberta::file_version_event(1.0));
  const std::string file = first + deberta::tfrecord(deberta::scalar_event(2.0, 1, {{"a", 1.0f}}));
  INFO("expected the file's name and the damaged record's offset in one line");
  CHECK_THROWS_WITH(
      deberta::decode_event_file(file.substr(0, file.size() - 1), "run/events.out.tfevents.1"),
      Catch::Contains("run/events.out.tfevents.1") && Catch::Contains("at byte " + std::to_string(first.size())));
  // A record whose checksums match around a malformed message.
  CHECK_THROWS_WITH(deberta::decode_event_file(deberta::tfrecord("\x0A\xFF"), "bad"),
                    Catch::Contains("bad: not a TensorBoard event file"));
}

TEST_CASE("metrics lines take Trainer's tags: train/loss, train/learning_rate, train/grad_norm and eval/<metric>") {
  const auto train = deberta::metrics_line_scalars(nlohmann::json::parse(
      R"({"step":5,"epoch":0,"loss":0.5,"lr":1e-3,"grad_norm":2.0,"loss_scale":1024,"skipped":true})"));
  std::map<std::string, float> tags;
  for (const auto& scalar : train) tags[scalar.tag] = scalar.value;
  CHECK(tags == std::map<std::string, float>{{"train/epoch", 0.0f},
                                             {"train/loss", 0.5f},
                                             {"train/learning_rate", 1e-3f},
                                             {"train/grad_norm", 2.0f},
                                             {"train/loss_scale", 1024.0f}});
  tags.clear();
  for (
      const auto& scalar : deberta::metrics_line_scalars(nlohmann::json::parse(
          R"({"step":8,"epoch":1,"dev":{"accuracy":0.75,"rtd_auc":null},"test":{"accuracy":0.5},"selected":true,"collapsed_to":"1"})")))
    tags[scalar.tag] = scalar.value;
  CHECK(tags == std::map<std::string, float>{{"eval/epoch", 1.0f}, {"eval/accuracy", 0.75f}, {"test/accuracy", 0.5f}});
}

TEST_CASE("a resumed event log is cut back to the saved size so that no step is written twice") {
  const ScratchDir scratch;
  uintmax_t saved = 0;
  {
    deberta::RunEvents events;
    events.start(scratch.path());
    for (int step = 1; step <= 5; ++step) {
      events.log({{"step", step}, {"loss", 1.0 / step}});
      if (step == 3) saved = events.bytes();
    }
  }
  deberta::RunEvents events;
  CHECK_FALSE(events.resume(scratch.path(), saved).has_value());
  for (int step = 4; step <= 6; ++step) events.log({{"step", step}, {"loss", 1.0 / step}});
  const Scalars scalars = scalars_of(scratch.path());
  INFO("expected one event file holding steps 1 to 6 once each");
  CHECK(deberta::event_files(scratch.path()).size() == 1);
  CHECK(duplicated_step(scalars).empty());
  CHECK(steps_of(scalars, "train/loss") == std::set<int64_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("a damaged event file does not stop a resume: it is cut back to its last intact record") {
  const ScratchDir scratch;
  uintmax_t saved = 0;
  std::string path;
  {
    deberta::RunEvents events;
    events.start(scratch.path());
    for (int step = 1; step <= 3; ++step) events.log({{"step", step}, {"loss", 1.0}});
    saved = events.bytes();
    path = events.path();
  }
  // The last record before the saved size loses its tail, as a disk might.
  write_bytes(path, read_text(path).substr(0, saved - 3));
  deberta::RunEvents events;
  const auto warning = events.resume(scratch.path(), saved);
  INFO("expected a warning naming the file, and steps 1, 2 then 4 readable");
  REQUIRE(warning.has_value());
  CHECK(warning->find(path) != std::string::npos);
  events.log({{"step", 4}, {"loss", 1.0}});
  const Scalars scalars = scalars_of(scratch.path());
  CHECK(steps_of(scalars, "train/loss") == std::set<int64_t>{1, 2, 4});

  // Damage in the first record: the file starts again with its version record.
  write_bytes(path, "garbage");
  deberta::RunEvents again;
  CHECK(again.resume(scratch.path(), saved).has_value());
  const auto decoded = deberta::decode_event_file(read_text(path), path);
  REQUIRE(decoded.size() == 1);
  CHECK(decoded[0].file_version == "brain.Event:2");
}

TEST_CASE("a resume whose event file is gone starts a new one and says so") {
  const ScratchDir scratch;
  deberta::RunEvents events;
  const auto warning = events.resume(scratch.path(), 1000);
  REQUIRE(warning.has_value());
  CHECK(warning->find("no event file") != std::string::npos);
  CHECK(deberta::event_files(scratch.path()).size() == 1);
  CHECK(deberta::is_event_file_name(fs::path(events.path()).filename().string()));
}

TEST_CASE("starting a run removes the event files of an earlier start of it") {
  const ScratchDir scratch;
  scratch.write("events.out.tfevents.1.host.1", "stale");
  scratch.write("notes.txt", "kept");
  deberta::RunEvents events;
  events.start(scratch.path());
  const auto files = deberta::event_files(scratch.path());
  REQUIRE(files.size() == 1);
  CHECK(files[0] == events.path());
  CHECK(fs::exists(scratch.file("notes.txt")));
  INFO("expected the name events.out.tfevents.<10-digit seconds>.<host>.<pid>");
  CHECK(fs::path(files[0]).filename().string().rfind("events.out.tfevents.", 0) == 0);
}

TEST_CASE("finetune writes events holding every scalar of metrics.jsonl once, across a resume, and its curves",
          "[cli]") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("run");
  auto result = run_cli(logged_finetune(run) + " --stop-after-steps 6");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  result = run_cli("--threads 1 finetune --resume '" + run.string() + "'");
  REQUIRE(result.exit_code == 0);
  const Scalars scalars = scalars_of(run.string());
  INFO("expected one event file, each tag's steps once, and every metrics.jsonl scalar at its step as float32");
  CHECK(deberta::event_files(run.string()).size() == 1);
  CHECK(duplicated_step(scalars) == "");
  CHECK(missing_scalar(run.string(), scalars) == "");
  CHECK(steps_of(scalars, "train/loss").size() == 12);
  CHECK(steps_of(scalars, "train/examples_per_second") == steps_of(scalars, "train/loss"));
  CHECK(steps_of(scalars, "eval/accuracy") == std::set<int64_t>{4, 8, 12});
  CHECK(fs::exists(run / "learning-curves.svg"));
}

TEST_CASE("a finetune run whose event file was damaged before the saved step resumes and writes each step once",
          "[cli]") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("run");
  auto result = run_cli(logged_finetune(run) + " --stop-after-steps 6");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto files = deberta::event_files(run.string());
  REQUIRE(files.size() == 1);
  const std::string bytes = read_text(files[0]);
  write_bytes(files[0], bytes.substr(0, bytes.size() - 5));  // step 6's line, cut mid-record
  result = run_cli("--threads 1 finetune --resume '" + run.string() + "'");
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("warning: " + files[0] + ": damaged") != std::string::npos);
  const Scalars scalars = scalars_of(run.string());
  CHECK(duplicated_step(scalars) == "");
  CHECK(steps_of(scalars, "train/loss") == std::set<int64_t>{1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12});
}

TEST_CASE("logging.tensorboard=false writes no event file", "[cli]") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("run");
  const auto result = run_cli("--threads 1 finetune --task nsmc --output-dir '" + run.string() + "'" + kQuick +
                              " --set training.max_steps=2 --set logging.tensorboard=false");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(deberta::event_files(run.string()).empty());
  CHECK(fs::exists(run / "results.json"));
}

#ifdef DEBERTA_BENCH_TENSORBOARD_PYTHON
TEST_CASE("TensorBoard's EventAccumulator reads every scalar of metrics.jsonl of resumed finetune and pretrain runs",
          "[.tensorboard][cli]") {
  const ScratchDir scratch;
  const fs::path tuned = scratch.file("finetune"), pretrained = scratch.file("pretrain");
  auto result = run_cli(logged_finetune(tuned) + " --stop-after-steps 6");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  REQUIRE(run_cli("--threads 1 finetune --resume '" + tuned.string() + "'").exit_code == 0);

  // The NSMC sample's first training texts are the corpus.
  const std::string corpus = scratch.file("corpus.txt");
  REQUIRE(run_shell("cut -f2 '" + std::string(DEBERTA_BENCH_TEST_DATA) +
                    "/../../data/samples/nsmc/ratings_train.txt' | tail -n +2 | head -n 2000 > '" + corpus + "'")
              .exit_code == 0);
  const std::string pretrain = "--threads 1 pretrain --corpus '" + corpus + "' --output-dir '" + pretrained.string() +
                               "' --set training.max_steps=10 --set training.batch_size=8"
                               " --set training.max_seq_len=64 --set training.logging_steps=1"
                               " --set evaluation.every_steps=4 --set pretrain.eval_sequences=16";
  result = run_cli(pretrain + " --stop-after-steps 5");
  REQUIRE(result.exit_code == 0);
  result = run_cli("--threads 1 pretrain --resume '" + pretrained.string() + "'");
  REQUIRE(result.exit_code == 0);

  result = run_shell("'" DEBERTA_BENCH_TENSORBOARD_PYTHON "' '" + std::string(DEBERTA_BENCH_TEST_DATA) +
                     "/../tensorboard_check.py' '" + tuned.string() + "' '" + pretrained.string() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("ok: " + tuned.string()) != std::string::npos);
  CHECK(result.output.find("ok: " + pretrained.string()) != std::string::npos);
}
#endif
