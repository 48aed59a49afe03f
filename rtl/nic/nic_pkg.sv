// SPDX-License-Identifier: Apache-2.0
// Elaboration-time helpers of nic_top's sizing (the FIFO depths it derives
// from the table latency). Referred to as nic_pkg::NAME: yosys takes no
// wildcard imports.
`resetall
`timescale 1ns / 1ps
`default_nettype none

package nic_pkg;

  // The smallest power of two >= n (n >= 1): FIFO depths are powers of two.
  // A bounded loop and an assignment to the function name, as yosys takes
  // constant functions.
  function automatic int pow2_at_least(input int n);
    int p;
    p = 1;
    for (int i = 0; i < 31; i++) begin
      if (p < n) p = p * 2;
    end
    pow2_at_least = p;
  endfunction

endpackage

`resetall
