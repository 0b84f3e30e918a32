// Text from an input file, made fit for a one-line error message.
#pragma once

#include <string>
#include <string_view>

namespace deberta {

// `text` with each control character (a newline among them) written as an
// escape: \n, \r, \t, or \xNN. Any other byte is kept, so ordinary text,
// Korean included, reads as it is.
std::string one_line(std::string_view text);

}  // namespace deberta
