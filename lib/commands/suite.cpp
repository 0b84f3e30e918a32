#include "commands/suite.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include <sstream>

#include "commands/report_commands.h"
#include "eval/run_layout.h"
#include "hub/hub_cache.h"
#include "hub/hub_download.h"
#include "util/atomic_file.h"
#include "util/yaml_file.h"

namespace fs = std::filesystem;

namespace deberta {

namespace {

[[noreturn]] void bad(const std::string& path, const YAML::Node& node, const std::string& message) {
  throw std::runtime_error(fmt::format("{}:{}: {}", path, node.Mark().line + 1, message));
}

std::map<std::string, std::string> read_settings(const std::string& path, const YAML::Node& node,
                                                 const std::string& field) {
  std::map<std::string, std::string> out;
  if (!node) return out;
  if (!node.IsMap()) bad(path, node, field + ": expected a mapping of dotted keys to values");
  for (const auto& item : node) {
    if (!item.second.IsScalar())
      bad(path, item.second, field + "." + item.first.as<std::string>() + ": expected a value");
    out[item.first.as<std::string>()] = item.second.as<std::string>();
  }
  return out;
}

// The suite's settings, then the task's, then the model's: the most specific last.
std::vector<std::string> assignments(const Suite& suite, const SuiteModel& model, const std::string& task) {
  std::vector<std::string> out;
  for (const auto& [key, value] : suite.settings) out.push_back(key + "=" + value);
  if (const auto found = suite.task_settings.find(task); found != suite.task_settings.end())
    for (const auto& [key, value] : found->second) out.push_back(key + "=" + value);
  for (const auto& [key, value] : model.settings) out.push_back(key + "=" + value);
  return out;
}

}  // namespace

Suite read_suite(const std::string& path) {
  const YAML::Node root = load_yaml_file(path, "cannot open the suite file");
  if (!root.IsMap()) throw std::runtime_error(path + ": a suite file is a mapping (models, tasks, seeds, ...)");
  Suite suite;
  suite.name = fs::path(path).stem().string();
  static const std::vector<std::string> known = {"description", "models",  "tasks", "seeds",   "recipe",
                                                 "data_dir",    "threads", "set",   "task_set"};
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end())
      bad(path, item.first, fmt::format("unknown field '{}'; valid fields: {}", key, fmt::join(known, ", ")));
  }
  try {
    if (root["description"]) suite.description = root["description"].as<std::string>();
    if (!root["models"] || !root["models"].IsSequence() || root["models"].size() == 0)
      throw std::runtime_error(path + ": models: expected a list of {name, path} or {name, id}");
    for (const auto& model : root["models"]) {
      // `id` names a Hugging Face model (OWNER/NAME[@REVISION]); `path` a
      // directory, or builtin. Either goes to --model, which resolves both.
      if (!model.IsMap() || !model["name"] || (!model["path"] == !model["id"]))
        bad(path, model,
            "models: every entry needs a name and either a path (a model directory, or builtin) or an id "
            "(OWNER/NAME[@REVISION])");
      for (const auto& field : model) {
        const std::string key = field.first.as<std::string>();
        if (key != "name" && key != "path" && key != "id" && key != "set" && key != "recipe")
          bad(path, field.first,
              fmt::format("models: unknown field '{}'; valid fields: name, path, id, recipe, set", key));
      }
      const std::string name = model["name"].as<std::string>();
      std::string source;
      if (model["id"]) {
        source = model["id"].as<std::string>();
        if (!parse_hub_model_id(source))
          bad(path, model["id"], fmt::format("models: id '{}' is not OWNER/NAME[@REVISION]", source));
      } else {
        source = model["path"].as<std::string>();
        // A path is a directory, never an id: a missing models/x must say
        // so, not be looked up on the Hub.
        if (source != "builtin" && parse_hub_model_id(source)) source = "./" + source;
      }
      suite.models.push_back({name, source, read_settings(path, model["set"], "models." + name + ".set"),
                              model["recipe"] ? model["recipe"].as<std::string>() : ""});
    }
    if (!root["tasks"] || !root["tasks"].IsSequence() || root["tasks"].size() == 0)
      throw std::runtime_error(path + ": tasks: expected a list of task names");
    for (const auto& task : root["tasks"]) suite.tasks.push_back(task.as<std::string>());
    if (root["seeds"]) {
      if (!root["seeds"].IsSequence()) bad(path, root["seeds"], "seeds: expected a list, e.g. [1, 2, 3]");
      for (const auto& seed : root["seeds"]) suite.seeds.push_back(seed.as<uint64_t>());
    }
    if (suite.seeds.empty()) suite.seeds = {42};
    if (root["recipe"]) suite.recipe = root["recipe"].as<std::string>();
    if (root["data_dir"]) suite.data_dir = root["data_dir"].as<std::string>();
    if (root["threads"]) suite.threads = root["threads"].as<int>();
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(fmt::format("{}:{}: {}", path, e.mark.line + 1, e.msg));
  }
  suite.settings = read_settings(path, root["set"], "set");
  if (const YAML::Node per_task = root["task_set"]) {
    if (!per_task.IsMap()) bad(path, per_task, "task_set: expected a mapping of task names to settings");
    for (const auto& item : per_task) {
      const std::string task = item.first.as<std::string>();
      if (std::find(suite.tasks.begin(), suite.tasks.end(), task) == suite.tasks.end())
        bad(path, item.first, "task_set: '" + task + "' is not one of the suite's tasks");
      suite.task_settings[task] = read_settings(path, item.second, "task_set." + task);
    }
  }
  return suite;
}

