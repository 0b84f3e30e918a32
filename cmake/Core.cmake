# The sources split in two libraries by one rule: a file that includes a
# torch header itself (<torch/...>, <ATen/...> or <c10/...>) uses torch;
# every other file is torch-free. The folders are layers (see
# scripts/check-layers.sh); the libraries only keep torch's headers, and its
# 20 s precompiled header, away from the files that do not need them.
# Re-run cmake after giving a torch-free file its first torch include.
# Shared by the project and by the builds that leave torch out (tests/fuzz,
# tests/sanitize).
function(deberta_bench_split_by_torch out_torch out_free)
  set(torch_files)
  set(free_files)
  foreach(file ${ARGN})
    file(STRINGS ${file} torch_includes REGEX "^#include <(torch|ATen|c10)/")
    if(torch_includes)
      list(APPEND torch_files ${file})
    else()
      list(APPEND free_files ${file})
    endif()
  endforeach()
  set(${out_torch} ${torch_files} PARENT_SCOPE)
  set(${out_free} ${free_files} PARENT_SCOPE)
endfunction()

# The torch-free sources of lib/ and tasks/ under `root`, the core library's.
function(deberta_bench_core_sources out root)
  file(GLOB_RECURSE all_sources CONFIGURE_DEPENDS ${root}/lib/*.cpp ${root}/tasks/*.cpp)
  deberta_bench_split_by_torch(torch_sources free_sources ${all_sources})
  set(${out} ${free_sources} PARENT_SCOPE)
endfunction()

# The torch-free core library, `deberta_bench_core`, over the sources of the
# checkout at `root`: torch's headers are not on its include path, so it
# compiles fast and none of its files can grow a torch dependency by accident.
# The project defines it this way, and so do the builds without torch, which
# give it their own compile flags (sanitizers, fuzzer coverage).
function(deberta_bench_add_core root)
  file(STRINGS ${root}/CMakeLists.txt project_line REGEX "^project\\(deberta-bench VERSION")
  string(REGEX MATCH "VERSION ([0-9.]+)" _ "${project_line}")
  set(version ${CMAKE_MATCH_1})
  deberta_bench_core_sources(core_sources ${root})
  add_library(deberta_bench_core STATIC ${core_sources})
  target_include_directories(deberta_bench_core PUBLIC ${root}/lib ${root})
  # libcurl (Debian's libcurl4-openssl-dev) for the Hugging Face Hub downloads (lib/hub/).
  # 7.85: CURLOPT_PROTOCOLS_STR, and redirects drop the Authorization header across hosts and ports.
  find_package(CURL 7.85 REQUIRED)
  # ICU (Debian's libicu-dev) for the Unicode rules of the BERT and KoBERT tokenizers (lib/tokenizer/).
  find_package(ICU 72 REQUIRED COMPONENTS uc)
  target_link_libraries(deberta_bench_core PUBLIC sentencepiece::static fmt::fmt yaml-cpp nlohmann_json::nlohmann_json
                                                CURL::libcurl ICU::uc)
  target_compile_options(deberta_bench_core PRIVATE -Wall -Wextra)
  target_compile_definitions(deberta_bench_core PUBLIC
    DEBERTA_BENCH_VERSION="${version}"
    DEBERTA_BENCH_SPM_VERSION="${SENTENCEPIECE_VERSION}")
endfunction()
