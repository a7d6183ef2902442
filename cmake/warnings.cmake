# SPDX-License-Identifier: BSD-2-Clause
# Warning flags and sanitizers for every imz target.
function(imz_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wvla -Wshadow
    -Wstrict-prototypes -Wmissing-prototypes -Wimplicit-fallthrough -Wformat=2
    -fvisibility=hidden)
  if(IMZ_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(IMZ_SANITIZE)
  string(REPLACE ";" "," _san "${IMZ_SANITIZE}")
  add_compile_options(-fsanitize=${_san} -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${_san})
endif()
