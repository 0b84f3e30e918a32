// Where the files that ship with the tool are: configs/, data/samples/ and
// results/reference/. No path is compiled in, so a build or an install can be
// moved; the binary finds them relative to itself.
#pragma once

#include <string>

namespace deberta {

// The directory that holds configs/, data/samples/ and results/reference/:
// - beside an installed binary: <prefix>/share/deberta-bench for
//   <prefix>/bin/deberta-bench;
// - otherwise the nearest directory above the executable that holds
//   configs/models/tiny-default (a build tree inside the source tree).
// Empty when neither is found. Read once per call from /proc/self/exe.
std::string resource_dir();

// configs/: $DEBERTA_BENCH_CONFIGS, else resource_dir()/configs. Throws
// std::runtime_error saying how to point at it when neither exists.
std::string config_dir();

// The built-in tiny model's directory, configs/models/tiny-default.
std::string builtin_model_dir();

// The data that finetune, evaluate, predict and bench read without --data-dir:
// $DEBERTA_BENCH_DATA, else the shipped samples (resource_dir()/data/samples).
std::string default_data_dir();

// The model card's published rows, results/reference/model-card.yaml.
std::string default_reference_path();

}  // namespace deberta
