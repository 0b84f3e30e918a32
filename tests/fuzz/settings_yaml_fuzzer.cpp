// libFuzzer target for a YAML settings layer (--config FILE, a recipe, a
// task file's defaults): parse_config_layer, then the layer applied over the
// defaults and the typed settings read from the result. The first byte picks
// the section read: the whole file, `defaults` or `recipes.kcbert`.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "train/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  if (size == 0) return 0;
  static const char* const kRoots[] = {"", "defaults", "recipes.kcbert"};
  const std::string root = kRoots[data[0] % 3];
  const std::string text(bytes_of(data + 1, size - 1));
  deberta::ConfigValues layer;
  if (!parses([&] { layer = deberta::parse_config_layer(text, "fuzz.yaml", root); }, "fuzz.yaml")) return 0;

  const std::vector<std::string> data_options = {"unquote", "dev_slice_size"};
  deberta::ConfigValues values;
  for (const auto& setting : deberta::training_settings()) values[setting.key] = setting.default_value;
  values["data.unquote"] = "false";
  values["data.dev_slice_size"] = "5000";
  if (!parses([&] { deberta::apply_layer(values, layer, data_options, "fuzz.yaml"); })) return 0;
  if (!parses([&] { deberta::typed_settings(values); })) return 0;
  if (!parses([&] { deberta::typed_pretrain_settings(values); })) return 0;
  // Settings a run accepts go into its config.yaml, which must read back as
  // the same values (--config RUN/config.yaml re-runs it).
  const std::string written = deberta::config_to_yaml(values);
  deberta::ConfigValues again;
  if (!parses([&] { again = deberta::parse_config_layer(written, "config.yaml"); }))
    fail("a written config.yaml does not parse", written.c_str());
  require(again == values, "a written config.yaml reads back the same values");
  return 0;
}
