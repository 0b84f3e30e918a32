// Hostile pytorch_model.bin files that pass the zip check and reach libtorch's
// unpickler (tests/data/hostile-bins, written by its make.py): `info` refuses
// each with exit code 1 and one line naming the file. The files that still
// crash inside libtorch (deep_list_then_error, deep_tuple_key,
// stale_buffer_overread), read past its buffer (stale_buffer_leak) or cost
// gigabytes (long_binput_*) are left out: see make.py's comments.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using deberta::test::data_path;
using deberta::test::fixture_dir;
using deberta::test::run_cli;
using deberta::test::ScratchDir;

namespace {

struct HostileCase {
  const char* file;     // in tests/data/hostile-bins
  const char* message;  // what follows "<dir>/pytorch_model.bin: "
};

// A copy of the tiny fixture with `file` as its pytorch_model.bin (and no
// model.safetensors, which would be read first).
struct HostileModel {
  ScratchDir scratch;
  explicit HostileModel(const std::string& file) {
    for (const char* name : {"config.json", "spm.model", "tokenizer_config.json", "special_tokens_map.json"})
      fs::copy_file(fixture_dir("deberta-v3-tiny") + "/" + name, scratch.file(name));
    fs::copy_file(data_path("hostile-bins/" + file), scratch.file("pytorch_model.bin"));
  }
  std::string weights() const { return scratch.file("pytorch_model.bin"); }
};

// Runs `info` on the file and checks the one-line refusal.
void check_refused(const HostileCase& c) {
  INFO(c.file);
  const HostileModel model(c.file);
  const auto result = run_cli("info --model '" + model.scratch.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Contains(model.weights() + ": " + c.message));
  CHECK(result.output.find('\n') == result.output.size() - 1);  // one line
}

const HostileCase kNotPickles[] = {
    {"random_bytes.bin", "not a readable PyTorch checkpoint (Expected PROTO opcode"},
    {"truncated_pickle.bin", "not a readable PyTorch checkpoint ("},
    {"empty_pickle.bin", "not a readable PyTorch checkpoint (Unexpected end of pickler archive.)"},
    {"binget_missing_memo.bin", "not a readable PyTorch checkpoint (Parsing error: out of bounds access at 5"},
    {"long_binget_huge.bin", "not a readable PyTorch checkpoint (Parsing error: out of bounds access at 4294967295"},
    {"storage_type_not_storage.bin", "not a readable PyTorch checkpoint (Unpickler found unknown torch global"},
    {"negative_size.bin", "not a readable PyTorch checkpoint (numel: integer multiplication overflow)"},
    {"numel_overflow.bin", "not a readable PyTorch checkpoint (numel: integer multiplication overflow)"},
};

const HostileCase kGlobals[] = {
    {"global_os_system.bin", "not a readable PyTorch checkpoint (Unpickler found unknown type os.system)"},
    {"global_builtins_eval.bin", "not a readable PyTorch checkpoint (Unpickler found unknown type builtins.eval)"},
    {"unknown_class.bin", "not a readable PyTorch checkpoint (Unpickler found unknown type evil_module.Evil)"},
};

const HostileCase kOutsideStorage[] = {
    {"size_past_storage.bin", "tensor \"w\" reaches outside its storage (size [1000000], stride [1], offset 0"},
    {"size_past_storage_fp16.bin", "tensor \"w\" reaches outside its storage (size [1000000]"},
    {"offset_past_storage.bin", "tensor \"w\" reaches outside its storage (size [4], stride [1], offset 1000000"},
    {"enormous_size.bin", "tensor \"w\" reaches outside its storage (size [4611686018427387904]"},
    {"storage_numel_overflow.bin", "tensor \"w\" reaches outside its storage (size [4]"},
    {"storage_numel_zero.bin", "tensor \"w\" reaches outside its storage (size [1000]"},
    {"negative_offset.bin", "tensor \"w\" has a negative storage offset -4"},
};

const HostileCase kShortStorages[] = {
    {"short_record.bin", "storage \"data/0\" is declared as 4000 bytes, but its zip entry holds 16"},
    {"dtype_mismatch.bin", "storage \"data/0\" is declared as 32 bytes, but its zip entry holds 16"},
    {"location_cuda.bin", "storage \"data/0\" is declared as 4000 bytes, but its zip entry holds 16"},
    {"location_meta.bin", "storage \"data/0\" is declared as 4000 bytes, but its zip entry holds 16"},
};

const HostileCase kNotStateDicts[] = {
    {"value_not_tensor.bin", "\"w\" is not a tensor (it is Int)"},
    {"key_not_string.bin", "the state dict has a key that is not a name (it is Int)"},
    {"not_a_dict.bin", "not a state dict of tensors (it holds GenericList)"},
    {"sparse_bad_index.bin", "tensor \"w\" is not a dense tensor (its layout is Sparse)"},
};

const HostileCase kDeeplyNested[] = {
    {"deep_list.bin", "not a state dict of tensors (it holds GenericList)"},
    {"deep_value.bin", "\"w\" is not a tensor (it is GenericList)"},
    {"deep_tuple.bin", "\"w\" is not a tensor (it is Tuple)"},
};

}  // namespace

TEST_CASE("a data.pkl that libtorch cannot unpickle is refused with libtorch's reason on one line", "[cli]") {
  check_refused(GENERATE(from_range(std::begin(kNotPickles), std::end(kNotPickles))));
}

TEST_CASE("a pickle that calls a global outside torch's own is refused without calling it", "[cli]") {
  const HostileCase c = GENERATE(from_range(std::begin(kGlobals), std::end(kGlobals)));
  // The command both pickles would run creates this file.
  const fs::path marker = "/tmp/deberta-bench-hostile-pwned";
  std::error_code ec;
  fs::remove(marker, ec);
  check_refused(c);
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("a tensor that reaches outside its storage's bytes is refused naming the tensor", "[cli]") {
  check_refused(GENERATE(from_range(std::begin(kOutsideStorage), std::end(kOutsideStorage))));
}

TEST_CASE("a storage declared larger than its data entry is refused naming the entry", "[cli]") {
  check_refused(GENERATE(from_range(std::begin(kShortStorages), std::end(kShortStorages))));
}

TEST_CASE("a storage key that names no data entry is refused with libtorch's reason", "[cli]") {
  check_refused({"missing_record.bin",
                 "not a readable PyTorch checkpoint (PytorchStreamReader failed locating file "
                 "data/7: file not found."});
}

TEST_CASE("a pickle that is not a dict of named dense tensors is refused saying what it holds", "[cli]") {
  check_refused(GENERATE(from_range(std::begin(kNotStateDicts), std::end(kNotStateDicts))));
}

TEST_CASE("a value nested a million levels deep is refused without overflowing the stack", "[cli]") {
  check_refused(GENERATE(from_range(std::begin(kDeeplyNested), std::end(kDeeplyNested))));
}

TEST_CASE("a negative stride is read as the contiguous stride libtorch gives it, inside the storage", "[cli]") {
  const HostileModel model("negative_stride.bin");
  const auto result = run_cli("info --model '" + model.scratch.path() + "'");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("weights:             pytorch_model.bin"));
}
