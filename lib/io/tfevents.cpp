#include "io/tfevents.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace deberta {

namespace {

// The reflected Castagnoli polynomial.
constexpr uint32_t kCastagnoli = 0x82F63B78u;
// TFRecord's masking constant.
constexpr uint32_t kMaskDelta = 0xA282EAD8u;
// The protobuf wire types the event messages use.
constexpr int kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5;
// A record's header: the length (8 bytes) and its masked CRC (4); its footer: the data's masked CRC.
constexpr size_t kHeader = 12, kFooter = 4;

const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kCastagnoli : 0u);
      t[i] = crc;
    }
    return t;
  }();
  return table;
}

// Little-endian bytes, whatever the host's order.
void put_little_endian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFu));
}

uint64_t get_little_endian(std::string_view bytes, size_t at, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7Fu) | 0x80u));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_key(std::string& out, int field, int wire_type) {
  put_varint(out, static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type));
}

void put_bytes(std::string& out, int field, std::string_view bytes) {
  put_key(out, field, kBytes);
  put_varint(out, bytes.size());
  out.append(bytes);
}

void put_double(std::string& out, int field, double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed64);
  put_little_endian(out, bits, 8);
}

void put_float(std::string& out, int field, float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed32);
  put_little_endian(out, bits, 4);
}

// Event's header fields: wall_time = 1, step = 2.
std::string event_header(double wall_time, int64_t step) {
  std::string event;
  put_double(event, 1, wall_time);
  put_key(event, 2, kVarint);
  put_varint(event, static_cast<uint64_t>(step));
  return event;
}

// One field of a protobuf message, as the decoder meets it.
struct Field {
  int number = 0;
  int wire_type = 0;
  uint64_t number_value = 0;  // a varint or a fixed32/fixed64's bits
  std::string_view bytes;     // a length-delimited field's content
};

// Reads protobuf fields one by one; throws std::runtime_error naming the
// source and offset when the message is malformed.
class FieldReader {
 public:
  FieldReader(std::string_view message, const std::string& source, size_t offset)
      : message_(message), source_(source), offset_(offset) {}

  std::optional<Field> next() {
    if (at_ == message_.size()) return std::nullopt;
    const uint64_t key = varint();
    Field field;
    field.number = static_cast<int>(key >> 3);
    field.wire_type = static_cast<int>(key & 7u);
    if (field.wire_type == kVarint) {
      field.number_value = varint();
    } else if (field.wire_type == kFixed64 || field.wire_type == kFixed32) {
      const int count = field.wire_type == kFixed64 ? 8 : 4;
      need(static_cast<uint64_t>(count));
      field.number_value = get_little_endian(message_, at_, count);
      at_ += static_cast<size_t>(count);
    } else if (field.wire_type == kBytes) {
      const uint64_t length = varint();
      need(length);
      field.bytes = message_.substr(at_, static_cast<size_t>(length));
      at_ += static_cast<size_t>(length);
    } else {
      fail(fmt::format("unsupported protobuf wire type {}", field.wire_type));
    }
    return field;
  }

 private:
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      const auto byte = static_cast<unsigned char>(message_[at_++]);
      value |= static_cast<uint64_t>(byte & 0x7Fu) << shift;
      if ((byte & 0x80u) == 0) return value;
    }
    fail("a varint longer than 10 bytes");
  }
  void need(uint64_t count) {
    if (count > message_.size() - at_) fail("a field runs past the end of its message");
  }
  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(
        fmt::format("{}: not a TensorBoard event file ({} in the record at byte {})", source_, problem, offset_));
  }

  std::string_view message_;
  const std::string& source_;
  size_t offset_;
  size_t at_ = 0;
};

float float_of(uint64_t bits) {
  const auto narrow = static_cast<uint32_t>(bits);
  float value = 0;
  std::memcpy(&value, &narrow, sizeof value);
  return value;
}

ScalarValue decode_value(std::string_view message, const std::string& source, size_t offset) {
  ScalarValue value;
  FieldReader reader(message, source, offset);
  while (const auto field = reader.next()) {
    if (field->number == 1 && field->wire_type == kBytes) value.tag = std::string(field->bytes);
    if (field->number == 2 && field->wire_type == kFixed32) value.value = float_of(field->number_value);
  }
  return value;
}

