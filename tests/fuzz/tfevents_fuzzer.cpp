// libFuzzer target for a TensorBoard event file as a resume reads it back
// (intact_records_size, which cuts a damaged file back) and as the tests
// decode it (decode_event_file): the intact prefix lies in the file and
// decodes, and a file that decodes whole is intact to its end.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "io/tfevents.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deberta::fuzz;
  const std::string_view bytes = bytes_of(data, size);
  const size_t intact = deberta::intact_records_size(bytes);
  require(intact <= size, "the intact prefix lies in the file");
  if (parses([&] { deberta::decode_event_file(bytes, "events.out.tfevents.1"); }, "events.out.tfevents.1"))
    require(intact == size, "a file that decodes whole is intact to its end");
  // Whole records: what a resume keeps is framed right, whatever its messages hold.
  parses([&] { deberta::decode_event_file(bytes.substr(0, intact), "kept"); }, "kept");
  return 0;
}
