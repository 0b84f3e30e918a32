#include "io/zip_check.h"
#include "util/text.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace deberta {

namespace {

// Record signatures and fixed sizes, from PKWARE's APPNOTE.TXT.
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndOfDirectorySize = 22;
constexpr size_t kZip64EndOfDirectorySize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kMaxCommentSize = 0xFFFF;
constexpr uint16_t kZip64ExtraId = 0x0001;

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": not a readable PyTorch checkpoint (" + problem + ")");
}

// Little-endian reads at an offset the caller has checked.
uint64_t read_le(std::string_view bytes, uint64_t offset, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}
uint16_t u16(std::string_view bytes, uint64_t offset) { return static_cast<uint16_t>(read_le(bytes, offset, 2)); }
uint32_t u32(std::string_view bytes, uint64_t offset) { return static_cast<uint32_t>(read_le(bytes, offset, 4)); }
uint64_t u64(std::string_view bytes, uint64_t offset) { return read_le(bytes, offset, 8); }

// Whether [offset, offset + length) lies in [0, limit), without overflow.
bool fits(uint64_t offset, uint64_t length, uint64_t limit) { return offset <= limit && length <= limit - offset; }

struct Directory {
  uint64_t offset = 0;  // of the first central header
  uint64_t size = 0;
  uint64_t entries = 0;
};

// The end-of-central-directory record is the last 22 bytes of the file:
// torch.save writes no archive comment, and a reader that searches the
// comment for the record (libtorch's miniz takes the last signature it sees)
// could be sent to another central directory than the one checked here. A
// zip64 locator just before it points to
// a zip64 end record, whose fields then count; the end record's fields are
// all ones where only the zip64 record can hold the value.
Directory read_end_records(std::string_view bytes, const std::string& source) {
  if (bytes.size() < kEndOfDirectorySize)
    fail(source, "the file is " + std::to_string(bytes.size()) + " bytes, too short for a zip archive");
  const uint64_t end = bytes.size() - kEndOfDirectorySize;
  if (u32(bytes, end) != kEndOfDirectory) {
    const uint64_t first = end > kMaxCommentSize ? end - kMaxCommentSize : 0;
    for (uint64_t at = end; at-- > first;)
      if (u32(bytes, at) == kEndOfDirectory)
        fail(source, "the zip archive has a comment after its end record (torch.save writes none)");
    fail(source, "no zip end-of-central-directory record; not a zip archive (a truncated file?)");
  }
  if (u16(bytes, end + 20) != 0) fail(source, "the zip end record announces a comment (torch.save writes none)");
  if (u16(bytes, end + 4) != 0 || u16(bytes, end + 6) != 0) fail(source, "a zip archive split over several disks");
  Directory directory;
  directory.entries = u16(bytes, end + 10);
  directory.size = u32(bytes, end + 12);
  directory.offset = u32(bytes, end + 16);
  if (u16(bytes, end + 8) != directory.entries) fail(source, "the zip end record's two entry counts differ");
  const bool needs_zip64 =
      directory.entries == 0xFFFF || directory.size == 0xFFFFFFFF || directory.offset == 0xFFFFFFFF;
  // torch.save writes the zip64 records whatever the archive's size.
  const bool has_locator = end >= kZip64LocatorSize && u32(bytes, end - kZip64LocatorSize) == kZip64Locator;
  if (needs_zip64 && !has_locator)
    fail(source, "the zip end record asks for a zip64 record but has no zip64 locator before it");
  uint64_t directory_end = end;  // the central directory ends where the end records begin
  if (has_locator) {
    const uint64_t locator = end - kZip64LocatorSize;
    const uint64_t record = u64(bytes, locator + 8);
    if (!fits(record, kZip64EndOfDirectorySize, locator) || u32(bytes, record) != kZip64EndOfDirectory)
      fail(source, "the zip64 locator points to no zip64 end record");
    if (u32(bytes, record + 16) != 0 || u32(bytes, record + 20) != 0)
      fail(source, "a zip archive split over several disks");
    directory.entries = u64(bytes, record + 32);
    if (u64(bytes, record + 24) != directory.entries) fail(source, "the zip64 end record's two entry counts differ");
    directory.size = u64(bytes, record + 40);
    directory.offset = u64(bytes, record + 48);
    directory_end = record;
  }
  if (!fits(directory.offset, directory.size, directory_end) || directory.offset + directory.size != directory_end)
    fail(source, "the zip central directory [" + std::to_string(directory.offset) + ", +" +
                     std::to_string(directory.size) + ") does not end where the end record begins (" +
                     std::to_string(directory_end) + ")");
  if (directory.entries > directory.size / kCentralHeaderSize)
    fail(source, "the zip end record counts " + std::to_string(directory.entries) +
                     " entries, more than the central directory can hold");
  return directory;
}

