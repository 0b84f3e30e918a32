// A task's splits as examples: the files read, checked, filtered by the
// task's rules, and a dev slice held out of train where the task has no dev
// file. This is what the trainer asks for.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "data/example.h"
#include "tasks/task.h"

namespace deberta {

struct SourceFile {
  std::string path;
  std::string sha256;
  int64_t rows = 0;  // data rows in the file, the header not counted
};

struct SplitData {
  std::string name;                        // train, dev or test
  std::vector<SourceFile> files;           // what was read (for a held-out dev: the train files)
  bool held_out_of_train = false;          // a seeded slice of train
  int64_t slice_seed = 0;                  // the seed that picked the slice
  std::vector<Example> examples;           // in file order
  std::map<std::string, int64_t> dropped;  // rows removed by the task's rules, by reason
};

// The data directory: `flag` when given, else $DEBERTA_BENCH_DATA, else "data".
std::string resolve_data_dir(const std::string& flag);

// The path of one of a task's files: data_dir/data_subdir/file, where an
// absolute data_subdir or file replaces what comes before it.
std::string task_file_path(const TaskSpec& task, const std::string& data_dir, const std::string& file);

// The files a split reads, as paths. A held-out dev reads the train files.
std::vector<std::string> split_file_paths(const TaskSpec& task, const std::string& split, const std::string& data_dir,
                                          const TaskOptions& options);

// Reads a split's files as they are, with no slice taken. `split` must name
// a split that has files. Throws MissingFileError or DataError.
SplitData read_split(const TaskSpec& task, const std::string& split, const std::string& data_dir,
                     const TaskOptions& options);

// Appends the examples of one data file's bytes to `data`, as read_split
// reads each file; `source` names it in errors. Throws DataError.
void read_examples(const TaskSpec& task, std::string_view bytes, const std::string& source, const TaskOptions& options,
                   SplitData& data);

// Rows a dev slice takes out of a train split of `train_rows` kept rows: the
// requested size, but at most a tenth of train, so that small samples work.
int64_t dev_slice_rows(int64_t train_rows, int64_t requested);

struct TrainDevSplit {
  SplitData train;
  SplitData dev;
};

// Splits a train split into what is left of train and the held-out dev.
// The rows are picked by a seeded partial Fisher-Yates shuffle over
// std::mt19937_64, which gives the same rows on every platform; both parts
// keep file order.
TrainDevSplit hold_out_dev(SplitData train, int64_t size, int64_t seed);

// The offline protocol (training.train_split: dev), for a task whose train
// file is not at hand: the dev file less a seeded tenth trains, and that tenth
// is dev. The parts are named "train" and "dev".
TrainDevSplit split_dev_file_offline(SplitData dev_file, int64_t seed);

// One split, ready for training or evaluation. `options` are resolved against
// the task first, so an empty map means the defaults.
SplitData load_split(const TaskSpec& task, const std::string& split, const std::string& data_dir,
                     const TaskOptions& options = {});

// Every split of the task, in the task's order; train is read once even when
// dev is held out of it.
std::vector<SplitData> load_task_data(const TaskSpec& task, const std::string& data_dir,
                                      const TaskOptions& options = {});

}  // namespace deberta
