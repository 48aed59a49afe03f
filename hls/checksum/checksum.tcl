# SPDX-License-Identifier: Apache-2.0
# Vitis HLS flow for the checksum kernel's two tops, checksum_rx (verify) and
# checksum_tx (insert), one project each: C simulation, synthesis, C/RTL
# co-simulation and IP export. Run from any directory (projects are created there):
#
#   vitis_hls -f <repo>/hls/checksum/checksum.tcl
#
# To build one top only, set `tops` before sourcing, e.g. `set tops checksum_tx`.
# Part, clock and steps: see hls/common/settings.tcl. Each top's testbench calls it
# cycle by cycle (tests/<top>_csim.cpp); the full native tests are
# tests/checksum*_test.cpp.
source [file join [file dirname [file normalize [info script]]] .. common settings.tcl]

if {![info exists tops]} {
  set tops {checksum_rx checksum_tx}
}
foreach top $tops {
  open_project -reset ${top}_prj
  set_top $top
  add_files $tandem_root/hls/checksum/checksum.cpp -cflags $tandem_cflags
  add_files -tb $tandem_root/hls/checksum/tests/${top}_csim.cpp -cflags $tandem_cflags
  tandem_run_flow solution
  close_project
}
exit
