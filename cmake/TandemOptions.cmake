# Compiler settings every Tandem target gets through tandem::options.
add_library(tandem_options INTERFACE)
add_library(tandem::options ALIAS tandem_options)

target_compile_options(tandem_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                -Wnon-virtual-dtor -Wold-style-cast)
if(TANDEM_WERROR)
  target_compile_options(tandem_options INTERFACE -Werror)
endif()

# Includes are spelled from the repository root ("host/wire/tcp.hpp"), so a reader
# sees which layer a header belongs to.
target_include_directories(tandem_options INTERFACE ${PROJECT_SOURCE_DIR})

if(TANDEM_SANITIZE)
  set(_tandem_san -fsanitize=address,undefined -fno-omit-frame-pointer
                  -fno-sanitize-recover=undefined)
  target_compile_options(tandem_options INTERFACE ${_tandem_san})
  target_link_options(tandem_options INTERFACE ${_tandem_san})
endif()
