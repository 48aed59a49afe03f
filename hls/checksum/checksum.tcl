# SPDX-License-Identifier: Apache-2.0
# Vitis HLS: C simulation, synthesis, C/RTL co-simulation and IP-catalog export of
# the checksum kernel's two tops, checksum_rx (verify) and checksum_tx (insert),
# one project each. Run from any directory (the projects are created there):
#
#   vitis_hls -f <repo>/hls/checksum/checksum.tcl
#
# To build one top only, set `tops` before sourcing, e.g. `set tops checksum_tx`.
# The part and the clock default to the Alveo U280 at 322 MHz (the CMAC side);
# override them with the environment or by setting the variables before
# sourcing this script:
#
#   TANDEM_HLS_PART   / part          xcu280-fsvh2892-2L-e (U280, default)
#                                     xcu250-figd2104-2L-e (U250)
#                                     xcu55c-fsvh2892-2L-e (U55C)
#   TANDEM_HLS_PERIOD / clock_period  3.103 ns = 322 MHz (default), 4.0 ns = 250 MHz
#
# Each top's testbench calls it cycle by cycle (tests/<top>_csim.cpp); the full
# native tests are tests/checksum*_test.cpp.

set root [file normalize [file join [file dirname [info script]] .. ..]]
if {![info exists part]} {
  set part [expr {[info exists ::env(TANDEM_HLS_PART)] ? $::env(TANDEM_HLS_PART) : "xcu280-fsvh2892-2L-e"}]
}
if {![info exists clock_period]} {
  set clock_period [expr {[info exists ::env(TANDEM_HLS_PERIOD)] ? $::env(TANDEM_HLS_PERIOD) : 3.103}]
}
if {![info exists tops]} {
  set tops {checksum_rx checksum_tx}
}
set cflags "-I$root -std=c++14"

foreach top $tops {
  open_project -reset ${top}_prj
  set_top $top
  add_files $root/hls/checksum/checksum.cpp -cflags $cflags
  add_files -tb $root/hls/checksum/tests/${top}_csim.cpp -cflags $cflags

  open_solution -reset solution -flow_target vivado
  set_part $part
  create_clock -period $clock_period -name default

  csim_design
  csynth_design
  cosim_design
  export_design -format ip_catalog
  close_project
}
exit
