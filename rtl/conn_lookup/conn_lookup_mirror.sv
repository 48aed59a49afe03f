// SPDX-License-Identifier: Apache-2.0
// conn_lookup_mirror: the on-chip fingerprint mirror of the flow table, one
// 48-bit word (four 12-bit fingerprints) per bucket, as a true dual-port RAM
// with registered outputs so that synthesis maps it to UltraRAM or block RAM.
// A lookup reads its two candidate buckets in one cycle, one on each port;
// the command machine reads and writes through the same ports while no
// lookup is being routed. A port that writes leaves its rd_data as it was
// (no-change mode: what UltraRAM offers; the engine never looks at a port's
// output after writing through it), and the two ports never touch one
// address in one cycle. rd_data holds until the port's next enabled read,
// which the engine's lookup pipeline relies on when it stalls.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module conn_lookup_mirror #(
    parameter int ADDR_W = 14,
    parameter int WIDTH = 48
) (
    input wire clk,

    input  wire               a_en,
    input  wire               a_we,
    input  wire  [ADDR_W-1:0] a_addr,
    input  wire  [ WIDTH-1:0] a_wdata,
    output logic [ WIDTH-1:0] a_rdata,

    input  wire               b_en,
    input  wire               b_we,
    input  wire  [ADDR_W-1:0] b_addr,
    input  wire  [ WIDTH-1:0] b_wdata,
    output logic [ WIDTH-1:0] b_rdata
);

  if (ADDR_W < 1 || ADDR_W > 30) begin : g_bad_addr_w
    $fatal(1, "conn_lookup_mirror: ADDR_W must be in 1 .. 30");
  end

  logic [WIDTH-1:0] mem[2**ADDR_W];

  always_ff @(posedge clk) begin
    if (a_en) begin
      if (a_we) mem[a_addr] <= a_wdata;
      else a_rdata <= mem[a_addr];
    end
    if (b_en) begin
      if (b_we) mem[b_addr] <= b_wdata;
      else b_rdata <= mem[b_addr];
    end
  end

endmodule

`resetall
