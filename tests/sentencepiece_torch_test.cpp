// The regression test for the static-initialisation crash: Debian's shared
// libsentencepiece exports its embedded protobuf-lite, which collides with the
// libprotobuf.so.32 that libtorch loads. With the static, hidden build both
// must work side by side in one process.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.h"

using deberta::test::ScratchDir;

namespace {

std::vector<int> encode(const sentencepiece::SentencePieceProcessor& spm, const std::string& text) {
  std::vector<int> ids;
  const auto status = spm.Encode(text, &ids);
  REQUIRE(status.ok());
  return ids;
}

}  // namespace

TEST_CASE("sentencepiece encodes Korean text in the same process as libtorch") {
  sentencepiece::SentencePieceProcessor spm;
  const auto status = spm.Load(deberta::test::data_path("fixtures/deberta-v3-tiny/spm.model"));
  INFO(status.ToString());
  REQUIRE(status.ok());
  // golden.json case s00: [CLS] ▁비행기 가 ▁ 이 륙 하고 ▁있다 . [SEP]
  CHECK(encode(spm, "비행기가 이륙하고 있다.") == std::vector<int>{601, 11, 4, 8, 1381, 44, 15, 5});

  const auto ids = torch::tensor(encode(spm, "한 남자가 큰 플루트를 연주하고 있다."), torch::kLong);
  const auto embeddings = torch::arange(2000 * 4, torch::kFloat).reshape({2000, 4});
  const auto summed = embeddings.index_select(0, ids).sum(0);
  // Rows are 4*id .. 4*id+3, so column c sums to 4*sum(ids) + c*len(ids).
  const double id_sum = ids.sum().item<double>();
  const double count = static_cast<double>(ids.numel());
  for (int c = 0; c < 4; ++c) CHECK(summed[c].item<double>() == Approx(4 * id_sum + c * count));
}

TEST_CASE("a sentencepiece model trained in-process loads and encodes alongside libtorch") {
  const ScratchDir scratch;
  const std::filesystem::path dir = scratch.file("spm-test");
  std::filesystem::create_directories(dir);
  const std::string prefix = (dir / "tiny").string();
  const auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + deberta::test::data_path("corpus/korsts-train-600.txt") + " --model_prefix=" + prefix +
      " --vocab_size=600 --model_type=unigram --character_coverage=0.9995 --num_threads=1 --minloglevel=2");
  INFO(status.ToString());
  REQUIRE(status.ok());

  sentencepiece::SentencePieceProcessor spm;
  REQUIRE(spm.Load(prefix + ".model").ok());
  CHECK(spm.GetPieceSize() == 600);
  const auto ids = encode(spm, "한 남자가 큰 플루트를 연주하고 있다.");
  REQUIRE_FALSE(ids.empty());
  std::string decoded;
  REQUIRE(spm.Decode(ids, &decoded).ok());
  CHECK(decoded == "한 남자가 큰 플루트를 연주하고 있다.");

  const auto t = torch::tensor(ids, torch::kLong).to(torch::kFloat);
  CHECK(torch::matmul(t, t).item<double>() == Approx(t.pow(2).sum().item<double>()));
}
