// The zip container of a pytorch_model.bin, checked before libtorch reads it.
// libtorch's reader does the unpickling; this check makes sure that what it is
// handed is a well-formed archive of torch.save's layout, so that a truncated
// or corrupt file is refused with one line saying what is wrong with it.
// Torch-free, so that it can be fuzzed on its own (tests/fuzz/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deberta {

struct ZipEntry {
  std::string name;          // e.g. "pytorch_model/data.pkl"
  uint16_t method = 0;       // 0: stored (what torch.save writes), 8: deflated
  uint64_t data_offset = 0;  // file offset of the entry's data, after its local header
  uint64_t compressed_size = 0;
  uint64_t size = 0;
};

struct ZipListing {
  std::string archive;            // the folder every entry is in, e.g. "pytorch_model"
  std::vector<ZipEntry> entries;  // in central-directory order
};

// Reads and checks the central directory of a whole file: the end record
// (zip64 too), every entry's header, name and sizes, that each entry's data
// lies inside the file before the directory, that no two entries have the
// same name or overlap, and that there is exactly one ARCHIVE/data.pkl with
// every entry in the same ARCHIVE/ folder. Throws std::runtime_error with one
// line, "<source>: not a readable PyTorch checkpoint (<problem>)".
ZipListing check_torch_zip(std::string_view file_bytes, const std::string& source);

}  // namespace deberta