// A zip64 extra field replaces, in this order, the sizes and the local
// header's offset that the central header wrote as all ones.
void read_zip64_extra(std::string_view extra, uint64_t& size, uint64_t& compressed_size, uint64_t& local_offset,
                      const std::string& where, const std::string& source) {
  uint64_t at = 0;
  bool seen_zip64 = false;
  while (at + 4 <= extra.size()) {
    const uint16_t id = u16(extra, at);
    const uint16_t length = u16(extra, at + 2);
    at += 4;
    if (length > extra.size() - at) fail(source, where + ": an extra field runs past its header");
    if (id == kZip64ExtraId) {
      // miniz (libtorch's reader) reads the first zip64 field only: a
      // second could make the sizes here differ from the ones it uses.
      if (seen_zip64) fail(source, where + ": two zip64 extra fields");
      seen_zip64 = true;
      uint64_t field = at;
      for (uint64_t* value : {&size, &compressed_size, &local_offset}) {
        if (*value != 0xFFFFFFFF) continue;
        if (field + 8 > at + length) fail(source, where + ": the zip64 extra field is too short");
        *value = u64(extra, field);
        field += 8;
      }
    }
    at += length;
  }
}

// A name that a reader could take for a path outside the archive, or that
// the one-folder layout does not allow.
bool is_bad_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string_view::npos ||
      name.find('\\') != std::string_view::npos)
    return true;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = std::min(name.find('/', start), name.size());
    if (name.substr(start, slash - start) == "..") return true;
    start = slash + 1;
  }
  return false;
}

}  // namespace

