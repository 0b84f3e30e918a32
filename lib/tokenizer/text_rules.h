// The two text rules that HF's slow DebertaV2Tokenizer applies before
// SentencePiece sees the text: do_lower_case and split_by_punct.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deberta {

// Lower-cases UTF-8 text as Python's str.lower() does, with one exception: a
// word-final capital sigma becomes σ, not ς. Bytes that are not valid UTF-8
// pass through unchanged.
std::string lower_case(std::string_view text);

// HF's _run_split_on_punc: every punctuation character becomes a word of its
// own and each run of other characters (spaces included) is one word, so
// "a, b" gives "a", ",", " b". The views point into `text`.
std::vector<std::string_view> split_on_punctuation(std::string_view text);

}  // namespace deberta
