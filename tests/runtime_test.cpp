#include <ATen/Parallel.h>

#include <catch2/catch.hpp>
#include <stdexcept>

#include "runtime/runtime.h"

TEST_CASE("configure_threads sets libtorch's intra-op thread count") {
  deberta::configure_threads(2);
  CHECK(at::get_num_threads() == 2);
  deberta::configure_threads(1);
  CHECK(at::get_num_threads() == 1);
}

TEST_CASE("configure_threads rejects a thread count below 1") {
  CHECK_THROWS_AS(deberta::configure_threads(0), std::invalid_argument);
}

TEST_CASE("available_cores reports at least one core") { CHECK(deberta::available_cores() >= 1); }

TEST_CASE("the reference BLAS gets one warning line that names libopenblas0-openmp") {
  deberta::BlasInfo reference{"/usr/lib/x86_64-linux-gnu/blas/libblas.so.3", true};
  const std::string warning = deberta::blas_warning(reference);
  CHECK(warning.find("libopenblas0-openmp") != std::string::npos);
  CHECK(warning.find('\n') == std::string::npos);
}

TEST_CASE("an optimised BLAS gets no warning") {
  deberta::BlasInfo openblas{"/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3", false};
  CHECK(deberta::blas_warning(openblas).empty());
}

TEST_CASE("the BLAS that libtorch loaded here is found") {
  // scripts/setup.sh installs libopenblas0-openmp, which Debian's alternatives
  // make the default libblas.so.3; the test environment must not be slow.
  const auto blas = deberta::detect_blas();
  INFO("detected BLAS: " << blas.library);
  CHECK(blas.library != "unknown");
  CHECK_FALSE(blas.is_reference);
}
