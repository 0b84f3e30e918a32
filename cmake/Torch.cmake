# libtorch 2.x: a user's own (a pytorch.org zip, CUDA or CPU, through
# -DTorch_DIR=... or -DCMAKE_PREFIX_PATH=...), else the PyPI wheel that
# scripts/setup.sh installs into ${DEBERTA_BENCH_HOME:-~/.cache/deberta-bench}/venv.
# Sets TORCH_INCLUDE_DIRS, TORCH_LIBRARIES, DEBERTA_BENCH_TORCH_VERSION and
# DEBERTA_BENCH_WITH_CUDA (whether libtorch_cuda is linked).
set(DEBERTA_BENCH_TORCH_PYTHON "" CACHE FILEPATH
    "The python whose torch wheel to build against (default: the setup's venv)")
set(DEBERTA_BENCH_TORCH_IMPORT "auto" CACHE STRING
    "How to use the wheel: auto (TorchConfig when the CUDA toolkit is here, else the wheel's own files), config, files")
set_property(CACHE DEBERTA_BENCH_TORCH_IMPORT PROPERTY STRINGS auto config files)

# A libtorch given by Torch_DIR, or found in CMAKE_PREFIX_PATH (which may
# also hold other dependencies, as scripts/gpu-check.sh's prefix does).
# (find_package caches Torch_DIR: after a first configure from the venv, that
# entry is not a user's choice.)
set(_torch_user_given FALSE)
if(DEFINED Torch_DIR AND NOT DEBERTA_BENCH_TORCH_FROM_VENV)
  find_package(Torch REQUIRED)
  set(_torch_user_given TRUE)
elseif(CMAKE_PREFIX_PATH)
  find_package(Torch QUIET PATHS ${CMAKE_PREFIX_PATH} NO_DEFAULT_PATH)
  set(_torch_user_given ${Torch_FOUND})
endif()

if(_torch_user_given)
  set(DEBERTA_BENCH_TORCH_VERSION ${Torch_VERSION})
else()
  if(NOT DEBERTA_BENCH_TORCH_PYTHON)
    if(DEFINED ENV{DEBERTA_BENCH_HOME} AND NOT "$ENV{DEBERTA_BENCH_HOME}" STREQUAL "")
      set(_home "$ENV{DEBERTA_BENCH_HOME}")
    else()
      set(_home "$ENV{HOME}/.cache/deberta-bench")
    endif()
    set(DEBERTA_BENCH_TORCH_PYTHON "${_home}/venv/bin/python")
  endif()
  if(NOT EXISTS "${DEBERTA_BENCH_TORCH_PYTHON}")
    message(FATAL_ERROR "No libtorch: ${DEBERTA_BENCH_TORCH_PYTHON} does not exist. Run scripts/setup.sh (it installs "
                        "the torch wheel there), or pass -DCMAKE_PREFIX_PATH=/path/to/libtorch.")
  endif()
  execute_process(
    COMMAND "${DEBERTA_BENCH_TORCH_PYTHON}" -c
            "import os, torch, torch.utils; print(os.path.dirname(torch.__file__)); print(torch.utils.cmake_prefix_path); print(torch.__version__.split('+')[0]); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.version.cuda or '')"
    OUTPUT_VARIABLE _torch_info
    RESULT_VARIABLE _torch_result
    ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _torch_result EQUAL 0)
    message(FATAL_ERROR "${DEBERTA_BENCH_TORCH_PYTHON} cannot import torch: run scripts/setup.sh.")
  endif()
  string(REPLACE "\n" ";" _torch_info "${_torch_info}")
  list(GET _torch_info 0 _torch_root)
  list(GET _torch_info 1 _torch_prefix)
  list(GET _torch_info 2 DEBERTA_BENCH_TORCH_VERSION)
  list(GET _torch_info 3 _torch_abi)
  list(LENGTH _torch_info _fields)
  set(_torch_wheel_cuda "")
  if(_fields GREATER 4)
    list(GET _torch_info 4 _torch_wheel_cuda)
  endif()

  set(_import "${DEBERTA_BENCH_TORCH_IMPORT}")
  if(_import STREQUAL "auto")
    # TorchConfig of a CUDA wheel needs the CUDA toolkit (nvcc); without it
    # the wheel's own files still give a CUDA-enabled build.
    find_program(_nvcc nvcc HINTS ENV CUDA_HOME ENV CUDA_PATH PATHS /usr/local/cuda/bin)
    if(_torch_wheel_cuda STREQUAL "" OR _nvcc)
      set(_import "config")
    else()
      set(_import "files")
    endif()
  endif()

  set(DEBERTA_BENCH_TORCH_FROM_VENV ON CACHE INTERNAL "libtorch came from DEBERTA_BENCH_TORCH_PYTHON")
  if(_import STREQUAL "config")
    # TorchConfig looks for Caffe2 and its libraries in the default paths
    # first, where another libtorch (Debian's 1.13) may be: point it at the
    # wheel's.
    set(Caffe2_DIR "${_torch_prefix}/Caffe2" CACHE PATH "The wheel's Caffe2 CMake files" FORCE)
    foreach(_name torch c10 c10_cuda)
      string(TOUPPER "${_name}" _upper)
      set(_variable "${_name}_LIBRARY")
      if(_name STREQUAL "torch" OR _name STREQUAL "c10_cuda")
        set(_variable "${_upper}_LIBRARY")
      endif()
      if(EXISTS "${_torch_root}/lib/lib${_name}.so")
        set(${_variable} "${_torch_root}/lib/lib${_name}.so" CACHE FILEPATH "The wheel's lib${_name}" FORCE)
      endif()
    endforeach()
    find_package(Torch REQUIRED PATHS "${_torch_prefix}/Torch" NO_DEFAULT_PATH)
  else()
    message(STATUS "libtorch: the wheel's own files in ${_torch_root} (CUDA ${_torch_wheel_cuda} from the wheel)")
    set(TORCH_INCLUDE_DIRS "${_torch_root}/include" "${_torch_root}/include/torch/csrc/api/include")
    set(TORCH_LIBRARIES "${_torch_root}/lib/libtorch.so" "${_torch_root}/lib/libtorch_cpu.so"
                        "${_torch_root}/lib/libc10.so")
    if(EXISTS "${_torch_root}/lib/libtorch_cuda.so")
      # Nothing here calls libtorch_cuda directly; it must still load, for
      # it registers the CUDA device with libtorch_cpu.
      list(APPEND TORCH_LIBRARIES "-Wl,--no-as-needed,${_torch_root}/lib/libtorch_cuda.so,--as-needed"
           "${_torch_root}/lib/libc10_cuda.so")
    endif()
    add_compile_definitions(_GLIBCXX_USE_CXX11_ABI=${_torch_abi})
  endif()
