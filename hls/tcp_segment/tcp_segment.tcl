# SPDX-License-Identifier: Apache-2.0
# Vitis HLS flow for the tcp_segment (TSO) kernel: C simulation, synthesis, C/RTL
# co-simulation and IP export. Run from any directory (the project is created there):
#
#   vitis_hls -f <repo>/hls/tcp_segment/tcp_segment.tcl
#
# Part, clock and steps: see hls/common/settings.tcl.
source [file join [file dirname [file normalize [info script]]] .. common settings.tcl]

open_project -reset tcp_segment_prj
set_top tcp_segment
add_files $tandem_root/hls/tcp_segment/tcp_segment.cpp -cflags $tandem_cflags
add_files -tb $tandem_root/hls/tcp_segment/tests/tcp_segment_csim.cpp -cflags $tandem_cflags
tandem_run_flow solution
exit
