# SPDX-License-Identifier: Apache-2.0
# What every kernel's Vitis HLS script shares: the part, the clock, which flow
# steps to run, and the include path. Each setting comes from a Tcl variable set
# before sourcing the kernel script, else from the environment, else the default:
#
#   part          TANDEM_HLS_PART    xcu280-fsvh2892-2L-e  Alveo U280 (default)
#                                    xcu250-figd2104-2L-e  Alveo U250
#                                    xcu55c-fsvh2892-2L-e  Alveo U55C
#   clock_period  TANDEM_HLS_PERIOD  3.103 ns = 322 MHz, the CMAC side (default)
#                                    4.0 ns   = 250 MHz, the kernel side
#   steps         TANDEM_HLS_STEPS   "csim csynth cosim export" (any subset)

proc tandem_setting {name env default} {
  upvar #0 $name value
  if {[info exists value]} { return $value }
  if {[info exists ::env($env)]} { return $::env($env) }
  return $default
}

set tandem_root [file normalize [file join [file dirname [info script]] .. ..]]
set part [tandem_setting part TANDEM_HLS_PART xcu280-fsvh2892-2L-e]
set clock_period [tandem_setting clock_period TANDEM_HLS_PERIOD 3.103]
set steps [tandem_setting steps TANDEM_HLS_STEPS "csim csynth cosim export"]
# The kernels are C++14 for Vitis; the native build compiles the same sources as C++20.
set tandem_cflags "-I$tandem_root -std=c++14"

# Opens a solution for the current project with the shared part and clock, then
# runs the requested steps of the flow. A `vitis` flow target (kernels with an
# m_axi memory port, linked into an xclbin) exports a .xo; `vivado` an IP core.
proc tandem_run_flow {solution {flow_target vivado}} {
  global part clock_period steps
  open_solution -reset $solution -flow_target $flow_target
  set_part $part
  create_clock -period $clock_period -name default
  if {"csim" in $steps} { csim_design }
  if {"csynth" in $steps} { csynth_design }
  if {"cosim" in $steps} { cosim_design }
  if {"export" in $steps} {
    export_design -format [expr {$flow_target eq "vitis" ? "xo" : "ip_catalog"}]
  }
}
