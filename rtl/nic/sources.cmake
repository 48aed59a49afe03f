# The SystemVerilog of nic_top, packages first, for every target that
# verilates it (sim/verilator, bench/cosim.cmake). Included, not a
# subdirectory, because sim/ is configured before rtl/.
set(TANDEM_RTL_DIR ${CMAKE_CURRENT_LIST_DIR}/..)
set(TANDEM_NIC_TOP_SV
    ${TANDEM_RTL_DIR}/common/tandem_pkg.sv
    ${TANDEM_RTL_DIR}/nic/nic_pkg.sv
    ${TANDEM_RTL_DIR}/conn_lookup/conn_lookup_pkg.sv
    ${TANDEM_RTL_DIR}/common/stream_fifo.sv
    ${TANDEM_RTL_DIR}/common/sdp_ram.sv
    ${TANDEM_RTL_DIR}/common/csum_beat.sv
    ${TANDEM_RTL_DIR}/rx_parser/rx_parser.sv
    ${TANDEM_RTL_DIR}/checksum/checksum_rx.sv
    ${TANDEM_RTL_DIR}/checksum/checksum_tx.sv
    ${TANDEM_RTL_DIR}/tcp_segment/tcp_segment_fifo.sv
    ${TANDEM_RTL_DIR}/tcp_segment/tcp_segment.sv
    ${TANDEM_RTL_DIR}/conn_lookup/conn_lookup_mirror.sv
    ${TANDEM_RTL_DIR}/conn_lookup/conn_lookup_fifo.sv
    ${TANDEM_RTL_DIR}/conn_lookup/conn_lookup.sv
    ${TANDEM_RTL_DIR}/conn_lookup/table_mem_model.sv
    ${TANDEM_RTL_DIR}/nic/nic_fifo.sv
    ${TANDEM_RTL_DIR}/nic/nic_frame_arb.sv
    ${TANDEM_RTL_DIR}/nic/nic_job_arb.sv
    ${TANDEM_RTL_DIR}/nic/nic_rx_steer.sv
    ${TANDEM_RTL_DIR}/nic/nic_top.sv)

# verilate_nic_model(<target> PREFIX <Vname> DIRECTORY <dir> [VERILATOR_ARGS ...])
#
# Verilates nic_top (or another top among its files, with TOP) into <target>,
# with FST tracing compiled in (enabled at run time). Verilator's generated C++
# and runtime are compiled without our warning set and at -O2 even in Debug
# (a model at -O0 is several times slower); the target's own sources keep -Werror.
function(verilate_nic_model target)
  cmake_parse_arguments(V "" "PREFIX;DIRECTORY;TOP" "VERILATOR_ARGS;SV" ${ARGN})
  if(NOT V_TOP)
    set(V_TOP nic_top)
  endif()
  if(NOT V_SV)
    set(V_SV ${TANDEM_NIC_TOP_SV})
  endif()
  get_target_property(own_sources ${target} SOURCES)
  verilate(${target} SOURCES ${V_SV} TOP_MODULE ${V_TOP} PREFIX ${V_PREFIX}
           DIRECTORY ${V_DIRECTORY} TRACE_FST
           VERILATOR_ARGS -Wall -Wno-fatal -O3 --x-assign fast --x-initial fast ${V_VERILATOR_ARGS})
  get_target_property(all_sources ${target} SOURCES)
  foreach(src IN LISTS all_sources)
    if(NOT src IN_LIST own_sources AND NOT src MATCHES "\\.sv$")
      set_source_files_properties(${src} TARGET_DIRECTORY ${target} PROPERTIES
                                  COMPILE_OPTIONS "-w;-O2")
    endif()
  endforeach()
  # As system headers, Verilator's runtime and the generated model keep their
  # warnings out of our -Werror build.
  target_include_directories(${target} SYSTEM PRIVATE ${VERILATOR_ROOT}/include
                             ${VERILATOR_ROOT}/include/vltstd ${V_DIRECTORY})
endfunction()
