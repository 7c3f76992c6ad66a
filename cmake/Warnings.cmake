# Project-wide compile flags: warnings (as errors in CI) and the optional sanitizer build.
# No -Wnull-dereference: GCC 12 reports false positives inside libstdc++ and Asio at -O2; ASan/UBSan catch
# the real ones.
set(AIRCLASS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
if(AIRCLASS_WERROR)
  list(APPEND AIRCLASS_WARNINGS -Werror)
endif()

set(AIRCLASS_SANITIZER_DEFAULTS)  # compiled into every executable of the sanitizer build
if(AIRCLASS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  set(AIRCLASS_SANITIZER_DEFAULTS ${PROJECT_SOURCE_DIR}/cmake/sanitizer_defaults.cpp)
endif()

# airclass_library(NAME DIR DEPS...): a layer library from every .cpp in DIR (not recursive) but main.cpp.
function(airclass_library name dir)
  file(GLOB srcs CONFIGURE_DEPENDS ${dir}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "/main\\.cpp$")  # a program's entry point is never part of a layer
  if(NOT srcs)  # a layer with headers only (so far)
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${AIRCLASS_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARGN})
endfunction()

if(AIRCLASS_FUZZ)
  # Instrument every library for coverage; the fuzz targets themselves link the libFuzzer driver.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
