#include "io/torch_pickle.h"

#include <caffe2/serialize/in_memory_adapter.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import_read.h>
#include <torch/csrc/jit/serialization/storage_context.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "io/zip_check.h"
#include "util/text.h"

namespace deberta {

namespace {

// libtorch's message, whose first line may quote names from the file: made
// one safe line.
std::string first_line(const std::string& text) { return one_line(text.substr(0, text.find('\n'))); }

// What torch::pickle_load does (libtorch's own reader and unpickler), with two
// differences: every storage is kept by its key, so that it can be checked
// against the size of its data/ entry afterwards, and every storage stays on
// the CPU, so that libtorch copies nothing (to a "cuda" location in the file)
// before that check.
torch::IValue load_archive(caffe2::serialize::PyTorchStreamReader& reader,
                           const std::shared_ptr<torch::jit::DeserializationStorageContext>& storages) {
  return torch::jit::readArchiveAndTensors("data", /*pickle_prefix=*/"", /*tensor_prefix=*/"",
                                           /*type_resolver=*/std::nullopt, /*obj_loader=*/std::nullopt,
                                           /*device=*/torch::Device(torch::kCPU), reader,
                                           torch::jit::Unpickler::defaultTypeParser, storages);
}

// The unpickler trusts the file: a storage's byte count is the element count
// the pickle declares (not the size of its data/ entry), and a tensor's size,
// stride and offset are set unchecked. Why `tensor` would read outside the
// bytes its storage holds, or "" when it stays inside them. `checked` are the
// storages whose data/ entry holds all their bytes; any other storage read no
// entry, and then holds none.
std::string outside_storage(const torch::Tensor& tensor, const std::set<const c10::StorageImpl*>& checked) {
  if (tensor.layout() != torch::kStrided)
    return "is not a dense tensor (its layout is " + c10::str(tensor.layout()) + ")";
  const auto sizes = tensor.sizes();
  const auto strides = tensor.strides();
  for (const int64_t size : sizes)
    if (size < 0) return "has a negative size " + c10::str(sizes);
  if (tensor.storage_offset() < 0) return "has a negative storage offset " + std::to_string(tensor.storage_offset());
  for (const int64_t size : sizes)
    if (size == 0) return "";  // no elements, nothing to read
  const c10::Storage& storage = tensor.storage();
  const uint64_t available = checked.count(storage.unsafeGetStorageImpl()) ? storage.nbytes() : 0;
  const __int128 elements = available / std::max<uint64_t>(1, tensor.element_size());  // whole elements it holds
  // The lowest and highest element the tensor reaches, stopping as soon as
  // either is out of range: no sum exceeds 2^127.
  __int128 lowest = tensor.storage_offset(), highest = tensor.storage_offset();
  bool inside = highest < elements;
  for (size_t d = 0; inside && d < sizes.size(); ++d) {
    const __int128 reach = static_cast<__int128>(sizes[d] - 1) * strides[d];
    (reach < 0 ? lowest : highest) += reach;
    inside = lowest >= 0 && highest < elements;
  }
  if (inside) return "";
  return "reaches outside its storage (size " + c10::str(sizes) + ", stride " + c10::str(strides) + ", offset " +
         std::to_string(tensor.storage_offset()) + ", " + std::to_string(tensor.element_size()) +
         "-byte elements; the storage holds " + std::to_string(available) + " bytes)";
}

// Drops `value` one container at a time. IValue's own destructor recurses
// once per level of nesting, and a pickle of a few KB (deflated) can nest a
// list a million levels deep: that overflows the stack.
void release_flat(torch::IValue value) {
  std::vector<torch::IValue> pending;
  pending.push_back(std::move(value));
  while (!pending.empty()) {
    const torch::IValue item = std::move(pending.back());
    pending.pop_back();
    if (item.use_count() != 1) continue;  // not the last reference: dropping it frees nothing
    if (item.isList()) {
      for (const auto& element : item.toListRef()) pending.push_back(element);
    } else if (item.isGenericDict()) {
      for (const auto& entry : item.toGenericDict()) {
        pending.push_back(entry.key());
        pending.push_back(entry.value());
      }
    } else if (item.isTuple()) {
      for (const auto& element : item.toTupleRef().elements()) pending.push_back(element);
    }
  }  // `item` goes each time with its children still held in `pending`
}

// The state dict's tensors, or the first thing wrong with `value` as one.
std::string read_state_dict(const torch::IValue& value, const std::set<const c10::StorageImpl*>& checked,
                            TensorMap& tensors) {
  if (!value.isGenericDict()) return "not a state dict of tensors (it holds " + value.tagKind() + ")";
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString())
      return "the state dict has a key that is not a name (it is " + item.key().tagKind() + ")";
    const std::string name = item.key().toStringRef();
    if (!item.value().isTensor()) return json_quoted(name) + " is not a tensor (it is " + item.value().tagKind() + ")";
    const torch::Tensor& tensor = item.value().toTensor();
    const std::string problem = outside_storage(tensor, checked);
    if (!problem.empty()) return "tensor " + json_quoted(name) + " " + problem;
    tensors.emplace(name, tensor);
  }
  return "";
}

}  // namespace

TensorMap read_pytorch_bin(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the file");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": cannot read the file");

  // The container is checked first (io/zip_check.h), so that a truncated or
  // corrupt archive is refused with one line saying what is wrong before
  // libtorch's reader sees it.
  const ZipListing listing = check_torch_zip(std::string_view(bytes.data(), bytes.size()), path);
  const auto storages = std::make_shared<torch::jit::DeserializationStorageContext>();
  // One reader for the load and for the sizes checked below: it is the
  // reader's view of the archive that the storages were read through.
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  torch::IValue value;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(
        std::make_shared<caffe2::serialize::MemoryReadAdapter>(bytes.data(), static_cast<off_t>(bytes.size())));
    value = load_archive(*reader, storages);
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + ": not a readable PyTorch checkpoint (" + first_line(e.what_without_backtrace()) +
                             ")");
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not a readable PyTorch checkpoint (" + first_line(e.what()) + ")");
  }

  // Each storage's bytes must all be in its data/ entry: the unpickler sizes
  // a storage by the element count in the pickle, not by its entry.
  std::string problem;
  std::set<const c10::StorageImpl*> checked;
  const std::string data_prefix = listing.archive + "/data/";
  for (const auto& entry : listing.entries) {
    if (entry.name.compare(0, data_prefix.size(), data_prefix) != 0) continue;
    const std::string key = entry.name.substr(data_prefix.size());
    if (!storages->hasStorage(key)) continue;
    const c10::Storage storage = storages->getStorage(key);
    // The size as libtorch's reader sees the entry (the zip check agrees
    // with it on names and sizes; this needs no such argument).
    size_t record_size = 0;
    try {
      record_size = reader->getRecordSize("data/" + key);
    } catch (const c10::Error&) {
      problem = "storage " + json_quoted("data/" + key) + " has no entry that libtorch's reader can find";
      break;
    }
    if (storage.nbytes() > record_size) {
      problem = "storage " + json_quoted("data/" + key) + " is declared as " + std::to_string(storage.nbytes()) +
                " bytes, but its zip entry holds " + std::to_string(record_size);
      break;
    }
    checked.insert(storage.unsafeGetStorageImpl());
  }
  TensorMap tensors;
  if (problem.empty()) problem = read_state_dict(value, checked, tensors);
  release_flat(std::move(value));
  if (!problem.empty()) throw std::runtime_error(path + ": " + problem);
  return tensors;
}

}  // namespace deberta
