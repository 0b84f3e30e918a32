#include <catch2/catch.hpp>
#include <string>

#include "data/sha256.h"
#include "data_support.h"

using deberta::sha256_hex;

TEST_CASE("sha256 matches the FIPS 180-4 test vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 gives the same digest when the bytes arrive in pieces") {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes.push_back(static_cast<char>(i * 7));
  const std::string whole = sha256_hex(bytes);
  // Piece sizes that straddle the 64-byte block and the 56-byte padding limit.
  for (size_t piece : {1u, 55u, 56u, 63u, 64u, 65u, 127u}) {
    deberta::Sha256 hash;
    for (size_t at = 0; at < bytes.size(); at += piece) hash.update(std::string_view(bytes).substr(at, piece));
    INFO("piece size " << piece);
    CHECK(hash.hex_digest() == whole);
  }
}

TEST_CASE("sha256 of a file equals the digest that sha256sum prints for it") {
  // sha256sum tests/data/quirks/korsts/sts-dev.tsv
  CHECK(deberta::sha256_file(deberta::test::data_path("quirks/korsts/sts-dev.tsv")) ==
        "369a9dd5ef87430c9684cbe634721a4280f08773e11fde72f1c19bcf93cf8733");
}

TEST_CASE("sha256 of a missing file is an error naming it") {
  CHECK_THROWS_WITH(deberta::sha256_file("/nonexistent/x.tsv"), Catch::Contains("/nonexistent/x.tsv"));
}
