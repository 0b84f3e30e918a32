// TensorBoard event files, written by hand: TFRecord framing (a length, a
// masked CRC32C of it, the data, a masked CRC32C of the data) around
// tensorflow.Event messages whose Summary holds scalar (simple_value)
// values. Only the few protobuf fields that scalars need are encoded, so
// neither TensorFlow nor a protobuf library is a dependency. Torch-free.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace deberta {

// CRC-32C (Castagnoli), as TFRecord uses it; crc32c("123456789") = 0xE3069283.
uint32_t crc32c(std::string_view data);
// TFRecord's masked form of a CRC: rotated right by 15 bits plus a constant,
// so that a CRC of data that holds CRCs stays well distributed.
uint32_t masked_crc32c(std::string_view data);

struct ScalarValue {
  std::string tag;
  float value = 0;
};

// One Event: wall_time (seconds since the epoch), step and a Summary of
// scalar values.
std::string scalar_event(double wall_time, int64_t step, const std::vector<ScalarValue>& values);
// The Event that starts every file: file_version "brain.Event:2".
std::string file_version_event(double wall_time);
// `data` framed as one TFRecord.
std::string tfrecord(std::string_view data);

// The length of the longest prefix of `bytes` made of whole records whose
// checksums match: where a file damaged or cut short mid-record stops
// being readable.
size_t intact_records_size(std::string_view bytes);

// An Event read back (the fields scalar_event and file_version_event write).
struct DecodedEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  std::vector<ScalarValue> values;
};
// Every record of an event file, decoded. Throws std::runtime_error naming
// `source` and the byte offset at a damaged record or message.
std::vector<DecodedEvent> decode_event_file(std::string_view bytes, const std::string& source);

// The name TensorBoard looks for: events.out.tfevents.<seconds>.<host>.<pid>.
std::string event_file_name(int64_t seconds, const std::string& host, long pid);
// Whether a file name is an event file's (it holds ".tfevents.").
bool is_event_file_name(const std::string& name);

// An event file open for appending. Every record is flushed at once, so a
// reader (TensorBoard) sees each step as it is logged, and a killed process
// leaves at most one partial record at the end.
class EventFileWriter {
 public:
  EventFileWriter() = default;
  // Opens `path` for appending (creating it); throws std::runtime_error naming it.
  explicit EventFileWriter(std::string path);

  bool is_open() const { return out_.is_open(); }
  const std::string& path() const { return path_; }
  // Appends `event` as one record and flushes; throws std::runtime_error naming the file.
  void append(std::string_view event);
  // The file's size: the records written so far.
  uintmax_t size() const { return size_; }

 private:
  std::string path_;
  std::ofstream out_;
  uintmax_t size_ = 0;
};

}  // namespace deberta