endif()

if(DEBERTA_BENCH_TORCH_VERSION VERSION_LESS 2.0)
  message(FATAL_ERROR "libtorch ${DEBERTA_BENCH_TORCH_VERSION} is too old: deberta-bench needs libtorch 2.x "
                      "(scripts/setup.sh installs the 2.11.0 wheel).")
endif()

# TorchConfig defines the target torch_cuda for a CUDA libtorch.
if(TARGET torch_cuda OR "${TORCH_LIBRARIES}" MATCHES "libtorch_cuda")
  set(DEBERTA_BENCH_WITH_CUDA ON)
else()
  set(DEBERTA_BENCH_WITH_CUDA OFF)
endif()
message(STATUS "libtorch ${DEBERTA_BENCH_TORCH_VERSION}, CUDA built in: ${DEBERTA_BENCH_WITH_CUDA}")

# Data parallelism uses libtorch's own c10d. Its Gloo process group (built
# into libtorch) is declared in a header that includes Gloo's headers, which
# the wheel does not ship: Debian's libgloo-dev provides them (headers only;
# nothing links Debian's libgloo). Its NCCL process group needs the CUDA and
# NCCL headers: the toolkit's, or those pip installed beside the wheel.
find_path(DEBERTA_BENCH_GLOO_INCLUDE_DIR gloo/algorithm.h)
if(NOT DEBERTA_BENCH_GLOO_INCLUDE_DIR)
  message(FATAL_ERROR "Gloo's headers are missing: install libgloo-dev (scripts/setup.sh does).")
endif()
set(DEBERTA_BENCH_WITH_NCCL OFF)
if(DEBERTA_BENCH_WITH_CUDA)
  set(_pip_nvidia "")
  if(_torch_root)
    get_filename_component(_pip_nvidia "${_torch_root}/../nvidia" ABSOLUTE)
  endif()
  find_path(DEBERTA_BENCH_NCCL_INCLUDE_DIR nccl.h HINTS "${_pip_nvidia}/nccl/include" /usr/local/cuda/include
            ENV CUDA_HOME PATH_SUFFIXES include)
  find_path(DEBERTA_BENCH_CUDA_INCLUDE_DIR cuda_runtime_api.h HINTS /usr/local/cuda/include
            "${_pip_nvidia}/cu13/include" ENV CUDA_HOME PATH_SUFFIXES include)
  if(DEBERTA_BENCH_NCCL_INCLUDE_DIR AND DEBERTA_BENCH_CUDA_INCLUDE_DIR)
    set(DEBERTA_BENCH_WITH_NCCL ON)
  endif()
  message(STATUS "NCCL process group: ${DEBERTA_BENCH_WITH_NCCL}")
endif()
