# SPDX-License-Identifier: Apache-2.0
# Vitis HLS flow for the tcp_segment (TSO) kernel: C simulation, synthesis,
# C/RTL co-simulation and export as an IP-catalog core.
#
#   vitis_hls -f hls/tcp_segment/tcp_segment.tcl
#   vitis_hls -f hls/tcp_segment/tcp_segment.tcl -tclargs <part> <clock period ns>
#
# Parts: Alveo U280 xcu280-fsvh2892-2L-e (default), U250 xcu250-figd2104-2L-e,
# U55C xcu55c-fsvh2892-2L-e. Clock: 3.103 ns = 322 MHz (the CMAC side, default)
# or 4.0 ns = 250 MHz (the kernel side). The variables `part` and `clock_period`
# may also be set before sourcing this script.

set kernel_dir [file dirname [file normalize [info script]]]
set repo_root [file normalize [file join $kernel_dir .. ..]]

if {![info exists part]} {
  set part xcu280-fsvh2892-2L-e
}
if {![info exists clock_period]} {
  set clock_period 3.103
}
if {[info exists argv] && [llength $argv] >= 1} {
  set part [lindex $argv 0]
}
if {[info exists argv] && [llength $argv] >= 2} {
  set clock_period [lindex $argv 1]
}

open_project -reset tcp_segment_prj
set_top tcp_segment
add_files [file join $kernel_dir tcp_segment.cpp] -cflags "-I$repo_root -std=c++14"
add_files -tb [file join $kernel_dir tests tcp_segment_csim.cpp] -cflags "-I$repo_root -std=c++14"

open_solution -reset solution1 -flow_target vivado
set_part $part
create_clock -period $clock_period -name default

csim_design
csynth_design
cosim_design
export_design -format ip_catalog

exit
