# SPDX-License-Identifier: BSD-2-Clause
# IMZ_BUILD_FUZZERS=ON builds the libFuzzer targets of tests/fuzz (clang only). Every imz source is
# then compiled with coverage instrumentation and, unless IMZ_SANITIZE says otherwise, with
# AddressSanitizer and UndefinedBehaviorSanitizer. The replay tests are built either way.
option(IMZ_BUILD_FUZZERS "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)
if(IMZ_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "IMZ_BUILD_FUZZERS needs clang (CC=clang)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link -g -fno-omit-frame-pointer)
  if(NOT IMZ_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
  endif()
endif()
