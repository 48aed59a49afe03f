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
# A Boost.Test harness around a Verilated model: the model is the library
# <name>_model (rtl/verilator.cmake says how models are compiled), the harness
# keeps our warnings and -Werror. Call only when TANDEM_HAVE_VERILATOR.
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
  tandem_verilate_model(${T_NAME}_model TOP ${T_TOP} SV ${T_SV} VERILATOR_ARGS ${T_VERILATOR_ARGS})
  tandem_add_test(NAME ${T_NAME} LABEL ${T_LABEL} SOURCES ${T_SOURCES}
                  LIBS ${T_NAME}_model tandem::rtl_harness ${T_LIBS} TIMEOUT ${T_TIMEOUT})
endfunction()
