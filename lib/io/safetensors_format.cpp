#include "io/safetensors_format.h"
#include "util/text.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace deberta {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": " + problem);
}

std::string range_text(const SafetensorsEntry& e) {
  return "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + ")";
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::vector<int64_t> read_shape(const nlohmann::json& value, const std::string& where, const std::string& source) {
  if (!value.is_array()) fail(source, where + ": shape is not a list");
  std::vector<int64_t> shape;
  for (const auto& dim : value) {
    if (dim.is_number_integer() && !dim.is_number_unsigned())
      fail(source, where + ": shape has a negative dimension (" + dim.dump() + ")");
    if (!dim.is_number_unsigned()) fail(source, where + ": shape has a dimension that is not an integer");
    const auto size = dim.get<uint64_t>();
    // torch sizes are int64_t.
    if (size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(source, where + ": shape dimension " + std::to_string(size) + " is too large");
    shape.push_back(static_cast<int64_t>(size));
  }
  return shape;
}

uint64_t read_offset(const nlohmann::json& value, const std::string& where, const std::string& source) {
  if (!value.is_number_unsigned()) fail(source, where + ": data_offsets must be two non-negative integers");
  return value.get<uint64_t>();
}

SafetensorsEntry read_entry(const std::string& name, const nlohmann::json& info, uint64_t data_size,
                            const std::string& source) {
  const std::string where = "tensor " + json_quoted(name);
  if (!info.is_object()) fail(source, where + ": entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!info.contains(key)) fail(source, where + ": entry has no \"" + key + "\"");

  SafetensorsEntry entry;
  entry.name = name;
  if (!info.at("dtype").is_string()) fail(source, where + ": dtype is not a string");
  entry.dtype = info.at("dtype").get<std::string>();
  const size_t item_size = safetensors_dtype_size(entry.dtype);
  if (item_size == 0)
    fail(source, where + ": unknown dtype " + json_quoted(entry.dtype) +
                     " (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
  entry.shape = read_shape(info.at("shape"), where, source);

  const auto& offsets = info.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2)
    fail(source, where + ": data_offsets must be two non-negative integers");
  entry.begin = read_offset(offsets[0], where, source);
  entry.end = read_offset(offsets[1], where, source);
  if (entry.end < entry.begin) fail(source, where + ": data_offsets " + range_text(entry) + " end before they begin");

  // Checked: a wrapped product could match a small range and pass as valid.
  uint64_t bytes = item_size;
  for (const int64_t dim : entry.shape)
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes))
      fail(source, where + ": shape " + shape_text(entry.shape) + " overflows a 64-bit byte count");
  if (entry.end - entry.begin != bytes)
    fail(source, where + ": shape " + shape_text(entry.shape) + " of " + entry.dtype + " needs " +
                     std::to_string(bytes) + " bytes but data_offsets " + range_text(entry) + " hold " +
                     std::to_string(entry.end - entry.begin));
  if (entry.end > data_size)
    fail(source, where + ": data_offsets " + range_text(entry) + " run past the end of the file (the data section is " +
                     std::to_string(data_size) + " bytes)");
  return entry;
}

}  // namespace

size_t safetensors_dtype_size(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64") return 8;
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

SafetensorsHeader parse_safetensors_header(std::string_view file_bytes, const std::string& source) {
  if (file_bytes.size() < 8)
    fail(source, "the file is " + std::to_string(file_bytes.size()) +
                     " bytes, too short for a safetensors file (it needs at least 8)");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<unsigned char>(file_bytes[i]);
  if (header_size > kMaxSafetensorsHeaderBytes)
    fail(source, "header length " + std::to_string(header_size) + " is over the limit of " +
                     std::to_string(kMaxSafetensorsHeaderBytes) + " bytes; not a safetensors file?");
  if (header_size > file_bytes.size() - 8)
    fail(source, "header length " + std::to_string(header_size) + " runs past the end of the file (" +
                     std::to_string(file_bytes.size()) + " bytes)");

  SafetensorsHeader header;
  header.data_start = 8 + header_size;
  const std::string_view text = file_bytes.substr(8, header_size);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    fail(source, std::string("the header is not valid JSON (") + e.what() + ")");
  }
  if (!json.is_object()) fail(source, "the header is not a JSON object");

  const uint64_t data_size = file_bytes.size() - header.data_start;
  for (const auto& [name, info] : json.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) fail(source, "__metadata__ is not an object");
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string()) fail(source, "__metadata__ " + json_quoted(key) + " is not a string");
        header.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    header.tensors.push_back(read_entry(name, info, data_size, source));
  }

  // The safetensors library refuses a data section that its tensors do not
  // tile exactly; so do we, so that a file we accept loads in Python too.
  // Sorted by begin, any overlap or gap shows up between neighbours.
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& entry : header.tensors) by_offset.push_back(&entry);
  std::sort(by_offset.begin(), by_offset.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
    return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
  });
  uint64_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry* current : by_offset) {
    if (current->begin < covered)
      fail(source, "tensors " + json_quoted(previous->name) + " " + range_text(*previous) + " and " +
                       json_quoted(current->name) + " " + range_text(*current) + " overlap");
    if (current->begin > covered)
      fail(source, "bytes [" + std::to_string(covered) + ", " + std::to_string(current->begin) +
                       ") of the data belong to no tensor (a gap before " + json_quoted(current->name) + ")");
    covered = current->end;
    previous = current;
  }
  if (covered != data_size)
    fail(source, std::to_string(data_size - covered) + " bytes after the last tensor's data belong to no tensor");
  return header;
}

}  // namespace deberta
