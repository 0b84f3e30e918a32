// libFuzzer target for check_torch_zip, the check of a pytorch_model.bin's zip
// container before libtorch reads it: an accepted archive must be one whose
// entries a reader may trust.
#include <cstdint>

#include "fuzz_support.h"
#include "io/zip_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  deberta::ZipListing listing;
  if (!parses([&] { listing = deberta::check_torch_zip(bytes_of(data, size), "pytorch_model.bin"); },
              "pytorch_model.bin"))
    return 0;
  require(!listing.entries.empty() && !listing.archive.empty(), "an archive folder and entries");
  size_t pickles = 0;
  for (const auto& entry : listing.entries) {
    require(entry.data_offset <= size && entry.compressed_size <= size - entry.data_offset,
            "the entry's data lies in the file");
    require(entry.name.compare(0, listing.archive.size() + 1, listing.archive + "/") == 0,
            "the entry is in the archive folder");
    if (entry.name == listing.archive + "/data.pkl") ++pickles;
  }
  require(pickles == 1, "exactly one data.pkl");
  return 0;
}
