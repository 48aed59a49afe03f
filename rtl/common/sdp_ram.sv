// SPDX-License-Identifier: Apache-2.0
// sdp_ram: simple dual-port RAM, one write port and one read port with a
// registered output (rd_data holds the word at rd_addr one cycle after rd_en),
// written so that synthesis infers block RAM: the frame FIFO of checksum_tx.
// A read of an address written in the same cycle is not used by its callers,
// so the read-during-write behaviour is left to the RAM.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module sdp_ram #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 256
) (
    input wire clk,

    input wire                     wr_en,
    input wire [$clog2(DEPTH)-1:0] wr_addr,
    input wire [        WIDTH-1:0] wr_data,

    input  wire                     rd_en,
    input  wire [$clog2(DEPTH)-1:0] rd_addr,
    output logic [       WIDTH-1:0] rd_data
);

  if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
    $fatal(1, "sdp_ram: DEPTH must be a power of two, at least 2");
  end

  (* ram_style = "block" *) logic [WIDTH-1:0] mem[DEPTH];

  always_ff @(posedge clk) begin
    if (wr_en) mem[wr_addr] <= wr_data;
    if (rd_en) rd_data <= mem[rd_addr];
  end

endmodule

`resetall
