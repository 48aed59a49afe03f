// SPDX-License-Identifier: Apache-2.0
// stream_fifo: a small first-word-fall-through FIFO in registers (or LUT RAM,
// as synthesis sees fit) between pipeline stages: the output buffers of the
// engines and the queues of per-frame words beside the beats.
//
// The producer keeps to the room it has: `count` is the occupancy as of the
// start of the cycle, from which a producer that reserves room a few cycles
// ahead (credit-style) decides whether it may send, so that its ready depends
// on registers only; a push into a full FIFO is a bug in the producer (the
// simulation stops on it). m_valid likewise comes from the occupancy register.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module stream_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 4
) (
    input wire clk,
    input wire rst,

    input  wire  [WIDTH-1:0] s_data,
    input  wire              s_valid,

    output logic [WIDTH-1:0] m_data,
    output logic             m_valid,
    input  wire              m_ready,

    output logic [$clog2(DEPTH):0] count
);

  localparam int ADDR_W = $clog2(DEPTH);

  if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
    $fatal(1, "stream_fifo: DEPTH must be a power of two, at least 2");
  end
  if (WIDTH < 1) begin : g_bad_width
    $fatal(1, "stream_fifo: WIDTH must be positive");
  end

  logic [WIDTH-1:0] mem[DEPTH];
  logic [ADDR_W-1:0] wr_ptr, rd_ptr;

  wire full = count == (ADDR_W + 1)'(DEPTH);
  wire push = s_valid;
  wire pop = m_valid && m_ready;

  assign m_valid = count != '0;
  assign m_data = mem[rd_ptr];

`ifndef SYNTHESIS
  always_ff @(posedge clk) begin
    if (!rst && push && full && !m_ready) $fatal(1, "stream_fifo: push into a full FIFO");
  end
`endif

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
