#include <sentencepiece_processor.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train_tokenizer.h"

namespace fs = std::filesystem;
using deberta::test::ScratchDir;

TEST_CASE("train-tokenizer writes a DeBERTa-v3 style spm model that the tokenizer loads", "[cli]") {
  const ScratchDir scratch;
  const fs::path dir = scratch.file("train-tokenizer");
  const auto result =
      deberta::test::run_cli("train-tokenizer --input '" + deberta::test::data_path("corpus/korsts-train-600.txt") +
                             "' --output-dir '" + dir.string() + "' --vocab-size 600");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto tokenizer = deberta::load_tokenizer(dir.string());
  const auto& special = tokenizer.special_tokens();
  CHECK(special.pad.id == 0);
  CHECK(special.cls.id == 1);
  CHECK(special.sep.id == 2);
  CHECK(special.unk.id == 3);
  CHECK(special.mask.id == 600);  // after the last piece, as DeBERTa-v3
  const auto encoding = tokenizer.encode("비행기가 이륙하고 있다.", std::nullopt, 0);
  CHECK(encoding.input_ids.front() == 1);
  CHECK(encoding.input_ids.back() == 2);
}

TEST_CASE("training the same corpus twice gives the same pieces and scores") {
  const ScratchDir scratch;
  const fs::path first = scratch.file("spm-a");
  const fs::path second = scratch.file("spm-b");
  const std::string corpus = deberta::test::data_path("corpus/korsts-train-600.txt");
  deberta::train_tokenizer({corpus, first.string(), 500});
  deberta::train_tokenizer({corpus, second.string(), 500});
  // The files differ in the training paths that spm records, so compare the vocabularies.
  sentencepiece::SentencePieceProcessor a, b;
  REQUIRE(a.Load((first / "spm.model").string()).ok());
  REQUIRE(b.Load((second / "spm.model").string()).ok());
  REQUIRE(a.GetPieceSize() == b.GetPieceSize());
  for (int id = 0; id < a.GetPieceSize(); ++id) {
    INFO("piece " << id);
    CHECK(a.IdToPiece(id) == b.IdToPiece(id));
    CHECK(a.GetScore(id) == b.GetScore(id));
  }
}

TEST_CASE("train-tokenizer names a missing input file") {
  CHECK_THROWS_WITH(deberta::train_tokenizer({"/nonexistent/corpus.txt", "/tmp/unused", 100}),
                    Catch::Contains("/nonexistent/corpus.txt: no such file"));
}
