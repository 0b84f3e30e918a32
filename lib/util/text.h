// Text from an input file, made fit for a one-line error message.
#pragma once

#include <string>
#include <string_view>

namespace deberta {

// `text` with each control character (a newline among them) written as an
// escape: \n, \r, \t, or \xNN. Any other byte is kept, so ordinary text,
// Korean included, reads as it is.
std::string one_line(std::string_view text);

// Whether `text` is well-formed UTF-8 (no stray continuation byte, no
// truncated or overlong sequence, no surrogate) with no control character
// but the tab: text a YAML file can hold as a plain value and read back.
bool is_plain_utf8_text(std::string_view text);

// `text` as a JSON string, quotes and escapes included, for a name from an
// input file in a one-line error (bytes that are not UTF-8 become U+FFFD).
std::string json_quoted(std::string_view text);

}  // namespace deberta
