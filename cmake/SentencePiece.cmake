# SentencePiece, built from Debian's source package by scripts/setup.sh as a
# static library with hidden symbols (see the README for why not the shared one).
set(SENTENCEPIECE_VERSION 0.1.97)
set(SENTENCEPIECE_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/../third_party/sentencepiece-${SENTENCEPIECE_VERSION}"
    CACHE PATH "SentencePiece source tree")
set(SENTENCEPIECE_BUILD_DIR "${CMAKE_CURRENT_LIST_DIR}/../third_party/sentencepiece-build"
    CACHE PATH "SentencePiece build tree")

set(_spm_lib "${SENTENCEPIECE_BUILD_DIR}/src/libsentencepiece.a")
set(_spm_train_lib "${SENTENCEPIECE_BUILD_DIR}/src/libsentencepiece_train.a")
if(NOT EXISTS "${_spm_lib}" OR NOT EXISTS "${_spm_train_lib}")
  message(FATAL_ERROR "SentencePiece ${SENTENCEPIECE_VERSION} is not built in ${SENTENCEPIECE_BUILD_DIR}: "
                      "run scripts/setup.sh first.")
endif()

add_library(sentencepiece::core STATIC IMPORTED)
set_target_properties(sentencepiece::core PROPERTIES IMPORTED_LOCATION "${_spm_lib}")
add_library(sentencepiece::train STATIC IMPORTED)
set_target_properties(sentencepiece::train PROPERTIES IMPORTED_LOCATION "${_spm_train_lib}")

find_package(Threads REQUIRED)
add_library(sentencepiece::static INTERFACE IMPORTED)
# src/builtin_pb and protobuf-lite give access to ModelProto, needed to build a
# model from a tokenizer.json.
target_include_directories(sentencepiece::static SYSTEM INTERFACE
  "${SENTENCEPIECE_SOURCE_DIR}/src"
  "${SENTENCEPIECE_SOURCE_DIR}/src/builtin_pb"
  "${SENTENCEPIECE_SOURCE_DIR}/third_party/protobuf-lite"
  "${SENTENCEPIECE_SOURCE_DIR}/third_party")
# The trainer depends on the processor: order matters for static archives.
target_link_libraries(sentencepiece::static INTERFACE sentencepiece::train sentencepiece::core Threads::Threads)
