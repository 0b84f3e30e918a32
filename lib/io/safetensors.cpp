#include "io/safetensors.h"

#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "io/safetensors_format.h"
#include "util/atomic_file.h"
#include "util/mapped_file.h"

// Tensor bytes are copied to and from the file as they are in memory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::runtime_error(path + ": " + problem);
}

const std::pair<const char*, torch::ScalarType> kDtypes[] = {
    {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool}};

// parse_safetensors_header accepts exactly the names of kDtypes.
torch::ScalarType scalar_type(const std::string& dtype) {
  for (const auto& [name, type] : kDtypes)
    if (dtype == name) return type;
  throw std::logic_error("safetensors dtype " + dtype + " has no torch type");
}

// The safetensors name of a torch dtype, nullptr for one it cannot hold.
const char* dtype_name(torch::ScalarType type) {
  for (const auto& [name, known] : kDtypes)
    if (type == known) return name;
  return nullptr;
}

uint64_t byte_size(const torch::Tensor& t) { return static_cast<uint64_t>(t.numel()) * t.element_size(); }

}  // namespace

TensorMap read_safetensors(const std::string& path) {
  const MappedFile file(path);
  const auto header = parse_safetensors_header(file.bytes(), path);
  const char* data = file.bytes().data() + header.data_start;
  TensorMap tensors;
  for (const auto& entry : header.tensors) {
    auto tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(scalar_type(entry.dtype)));
    if (entry.end > entry.begin) std::memcpy(tensor.data_ptr(), data + entry.begin, entry.end - entry.begin);
    tensors.emplace(entry.name, std::move(tensor));
  }
  return tensors;
}

void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
  auto full_metadata = metadata;
  full_metadata.emplace("format", "pt");
  // Built by hand rather than as a nlohmann object, which would sort the keys:
  // HF and the reference writer put "__metadata__" first and each entry's
  // keys in the order dtype, shape, data_offsets.
  const auto json_text = [](const nlohmann::json& value) { return value.dump(-1, ' ', /*ensure_ascii=*/true); };
  std::string header = "{\"__metadata__\":" + json_text(full_metadata);
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") fail(path, "\"__metadata__\" cannot be a tensor name");
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const char* dtype = dtype_name(t.scalar_type());
    if (dtype == nullptr)
      fail(path, "tensor " + json_text(name) + " has dtype " + std::string(c10::toString(t.scalar_type())) +
                     ", which safetensors files here cannot hold");
    const uint64_t end = offset + byte_size(t);
    header += "," + json_text(name) + ":{\"dtype\":\"" + dtype + "\",\"shape\":" + json_text(t.sizes().vec()) +
              ",\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]}";
    offset = end;
    data.push_back(std::move(t));
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  AtomicFileWriter file(path);
  std::ofstream& out = file.stream();
  char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out.write(length, sizeof length);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto& t : data)
    if (t.numel() > 0) out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(byte_size(t)));
  file.commit();
}

}  // namespace deberta
