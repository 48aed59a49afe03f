# SPDX-License-Identifier: Apache-2.0
# Vitis HLS flow for conn_lookup: C simulation, synthesis, C/RTL co-simulation and
# export as a Vitis kernel (.xo: its table is an m_axi port to HBM or DDR). Run
# from any directory (the project is created there):
#
#   vitis_hls -f <repo>/hls/conn_lookup/conn_lookup.tcl
#
# Part, clock and steps: see hls/common/settings.tcl. One more setting:
#   capacity  TANDEM_CONN_LOOKUP_CAPACITY  flows, default 1048576; the on-chip
#             fingerprint mirror takes 12 bits per slot (1M flows: 64 URAM, 4M: 256)
source [file join [file dirname [file normalize [info script]]] .. common settings.tcl]

set capacity [tandem_setting capacity TANDEM_CONN_LOOKUP_CAPACITY 1048576]
set cflags "$tandem_cflags -DTANDEM_CONN_LOOKUP_CAPACITY=${capacity}u"

open_project -reset conn_lookup_prj
set_top conn_lookup
add_files $tandem_root/hls/conn_lookup/conn_lookup.cpp -cflags $cflags
# The testbench views one buffer through two pointer types, as the two m_axi
# bundles do.
add_files -tb $tandem_root/hls/conn_lookup/tests/conn_lookup_csim.cpp \
  -cflags "$cflags -fno-strict-aliasing"
tandem_run_flow solution vitis
exit
