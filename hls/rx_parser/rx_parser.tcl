# SPDX-License-Identifier: Apache-2.0
# Vitis HLS: C simulation, synthesis, C/RTL co-simulation and IP-catalog export of
# the rx_parser kernel. Run from any directory (the project is created there):
#
#   vitis_hls -f <repo>/hls/rx_parser/rx_parser.tcl
#
# The part and the clock default to the Alveo U280 at 322 MHz (the CMAC side);
# override them with the environment or by setting the variables before
# sourcing this script:
#
#   TANDEM_HLS_PART   / part          xcu280-fsvh2892-2L-e (U280, default)
#                                     xcu250-figd2104-2L-e (U250)
#                                     xcu55c-fsvh2892-2L-e (U55C)
#   TANDEM_HLS_PERIOD / clock_period  3.103 ns = 322 MHz (default), 4.0 ns = 250 MHz
#
# The testbench calls the top-level function cycle by cycle
# (tests/rx_parser_csim.cpp); the full native tests are tests/rx_parser_test.cpp.

set root [file normalize [file join [file dirname [info script]] .. ..]]
if {![info exists part]} {
  set part [expr {[info exists ::env(TANDEM_HLS_PART)] ? $::env(TANDEM_HLS_PART) : "xcu280-fsvh2892-2L-e"}]
}
if {![info exists clock_period]} {
  set clock_period [expr {[info exists ::env(TANDEM_HLS_PERIOD)] ? $::env(TANDEM_HLS_PERIOD) : 3.103}]
}
set cflags "-I$root -std=c++14"

open_project -reset rx_parser_prj
set_top rx_parser
add_files $root/hls/rx_parser/rx_parser.cpp -cflags $cflags
add_files -tb $root/hls/rx_parser/tests/rx_parser_csim.cpp -cflags $cflags

open_solution -reset solution -flow_target vivado
set_part $part
create_clock -period $clock_period -name default

csim_design
csynth_design
cosim_design
export_design -format ip_catalog
exit
