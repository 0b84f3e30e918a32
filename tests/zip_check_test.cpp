// The check of a pytorch_model.bin's zip container (io/zip_check.h), on zips
// built here byte by byte and on the fixtures' checkpoints.
#include "io/zip_check.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace {

using Catch::Matchers::Contains;
using deberta::check_torch_zip;

void put(std::string& out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

struct ZipOptions {
  bool zip64 = false;      // write the end records in the zip64 form
  uint16_t method = 0;     // of every entry
  int64_t size_delta = 0;  // added to the central directory's size of the last entry
};

// A zip archive of stored entries, as torch.save writes one (without CRCs,
// which the check does not read).
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries, const ZipOptions& options = {}) {
  std::string out, directory;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [name, data] = entries[i];
    const uint64_t local = out.size();
    put(out, 0x04034b50, 4);
    put(out, 20, 2);
    put(out, 0, 2);
    put(out, options.method, 2);
    put(out, 0, 4);  // time and date
    put(out, 0, 4);  // crc
    put(out, data.size(), 4);
    put(out, data.size(), 4);
    put(out, name.size(), 2);
    put(out, 0, 2);
    out += name + data;
    const uint64_t size = data.size() + (i + 1 == entries.size() ? options.size_delta : 0);
    put(directory, 0x02014b50, 4);
    put(directory, 20, 2);
    put(directory, 20, 2);
    put(directory, 0, 2);
    put(directory, options.method, 2);
    put(directory, 0, 4);
    put(directory, 0, 4);
    put(directory, size, 4);
    put(directory, size, 4);
    put(directory, name.size(), 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 4);
    put(directory, local, 4);
    directory += name;
  }
  const uint64_t directory_offset = out.size();
  out += directory;
  if (options.zip64) {
    const uint64_t record = out.size();
    put(out, 0x06064b50, 4);
    put(out, 44, 8);
    put(out, 45, 2);
    put(out, 45, 2);
    put(out, 0, 4);
    put(out, 0, 4);
    put(out, entries.size(), 8);
    put(out, entries.size(), 8);
    put(out, directory.size(), 8);
    put(out, directory_offset, 8);
    put(out, 0x07064b50, 4);
    put(out, 0, 4);
    put(out, record, 8);
    put(out, 1, 4);
  }
  put(out, 0x06054b50, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, options.zip64 ? 0xFFFF : entries.size(), 2);
  put(out, options.zip64 ? 0xFFFF : entries.size(), 2);
  put(out, options.zip64 ? 0xFFFFFFFF : directory.size(), 4);
  put(out, options.zip64 ? 0xFFFFFFFF : directory_offset, 4);
  put(out, 0, 2);
  return out;
}

const std::vector<std::pair<std::string, std::string>> kTorchLayout = {
    {"archive/data.pkl", "\x80\x02}q\x00."}, {"archive/data/0", std::string(16, '\0')}, {"archive/version", "3\n"}};

std::string refusal(const std::string& bytes) {
  try {
    check_torch_zip(bytes, "dir/pytorch_model.bin");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("a zip of torch.save's layout passes the check with its entries listed") {
  const std::string bytes = make_zip(kTorchLayout);
  const auto listing = check_torch_zip(bytes, "pytorch_model.bin");
  CHECK(listing.archive == "archive");
  REQUIRE(listing.entries.size() == 3);
  CHECK(listing.entries[1].name == "archive/data/0");
  CHECK(listing.entries[1].size == 16);
  CHECK(bytes.substr(listing.entries[0].data_offset, listing.entries[0].size) == kTorchLayout[0].second);
}

TEST_CASE("every fixture's pytorch_model.bin passes the zip check") {
  for (const char* name : deberta::test::kFixtures) {
    const std::string bytes = deberta::test::read_text(deberta::test::fixture_dir(name) + "/pytorch_model.bin");
    const auto listing = check_torch_zip(bytes, name);
    CHECK(listing.archive == "pytorch_model");
    CHECK(listing.entries.size() > 10);
  }
}

TEST_CASE("a zip whose end records are in the zip64 form passes the check") {
  const auto listing = check_torch_zip(make_zip(kTorchLayout, {true}), "pytorch_model.bin");
  CHECK(listing.entries.size() == 3);
}

TEST_CASE("a truncated pytorch_model.bin is refused with one line naming the file") {
  const std::string bytes = make_zip(kTorchLayout);
  for (const size_t length : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    const std::string message = refusal(bytes.substr(0, length));
    CHECK_THAT(message, Contains("dir/pytorch_model.bin: not a readable PyTorch checkpoint ("));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("a zip entry whose data runs past the central directory is refused") {
  CHECK_THAT(refusal(make_zip(kTorchLayout, {false, 0, 1000})), Contains("run past the end of the data"));
}

TEST_CASE("a zip entry named as a path outside the archive is refused") {
  for (const char* name : {"../data.pkl", "/archive/data.pkl", "archive/../../x", "archive\\data.pkl"}) {
    auto entries = kTorchLayout;
    entries.emplace_back(name, "x");
    CHECK_THAT(refusal(make_zip(entries)), Contains("bad entry name"));
  }
}

TEST_CASE("a zip without the archive's data.pkl is refused") {
  CHECK_THAT(refusal(make_zip({{"archive/data/0", "abc"}, {"archive/version", "3\n"}})),
             Contains("has no \"archive/data.pkl\""));
}

TEST_CASE("a zip entry outside the first entry's folder is refused") {
  auto entries = kTorchLayout;
  entries.emplace_back("other/data/1", "x");
  CHECK_THAT(refusal(make_zip(entries)), Contains("is outside the folder \"archive\""));
}

TEST_CASE("a zip that names one entry twice is refused") {
  auto entries = kTorchLayout;
  entries.push_back(kTorchLayout[1]);
  CHECK_THAT(refusal(make_zip(entries)), Contains("zip entry \"archive/data/0\" appears twice (letter case aside)"));
}

TEST_CASE(
    "two entry names that differ only in letter case are refused, as libtorch's reader would take one for the other") {
  auto entries = kTorchLayout;
  entries.emplace_back("archive/DATA/0", "short");
  CHECK_THAT(refusal(make_zip(entries)), Contains("zip entry \"archive/DATA/0\" appears twice (letter case aside)"));
}

TEST_CASE("a zip with an archive comment is refused, so that no other end record can hide in it") {
  // libtorch's reader takes the last end-record signature it finds; with no
  // comment allowed, that is the record checked here.
  std::string zip = make_zip(kTorchLayout);
  zip[zip.size() - 2] = 5;  // the end record announces a 5-byte comment
  CHECK_THAT(refusal(zip + "hello"), Contains("the zip archive has a comment after its end record"));
  std::string announced = make_zip(kTorchLayout);
  announced[announced.size() - 2] = 1;
  CHECK_THAT(refusal(announced), Contains("the zip end record announces a comment"));
}

TEST_CASE("a zip entry compressed by a method other than stored or deflated is refused") {
  CHECK_THAT(refusal(make_zip(kTorchLayout, {false, 12})), Contains("uses compression method 12"));
}

TEST_CASE("an entry name with control characters is quoted in the one-line refusal") {
  auto entries = kTorchLayout;
  entries.emplace_back("archive/a\nb", "x");
  entries.emplace_back("archive/a\nb", "y");
  const std::string message = refusal(make_zip(entries));
  CHECK_THAT(message, Contains("\"archive/a\\nb\" appears twice"));
  CHECK(message.find('\n') == std::string::npos);
}
