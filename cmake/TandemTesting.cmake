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
