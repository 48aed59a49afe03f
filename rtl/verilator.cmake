# How Tandem builds Verilated models (included by rtl/CMakeLists.txt and
# rtl/nic/sources.cmake; needs TANDEM_HAVE_VERILATOR).
#
# A Verilated model is generated code that runs millions of cycles in the
# tests: it is compiled for speed, not debugging, and not instrumented.
#   - Verilator's runtime (verilated.cpp, its thread pool and FST writer) is
#     one static library for every model, compiled once per build.
#   - Each model is a static library of its own, linked by whatever drives it
#     (its equivalence test, the sim backend, the benchmark).
#   - The model's per-cycle code is compiled at -O2 in every build type (a
#     model at -O0 runs several times slower), its once-only (`__Slow`) and
#     waveform (`__Trace`) code at -O1: at -O2 with debug information the FST
#     tracing code of nic_top alone took almost four minutes to compile, at -O1
#     without it about ten seconds.
#   - None of it carries debug information, our warning set or the
#     sanitizers (ASan/UBSan): it is not our code, and instrumenting it made
#     the sanitizer build's RTL tests several times slower for nothing found.
#     The harnesses around the models keep all three.
include_guard(GLOBAL)

find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)

set(TANDEM_VERILATED_FAST_OPTIONS -w -O2 -g0 -fno-sanitize=all)
set(TANDEM_VERILATED_SLOW_OPTIONS -w -O1 -g0 -fno-sanitize=all)

if(NOT TARGET tandem_verilated_runtime)
  add_library(tandem_verilated_runtime STATIC
              ${VERILATOR_ROOT}/include/verilated.cpp
              ${VERILATOR_ROOT}/include/verilated_threads.cpp
              ${VERILATOR_ROOT}/include/verilated_fst_c.cpp)
  target_compile_options(tandem_verilated_runtime PRIVATE ${TANDEM_VERILATED_FAST_OPTIONS})
  target_compile_features(tandem_verilated_runtime PUBLIC cxx_std_20)
  # Every harness includes these; as system headers they keep Verilator's
  # warnings out of our -Werror build.
  target_include_directories(tandem_verilated_runtime SYSTEM PUBLIC
                             ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
  target_compile_definitions(tandem_verilated_runtime PUBLIC VM_COVERAGE=0 VM_SC=0)
  target_link_libraries(tandem_verilated_runtime PUBLIC Threads::Threads ZLIB::ZLIB)
endif()

# tandem_verilate_model(<name> TOP <module> SV <files...> [PREFIX <Vclass>]
#                       [TRACE] [VERILATOR_ARGS <args...>])
#
# A static library <name> holding the Verilated <module> as class <Vclass>
# (default V<module>), from the SystemVerilog <files> (packages first). TRACE
# compiles FST tracing in (enabled at run time, VerilatedFstC). Verilator lints
# with -Wall as it goes; scripts/lint-rtl.sh is what fails on a warning.
function(tandem_verilate_model name)
  cmake_parse_arguments(V "TRACE" "TOP;PREFIX" "SV;VERILATOR_ARGS" ${ARGN})
  if(NOT V_TOP OR NOT V_SV)
    message(FATAL_ERROR "tandem_verilate_model needs TOP and SV")
  endif()
  if(NOT V_PREFIX)
    set(V_PREFIX V${V_TOP})
  endif()
  set(trace_arg)
  set(trace 0)
  if(V_TRACE)
    set(trace_arg TRACE_FST)
    set(trace 1)
  endif()

  add_library(${name} STATIC)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${name}.verilated)
  verilate(${name} SOURCES ${V_SV} TOP_MODULE ${V_TOP} PREFIX ${V_PREFIX} DIRECTORY ${dir}
           ${trace_arg}
           VERILATOR_ARGS -Wall -Wno-fatal -O3 --x-assign fast --x-initial fast
                          ${V_VERILATOR_ARGS})

  # verilate() adds the runtime to every model; here it comes from the shared
  # library instead. The model's own files get the options above.
  get_target_property(sources ${name} SOURCES)
  set(model_sources)
  foreach(src IN LISTS sources)
    string(FIND "${src}" "${VERILATOR_ROOT}/include/" in_runtime)
    if(in_runtime EQUAL 0)
      continue()
    endif()
    list(APPEND model_sources ${src})
    if(src MATCHES "__Slow\\.cpp$" OR src MATCHES "__Trace__")
      set_source_files_properties(${src} TARGET_DIRECTORY ${name} PROPERTIES COMPILE_OPTIONS
                                  "${TANDEM_VERILATED_SLOW_OPTIONS}")
    elseif(src MATCHES "\\.cpp$")
      set_source_files_properties(${src} TARGET_DIRECTORY ${name} PROPERTIES COMPILE_OPTIONS
                                  "${TANDEM_VERILATED_FAST_OPTIONS}")
    endif()
  endforeach()
  set_property(TARGET ${name} PROPERTY SOURCES ${model_sources})

  # The generated headers, as system headers for the harnesses' -Werror build.
  set_property(TARGET ${name} PROPERTY INTERFACE_INCLUDE_DIRECTORIES ${dir})
  set_property(TARGET ${name} PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${dir})
  target_compile_definitions(${name} INTERFACE VM_TRACE=${trace} VM_TRACE_FST=${trace})
  target_link_libraries(${name} PUBLIC tandem_verilated_runtime)
endfunction()
