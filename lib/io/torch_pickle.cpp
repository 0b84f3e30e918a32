#include "io/torch_pickle.h"

#include <torch/torch.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "io/zip_check.h"

namespace deberta {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TensorMap read_pytorch_bin(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the file");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": cannot read the file");

  // The container is checked first (io/zip_check.h), so that a truncated or
  // corrupt archive is refused with one line saying what is wrong before
  // libtorch's reader sees it.
  check_torch_zip(std::string_view(bytes.data(), bytes.size()), path);
  torch::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + ": not a readable PyTorch checkpoint (" + first_line(e.what_without_backtrace()) +
                             ")");
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not a readable PyTorch checkpoint (" + first_line(e.what()) + ")");
  }
  if (!value.isGenericDict())
    throw std::runtime_error(path + ": not a state dict of tensors (it holds " + value.tagKind() + ")");

  TensorMap tensors;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString())
      throw std::runtime_error(path + ": the state dict has a key that is not a name (it is " + item.key().tagKind() +
                               ")");
    const std::string name = item.key().toStringRef();
    if (!item.value().isTensor())
      throw std::runtime_error(path + ": \"" + name + "\" is not a tensor (it is " + item.value().tagKind() + ")");
    tensors.emplace(name, item.value().toTensor());
  }
  return tensors;
}

}  // namespace deberta