DecodedEvent decode_event(std::string_view message, const std::string& source, size_t offset) {
  DecodedEvent event;
  FieldReader reader(message, source, offset);
  while (const auto field = reader.next()) {
    if (field->number == 1 && field->wire_type == kFixed64)
      std::memcpy(&event.wall_time, &field->number_value, sizeof event.wall_time);
    if (field->number == 2 && field->wire_type == kVarint) event.step = static_cast<int64_t>(field->number_value);
    if (field->number == 3 && field->wire_type == kBytes) event.file_version = std::string(field->bytes);
    if (field->number == 5 && field->wire_type == kBytes) {
      FieldReader summary(field->bytes, source, offset);
      while (const auto value = summary.next())
        if (value->number == 1 && value->wire_type == kBytes)
          event.values.push_back(decode_value(value->bytes, source, offset));
    }
  }
  return event;
}

// The record at `at`: its data, or nothing when it is cut short or a checksum does not match.
std::optional<std::string_view> record_at(std::string_view bytes, size_t at) {
  if (bytes.size() - at < kHeader) return std::nullopt;
  const std::string_view length_bytes = bytes.substr(at, 8);
  if (masked_crc32c(length_bytes) != get_little_endian(bytes, at + 8, 4)) return std::nullopt;
  const uint64_t length = get_little_endian(bytes, at, 8);
  if (length > bytes.size() - at - kHeader || bytes.size() - at - kHeader - length < kFooter) return std::nullopt;
  const std::string_view data = bytes.substr(at + kHeader, static_cast<size_t>(length));
  if (masked_crc32c(data) != get_little_endian(bytes, at + kHeader + length, 4)) return std::nullopt;
  return data;
}

}  // namespace

uint32_t crc32c(std::string_view data) {
  const auto& table = crc_table();
  uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) crc = table[(crc ^ static_cast<unsigned char>(c)) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t masked_crc32c(std::string_view data) {
  const uint32_t crc = crc32c(data);
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

std::string scalar_event(double wall_time, int64_t step, const std::vector<ScalarValue>& values) {
  std::string summary;
  for (const auto& scalar : values) {
    std::string value;
    put_bytes(value, 1, scalar.tag);    // Summary.Value.tag
    put_float(value, 2, scalar.value);  // Summary.Value.simple_value
    put_bytes(summary, 1, value);       // Summary.value (repeated)
  }
  std::string event = event_header(wall_time, step);
  put_bytes(event, 5, summary);  // Event.summary
  return event;
}

std::string file_version_event(double wall_time) {
  std::string event = event_header(wall_time, 0);
  put_bytes(event, 3, "brain.Event:2");  // Event.file_version
  return event;
}

std::string tfrecord(std::string_view data) {
  std::string length;
  put_little_endian(length, data.size(), 8);
  std::string record = length;
  put_little_endian(record, masked_crc32c(length), 4);
  record.append(data);
  put_little_endian(record, masked_crc32c(data), 4);
  return record;
}

size_t intact_records_size(std::string_view bytes) {
  size_t at = 0;
  while (const auto data = record_at(bytes, at)) at += kHeader + data->size() + kFooter;
  return at;
}

std::vector<DecodedEvent> decode_event_file(std::string_view bytes, const std::string& source) {
  std::vector<DecodedEvent> events;
  size_t at = 0;
  while (at < bytes.size()) {
    const auto data = record_at(bytes, at);
    if (!data)
      throw std::runtime_error(fmt::format(
          "{}: not a TensorBoard event file (the record at byte {} is cut short or fails its checksum)", source, at));
    events.push_back(decode_event(*data, source, at));
    at += kHeader + data->size() + kFooter;
  }
  return events;
}

std::string event_file_name(int64_t seconds, const std::string& host, long pid) {
  return fmt::format("events.out.tfevents.{:010d}.{}.{}", seconds, host, pid);
}

bool is_event_file_name(const std::string& name) { return name.find(".tfevents.") != std::string::npos; }

EventFileWriter::EventFileWriter(std::string path)
    : path_(std::move(path)), out_(path_, std::ios::binary | std::ios::app) {
  if (!out_) throw std::runtime_error(path_ + ": cannot open the event file for writing");
  out_.seekp(0, std::ios::end);
  size_ = static_cast<uintmax_t>(out_.tellp());
}

void EventFileWriter::append(std::string_view event) {
  const std::string record = tfrecord(event);
  out_.write(record.data(), static_cast<std::streamsize>(record.size()));
  out_.flush();
  if (!out_) throw std::runtime_error(path_ + ": cannot write the event file (is the disk full?)");
  size_ += record.size();
}

}  // namespace deberta