ZipListing check_torch_zip(std::string_view bytes, const std::string& source) {
  const Directory directory = read_end_records(bytes, source);
  ZipListing listing;
  std::set<std::string> names;  // folded to lower case
  uint64_t at = directory.offset;
  const uint64_t directory_end = directory.offset + directory.size;
  for (uint64_t index = 0; index < directory.entries; ++index) {
    const std::string where = "zip entry " + std::to_string(index);
    if (!fits(at, kCentralHeaderSize, directory_end) || u32(bytes, at) != kCentralHeader)
      fail(source, where + ": no central directory header where one should be");
    const uint16_t flags = u16(bytes, at + 8);
    ZipEntry entry;
    entry.method = u16(bytes, at + 10);
    entry.compressed_size = u32(bytes, at + 20);
    entry.size = u32(bytes, at + 24);
    const uint64_t name_length = u16(bytes, at + 28);
    const uint64_t extra_length = u16(bytes, at + 30);
    const uint64_t comment_length = u16(bytes, at + 32);
    uint64_t local_offset = u32(bytes, at + 42);
    if (!fits(at + kCentralHeaderSize, name_length + extra_length + comment_length, directory_end))
      fail(source, where + ": its name and extra fields run past the central directory");
    const std::string_view name = bytes.substr(at + kCentralHeaderSize, name_length);
    const std::string_view extra = bytes.substr(at + kCentralHeaderSize + name_length, extra_length);
    at += kCentralHeaderSize + name_length + extra_length + comment_length;

    if (is_bad_name(name)) fail(source, where + ": bad entry name " + json_quoted(name));
    const std::string named = "zip entry " + json_quoted(name);
    // miniz finds entries by name ignoring case: data/0 and DATA/0 would be
    // one name to libtorch and two here.
    std::string folded(name);
    std::transform(folded.begin(), folded.end(), folded.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!names.insert(folded).second) fail(source, named + " appears twice (letter case aside)");
    if (flags & 0x1) fail(source, named + " is encrypted");
    if (entry.method != 0 && entry.method != 8)
      fail(source, named + " uses compression method " + std::to_string(entry.method) +
                       " (torch.save stores entries uncompressed)");
    read_zip64_extra(extra, entry.size, entry.compressed_size, local_offset, named, source);
    if (entry.method == 0 && entry.compressed_size != entry.size)
      fail(source, named + " is stored but its sizes differ (" + std::to_string(entry.compressed_size) + " and " +
                       std::to_string(entry.size) + ")");

    // The local header repeats the name; the data follows it.
    if (!fits(local_offset, kLocalHeaderSize, directory.offset) || u32(bytes, local_offset) != kLocalHeader)
      fail(source, named + ": no local header at offset " + std::to_string(local_offset));
    const uint64_t local_name_length = u16(bytes, local_offset + 26);
    const uint64_t local_extra_length = u16(bytes, local_offset + 28);
    if (!fits(local_offset + kLocalHeaderSize, local_name_length + local_extra_length, directory.offset) ||
        bytes.substr(local_offset + kLocalHeaderSize, local_name_length) != name)
      fail(source, named + ": the local header names another entry");
    entry.data_offset = local_offset + kLocalHeaderSize + local_name_length + local_extra_length;
    if (!fits(entry.data_offset, entry.compressed_size, directory.offset))
      fail(source, named + ": its " + std::to_string(entry.compressed_size) + " bytes of data at offset " +
                       std::to_string(entry.data_offset) + " run past the end of the data (" +
                       std::to_string(directory.offset) + " bytes; a truncated file?)");
    entry.name = std::string(name);
    listing.entries.push_back(std::move(entry));
  }
  if (at != directory_end) fail(source, "the zip central directory has bytes after its last entry");
  if (listing.entries.empty()) fail(source, "the zip archive is empty");

  // Sorted by offset, two entries' data overlap only if neighbours do.
  std::vector<const ZipEntry*> by_offset;
  for (const auto& entry : listing.entries) by_offset.push_back(&entry);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const ZipEntry* a, const ZipEntry* b) { return a->data_offset < b->data_offset; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i - 1]->data_offset + by_offset[i - 1]->compressed_size > by_offset[i]->data_offset)
      fail(source, "zip entries " + json_quoted(by_offset[i - 1]->name) + " and " + json_quoted(by_offset[i]->name) +
                       " overlap");

  // torch.save's layout: ARCHIVE/data.pkl, ARCHIVE/data/0, ... in one folder.
  const std::string& first = listing.entries.front().name;
  const size_t slash = first.find('/');
  if (slash == std::string::npos || slash == 0)
    fail(source, "zip entry " + json_quoted(first) + " is not inside a folder, as torch.save writes every entry");
  listing.archive = first.substr(0, slash);
  const std::string prefix = listing.archive + "/";
  size_t pickles = 0;
  for (const auto& entry : listing.entries) {
    if (entry.name.compare(0, prefix.size(), prefix) != 0)
      fail(source, "zip entry " + json_quoted(entry.name) + " is outside the folder " + json_quoted(listing.archive) +
                       " that the first entry is in");
    if (entry.name == prefix + "data.pkl") ++pickles;
  }
  if (pickles == 0) fail(source, "the zip archive has no " + json_quoted(prefix + "data.pkl"));
  return listing;
}

}  // namespace deberta
