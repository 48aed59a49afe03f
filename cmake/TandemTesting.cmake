# tandem_add_test(NAME name LABEL area... SOURCES ... [LIBS ...] [TIMEOUT s])
#
# One Boost.Test executable registered with CTest, labelled by area (hls, rtl, host,
# cosim, interop, wire, sim) so `ctest -L host` runs one area.
function(tandem_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "LABEL;SOURCES;LIBS" ${ARGN})
  if(NOT T_NAME OR NOT T_LABEL OR NOT T_SOURCES)
    message(FATAL_ERROR "tandem_add_test needs NAME, LABEL and SOURCES")
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE tandem::options Boost::unit_test_framework ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK
                             TANDEM_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --log_level=test_suite --report_level=short)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABEL}" TIMEOUT ${T_TIMEOUT})
endfunction()

# tandem_add_rtl_test(NAME name TOP module SV files... SOURCES harness.cpp...
#                     [LABEL area...] [LIBS ...] [VERILATOR_ARGS ...] [TIMEOUT s])
#
# A Boost.Test harness around a Verilated model. Verilator's generated C++ and
# its runtime are compiled without our warning set (they are not our code);
# the harness keeps -Werror. Call only when TANDEM_HAVE_VERILATOR.
function(tandem_add_rtl_test)
  cmake_parse_arguments(T "" "NAME;TOP;TIMEOUT" "LABEL;SV;SOURCES;LIBS;VERILATOR_ARGS" ${ARGN})
  if(NOT T_NAME OR NOT T_TOP OR NOT T_SV OR NOT T_SOURCES)
    message(FATAL_ERROR "tandem_add_rtl_test needs NAME, TOP, SV and SOURCES")
  endif()
  if(NOT T_LABEL)
    set(T_LABEL rtl)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  tandem_add_test(NAME ${T_NAME} LABEL ${T_LABEL} SOURCES ${T_SOURCES} LIBS ${T_LIBS}
                  TIMEOUT ${T_TIMEOUT})
  set(model_dir ${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}.verilated)
  verilate(${T_NAME} SOURCES ${T_SV} TOP_MODULE ${T_TOP} PREFIX V${T_TOP} DIRECTORY ${model_dir}
           VERILATOR_ARGS -Wall -Wno-fatal -O3 --x-assign fast --x-initial fast ${T_VERILATOR_ARGS})
  get_target_property(all_sources ${T_NAME} SOURCES)
  foreach(src IN LISTS all_sources)
    if(NOT src IN_LIST T_SOURCES)
      set_source_files_properties(${src} TARGET_DIRECTORY ${T_NAME} PROPERTIES COMPILE_OPTIONS "-w")
    endif()
  endforeach()
  # As system headers, Verilator's runtime and the generated model keep their
  # warnings out of the harness's -Werror build.
  target_include_directories(${T_NAME} SYSTEM PRIVATE ${VERILATOR_ROOT}/include
                             ${VERILATOR_ROOT}/include/vltstd ${model_dir})
  target_link_libraries(${T_NAME} PRIVATE tandem::rtl_harness)
endfunction()