std::string run_suite(const SuiteOptions& options, const FinetuneJobs& jobs, std::ostream& out, std::ostream& log) {
  const Suite suite = read_suite(options.suite_file);
  const std::string output_dir =
      !options.output_dir.empty() ? options.output_dir : (fs::path("results") / suite.name).string();
  const int threads = suite.threads > 0 ? suite.threads : options.threads;

  struct Run {
    FinetuneOptions options;
    std::string label;
  };
  std::vector<Run> runs;
  for (const auto& model : suite.models)
    for (const auto& task : suite.tasks)
      for (const uint64_t seed : suite.seeds) {
        FinetuneOptions run;
        run.task = task;
        run.model_dir = model.path == "builtin" ? "" : model.path;
        run.model_name = model.name;
        run.recipe = !model.recipe.empty() ? model.recipe : suite.recipe;
        run.set_assignments = assignments(suite, model, task);
        run.data_dir = suite.data_dir;
        run.seed = seed;
        run.threads = threads;
        run.device = options.device;
        run.live_progress = options.live_progress;
        run.output_dir = (fs::path(output_dir) / model.name / task / fmt::format("seed{}", seed)).string();
        runs.push_back({run, fmt::format("{} / {} / seed {}", model.name, task, seed)});
      }

  const auto state_of = [](const std::string& run_dir) -> std::string {
    if (run_layout::is_finished(run_dir)) return "done";
    if (run_layout::has_resume_state(run_dir)) return "resume";
    return "new";
  };

  if (options.dry_run) {
    out << fmt::format("suite {} ({} runs: {} models x {} tasks x {} seeds) into {}, {} thread(s)\n", suite.name,
                       runs.size(), suite.models.size(), suite.tasks.size(), suite.seeds.size(), output_dir, threads);
    if (!suite.description.empty()) out << suite.description << "\n";
    int64_t total = 0;
    for (const auto& run : runs) {
      const std::string state = state_of(run.options.output_dir);
      std::string steps;
      try {
        const FinetunePlan plan = jobs.plan(run.options);
        total += plan.total_steps;
        steps = fmt::format("{} steps ({} train examples, {} steps per epoch{})", plan.total_steps, plan.train_examples,
                            plan.steps_per_epoch, plan.protocol == "standard" ? "" : ", protocol " + plan.protocol);
      } catch (const HubNotCached&) {
        steps = "the model is not in the Hugging Face cache: downloaded when the suite runs";
      } catch (const std::exception& e) {
        const std::string message = e.what();
        steps = "cannot run: " + message.substr(0, message.find('\n'));
      }
      out << fmt::format("  [{:6}] {:40} {}\n", state, run.label, steps);
    }
    out << fmt::format("total: {} steps\n", total);
    return output_dir;
  }

  size_t done = 0;
  for (const auto& run : runs) {
    ++done;
    const std::string state = state_of(run.options.output_dir);
    if (state == "done") {
      log << fmt::format("[{}/{}] {}: finished earlier, skipped\n", done, runs.size(), run.label);
      continue;
    }
    log << fmt::format("[{}/{}] {}{}\n", done, runs.size(), run.label, state == "resume" ? " (resuming)" : "");
    if (state == "resume") {
      FinetuneOptions resume;
      resume.resume_dir = run.options.output_dir;
      resume.threads = threads;
      resume.device = options.device;
      resume.live_progress = options.live_progress;
      jobs.run(resume, log);
    } else {
      jobs.run(run.options, log);
    }
  }
  std::ostringstream table;
  run_table({{output_dir}, "", "markdown"}, table);
  const std::string table_path = (fs::path(output_dir) / "table.md").string();
  write_file_atomically(table_path, table.str());
  out << table.str();
  log << "table: " << table_path << "\n";
  return output_dir;
}

}  // namespace deberta
