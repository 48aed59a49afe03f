# SPDX-License-Identifier: Apache-2.0
# Vitis HLS flow for rx_parser: C simulation, synthesis, C/RTL co-simulation and
# IP export. Run from any directory (the project is created there):
#
#   vitis_hls -f <repo>/hls/rx_parser/rx_parser.tcl
#
# Part, clock and steps: see hls/common/settings.tcl. The testbench calls the top
# cycle by cycle (tests/rx_parser_csim.cpp); the full native tests are
# tests/rx_parser_test.cpp.
source [file join [file dirname [file normalize [info script]]] .. common settings.tcl]

open_project -reset rx_parser_prj
set_top rx_parser
add_files $tandem_root/hls/rx_parser/rx_parser.cpp -cflags $tandem_cflags
add_files -tb $tandem_root/hls/rx_parser/tests/rx_parser_csim.cpp -cflags $tandem_cflags
tandem_run_flow solution
exit
