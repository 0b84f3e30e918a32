// Data parallelism on c10d's Gloo over 127.0.0.1, and runs that survive
// faults: a lost rank, kill -9 and a failing disk. Every multi-process test
// bounds each process with `timeout`.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>

#include "test_support.h"
#include "tolerances.h"

namespace fs = std::filesystem;
using deberta::test::data_parallel_command;
using deberta::test::json_lines;
using deberta::test::read_json;
using deberta::test::read_text;
using deberta::test::run_cli;
using deberta::test::run_shell;
using deberta::test::ScratchDir;
using deberta::test::without_timings;

namespace {

// 20 steps of NSMC with every dropout off: the runs differ only in how the
// global batch of 16 is computed.
const std::string kNoDropout =
    " finetune --task nsmc --seed 5 --set training.max_steps=20 --set training.logging_steps=1"
    " --set evaluation.every_steps=10 --set training.max_train_examples=320 --set optimizer.lr=1e-3"
    " --set training.eval_batch_size=64 --set model.hidden_dropout_prob=0 --set model.attention_probs_dropout_prob=0"
    " --set model.cls_dropout=0";

std::vector<nlohmann::json> metrics(const fs::path& run) {
  return json_lines(read_text((run / "metrics.jsonl").string()));
}

// Polls until `path` has at least `lines` lines, or `seconds` pass.
bool wait_for_lines(const fs::path& path, size_t lines, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = fs::exists(path) ? read_text(path.string()) : "";
    if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

TEST_CASE("two processes with batch 8 train as one process with batch 16 does, to round-off", "[numeric][cli]") {
  const ScratchDir scratch;
  const fs::path one = scratch.file("one"), two = scratch.file("two");
  auto result =
      run_cli("--threads 1" + kNoDropout + " --set training.batch_size=16 --output-dir '" + one.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  result = run_shell(data_parallel_command(
      2, "--threads 1" + kNoDropout + " --set training.batch_size=8 --output-dir '" + two.string() + "'"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("data parallel: 2 processes (gloo), batch 8 per process, global batch 16") !=
        std::string::npos);

  const auto a = metrics(one), b = metrics(two);
  REQUIRE(a.size() == b.size());
  int losses = 0, evaluations = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("line " << i << ": 1 process " << a[i].dump() << "\n2 processes " << b[i].dump());
    CHECK(a[i].at("step") == b[i].at("step"));
    if (a[i].contains("loss")) {
      ++losses;
      CHECK(b[i].at("loss").get<double>() ==
            Approx(a[i].at("loss").get<double>()).epsilon(deberta::test::kDataParallelLossRelative));
    } else {
      ++evaluations;
      CHECK(b[i].at("dev") == a[i].at("dev"));
    }
  }
  CHECK(losses == 20);
  CHECK(evaluations == 2);
  const auto results = read_json((two / "results.json").string());
  CHECK(results.at("world_size") == 2);
  CHECK(results.at("batch_size_per_process") == 8);
  CHECK(results.at("global_batch_size") == 16);
  CHECK(results.at("dev") == read_json((one / "results.json").string()).at("dev"));
  INFO("rank 1 is expected to write nothing: only rank 0's files, once");
  CHECK(std::count(result.output.begin(), result.output.end(), '\n') < 60);
}

TEST_CASE("a two-process run stopped after an evaluation and resumed by two processes ends as an uninterrupted one",
          "[numeric][cli]") {
  // Dropout on: each rank draws its masks from (seed, rank, step), so the
  // resumed steps draw the same ones.
  const ScratchDir scratch;
  const std::string flags =
      " --threads 1 finetune --task question_pair --seed 3 --set training.max_steps=16 --set training.batch_size=8"
      " --set evaluation.every_steps=4 --set training.max_train_examples=256 --set optimizer.lr=1e-3"
      " --set training.eval_batch_size=128 --set training.logging_steps=1";
  const fs::path whole = scratch.file("whole"), split = scratch.file("split");
  auto result = run_shell(data_parallel_command(2, flags + " --output-dir '" + whole.string() + "'"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  result = run_shell(data_parallel_command(2, flags + " --stop-after-steps 8 --output-dir '" + split.string() + "'"));
  REQUIRE(result.exit_code == 0);
  REQUIRE_FALSE(fs::exists(split / "results.json"));
  result = run_shell(data_parallel_command(2, "--threads 1 finetune --resume '" + split.string() + "'"));
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("resuming") != std::string::npos);
  for (const char* file : {"checkpoint-best/model.safetensors", "metrics.jsonl", "predictions-test.tsv"}) {
    INFO("expected " << file << " to be byte for byte the same");
    CHECK(read_text((whole / file).string()) == read_text((split / file).string()));
  }
  CHECK(without_timings(read_json((whole / "results.json").string())) ==
        without_timings(read_json((split / "results.json").string())));

  // Another number of processes cannot continue it.
  result = run_shell(data_parallel_command(2, flags + " --stop-after-steps 8 --output-dir '" + whole.string() + "2'"));
  REQUIRE(result.exit_code == 0);
  result = run_cli("--threads 1 finetune --resume '" + whole.string() + "2'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("saved by 2 process(es); resume it with 2") != std::string::npos);
}

TEST_CASE("killing rank 1 mid-run makes rank 0 exit non-zero within the timeout, naming rank 1", "[cli]") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("lost");
  const int port = deberta::test::free_port();
  const std::string common =
      "WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) +
      " DEBERTA_BENCH_CACHE=off timeout 300 '" + DEBERTA_BENCH_EXE +
      "' --threads 1 finetune --task nsmc --set training.max_steps=100000"
      " --set training.logging_steps=1 --set distributed.timeout_s=30 --output-dir '" +
      run.string() + "'";
  // Rank 0 in the background; rank 1, in a session of its own so that
  // kill -9 reaches it and not only `timeout`, is killed once training has
  // started.
  const std::string command =
      "RANK=0 LOCAL_RANK=0 " + common + " > '" + scratch.file("rank0.log") +
      "' 2>&1 & r0=$!; RANK=1 LOCAL_RANK=1 setsid env " + common + " > /dev/null 2>&1 & r1=$!; " +
      "for i in $(seq 600); do grep -q '\"loss\"' '" + (run / "metrics.jsonl").string() +
      "' 2>/dev/null && break; sleep 0.1; done; kill -9 -$r1; start=$(date +%s); " + "wait $r0; " +
      "status=$?; echo \"rank0 status $status after $(( $(date +%s) - start ))s\"";
  const auto result = run_shell(command);
  const std::string log = read_text(scratch.file("rank0.log"));
  INFO(result.output << "\n" << log);
  CHECK(result.output.find("rank0 status 1 after") != std::string::npos);
  const auto after = result.output.find(" after ");
  REQUIRE(after != std::string::npos);
  CHECK(std::stoi(result.output.substr(after + 7)) <= 30);
  CHECK(log.find("rank 1 of 2 stopped") != std::string::npos);
  INFO("expected one error line, not a trace");
  CHECK(log.find("deberta-bench: error: distributed: rank 1 of 2 stopped") != std::string::npos);
}

TEST_CASE("a run killed with kill -9 at any step resumes to the same weights and results, at three points",
          "[numeric][cli]") {
  const ScratchDir scratch;
  const std::string flags =
      " --threads 1 finetune --task question_pair --seed 11 --set training.max_steps=24 --set training.batch_size=16"
      " --set evaluation.every_steps=6 --set training.max_train_examples=320 --set optimizer.lr=1e-3"
      " --set training.eval_batch_size=128 --set training.logging_steps=1";
  const fs::path whole = scratch.file("whole");
  REQUIRE(run_cli(flags + " --output-dir '" + whole.string() + "'").exit_code == 0);
  // Killed before the first evaluation, between evaluations, and late.
  for (const size_t lines : {3, 11, 22}) {
    const fs::path run = scratch.file("killed-at-" + std::to_string(lines));
    // A session of its own, so that kill -9 reaches the run and not only `timeout`.
    const auto started = run_shell("DEBERTA_BENCH_CACHE=off setsid timeout 300 '" + std::string(DEBERTA_BENCH_EXE) +
                                   "'" + flags + " --output-dir '" + run.string() + "' > /dev/null 2>&1 & echo $!");
    const std::string pid = started.output.substr(0, started.output.find('\n'));
    const bool reached = wait_for_lines(run / "metrics.jsonl", lines, 120);
    run_shell("kill -9 -" + pid + "; sleep 0.2");
    INFO("killed after " << lines << " lines of metrics.jsonl (reached: " << reached << ")");
    const auto resumed = run_cli("--threads 1 finetune --resume '" + run.string() + "'");
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    for (const char* file : {"checkpoint-best/model.safetensors", "metrics.jsonl", "predictions-test.tsv"}) {
      INFO("expected " << file << " to be byte for byte that of the uninterrupted run");
      CHECK(read_text((whole / file).string()) == read_text((run / file).string()));
    }
    CHECK(without_timings(read_json((whole / "results.json").string())) ==
          without_timings(read_json((run / "results.json").string())));
    CHECK_FALSE(fs::exists(run / "checkpoint-last"));
  }
}

TEST_CASE("a checkpoint write that fails for want of space is a clear error and the previous state stays", "[cli]") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("full");
  const std::string flags =
      " --threads 1 finetune --task question_pair --set training.max_steps=12 --set training.batch_size=16"
      " --set evaluation.every_steps=4 --set training.max_train_examples=192 --set training.eval_batch_size=256";
  REQUIRE(run_cli(flags + " --stop-after-steps 4 --output-dir '" + run.string() + "'").exit_code == 0);
  const std::string saved = read_text((run / "checkpoint-last" / "trainer_state.json").string());
  // A file-size limit below the weights file makes every checkpoint write
  // fail as a full disk would (EFBIG instead of ENOSPC).
  const auto full =
      run_shell("ulimit -f 1024; trap '' XFSZ; DEBERTA_BENCH_CACHE=off '" + std::string(DEBERTA_BENCH_EXE) +
                "' --threads 1 finetune --resume '" + run.string() + "'");
  INFO(full.output);
  CHECK(full.exit_code == 1);
  CHECK(full.output.find("cannot write the file (File too large)") != std::string::npos);
  CHECK(std::count(full.output.begin(), full.output.end(), '\n') < 20);
  INFO("expected the step-4 state to be intact and nothing half-written beside it");
  CHECK(read_text((run / "checkpoint-last" / "trainer_state.json").string()) == saved);
  for (const auto& entry : fs::directory_iterator(run))
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
  const auto resumed = run_cli("--threads 1 finetune --resume '" + run.string() + "'");
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK(fs::exists(run / "results.json"));
}

#ifdef DEBERTA_BENCH_TORCHRUN
TEST_CASE("torchrun launches a two-process finetune with --no-python", "[cli]") {
  const ScratchDir scratch;
  const fs::path run = scratch.file("torchrun");
  const auto result =
      run_shell("DEBERTA_BENCH_CACHE=off timeout 300 '" + std::string(DEBERTA_BENCH_TORCHRUN) +
                "' --nproc-per-node 2 --master-addr 127.0.0.1 --master-port " +
                std::to_string(deberta::test::free_port()) + " --no-python '" + DEBERTA_BENCH_EXE +
                "' --threads 1 finetune --task question_pair --set training.max_steps=6 --set training.batch_size=8"
                " --set training.max_train_examples=96 --set training.eval_batch_size=256 --output-dir '" +
                run.string() + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto results = read_json((run / "results.json").string());
  CHECK(results.at("world_size") == 2);
  CHECK(results.at("global_batch_size") == 16);
}
#endif
