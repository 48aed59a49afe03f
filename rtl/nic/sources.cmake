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
    ${TANDEM_RTL_DIR}/common/ram_fifo.sv
    ${TANDEM_RTL_DIR}/common/csum_beat.sv
    ${TANDEM_RTL_DIR}/common/csum_regions.sv
    ${TANDEM_RTL_DIR}/rx_parser/rx_parser.sv
    ${TANDEM_RTL_DIR}/checksum/checksum_rx.sv
    ${TANDEM_RTL_DIR}/checksum/checksum_tx.sv
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

# verilate_nic_model(<name> [TOP <module>] [SV <files...>] [VERILATOR_ARGS ...])
#
# nic_top (or another top among its files) as the model library <name>, class
# V<top>, with FST tracing compiled in (enabled at run time).
include(${CMAKE_CURRENT_LIST_DIR}/../verilator.cmake)

function(verilate_nic_model name)
  cmake_parse_arguments(V "" "TOP" "VERILATOR_ARGS;SV" ${ARGN})
  if(NOT V_TOP)
    set(V_TOP nic_top)
  endif()
  if(NOT V_SV)
    set(V_SV ${TANDEM_NIC_TOP_SV})
  endif()
  tandem_verilate_model(${name} TOP ${V_TOP} SV ${V_SV} TRACE VERILATOR_ARGS ${V_VERILATOR_ARGS})
endfunction()
