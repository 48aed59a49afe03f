// SPDX-License-Identifier: Apache-2.0
// nic_fifo: the small first-word-fall-through FIFOs of nic_top (RxParsed words
// between rx_parser and checksum_rx, lookup requests and results in the RX
// join, queue numbers for TSO statuses, the job arbiters' order FIFOs); the
// deep ones are rtl/common/ram_fifo. Unlike rtl/common/stream_fifo it has a real s_ready, so a
// producer that cannot count ahead simply waits. s_ready and m_valid both come
// from the occupancy register, so no combinational path crosses the FIFO; a
// FIFO that fills loses one cycle and then streams at one word per cycle with
// DEPTH-1 words held.
//
// The memory is read asynchronously: distributed RAM on the card.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nic_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16
) (
    input wire clk,
    input wire rst,

    input  wire  [WIDTH-1:0] s_data,
    input  wire              s_valid,
    output logic             s_ready,

    output logic [WIDTH-1:0] m_data,
    output logic             m_valid,
    input  wire              m_ready
);

  localparam int ADDR_W = $clog2(DEPTH);

  if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
    $fatal(1, "nic_fifo: DEPTH must be a power of two, at least 2");
  end
  if (WIDTH < 1) begin : g_bad_width
    $fatal(1, "nic_fifo: WIDTH must be positive");
  end

  logic [WIDTH-1:0] mem[DEPTH];
  logic [ADDR_W-1:0] wr_ptr, rd_ptr;
  logic [ADDR_W:0] count;

  assign s_ready = count != (ADDR_W + 1)'(DEPTH);
  assign m_valid = count != '0;
  assign m_data = mem[rd_ptr];

  wire push = s_valid && s_ready;
  wire pop = m_valid && m_ready;

  always_ff @(posedge clk) begin
    if (push) mem[wr_ptr] <= s_data;
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
      count <= '0;
    end else begin
      if (push) wr_ptr <= wr_ptr + 1'b1;
      if (pop) rd_ptr <= rd_ptr + 1'b1;
      if (push && !pop) count <= count + 1'b1;
      else if (pop && !push) count <= count - 1'b1;
    end
  end

endmodule

`resetall
