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

TEST_CASE("the libtorch description names version 2.11.0 and whether CUDA is built in") {
  const std::string line = deberta::describe_torch();
  INFO(line);
  CHECK(line.rfind("libtorch 2.11.0", 0) == 0);
  INFO("expected the ATen CPU kernels in use, e.g. CPU kernels AVX2");
  CHECK(line.find("CPU kernels " + deberta::cpu_capability()) != std::string::npos);
  const auto cuda = deberta::cuda_info();
#ifdef DEBERTA_BENCH_WITH_CUDA
  CHECK(cuda.built_in);
  INFO("expected the CUDA runtime version libtorch was built with, not an error");
  CHECK(cuda.version.find("unknown") == std::string::npos);
  CHECK(line.find("CUDA " + cuda.version + " built in") != std::string::npos);
#else
  CHECK_FALSE(cuda.built_in);
  CHECK(line.find("CPU only") != std::string::npos);
#endif
}
