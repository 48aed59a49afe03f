// SPDX-License-Identifier: Apache-2.0
// conn_lookup_fifo: a deep first-word-fall-through FIFO in block RAM, the
// window of lookups in flight (256 entries of ~150 bits). The RAM has a
// registered read; a four-entry stream_fifo behind it gives the consumer a
// registered head and lets one word a cycle through: a RAM read is issued
// whenever the words already read or being read leave room behind the head.
//
// The producer keeps to the room it has (the engine counts the lookups in
// flight); a push into a full RAM stops the simulation. A word pushed into an
// empty FIFO is at the head three cycles later.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module conn_lookup_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 256
) (
    input wire clk,
    input wire rst,

    input wire [WIDTH-1:0] s_data,
    input wire             s_valid,

    output logic [WIDTH-1:0] m_data,
    output logic             m_valid,
    input  wire              m_ready
);

  localparam int ADDR_W = $clog2(DEPTH);
  localparam int OUT_DEPTH = 4;

  if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
    $fatal(1, "conn_lookup_fifo: DEPTH must be a power of two, at least 2");
  end

  logic [WIDTH-1:0] mem[DEPTH];
  logic [ADDR_W-1:0] wr_ptr, rd_ptr;
  logic [ADDR_W:0] stored;  // words in the RAM not yet read out
  logic [WIDTH-1:0] rd_data;
  logic rd_pending;  // rd_data holds a word read in the last cycle
  logic [$clog2(OUT_DEPTH):0] out_count;

  // Room behind the head for the word in rd_data and one more.
  wire rd_issue = stored != '0 && {1'b0, out_count} + 4'(rd_pending) <= 4'(OUT_DEPTH - 1);

`ifndef SYNTHESIS
  always_ff @(posedge clk) begin
    if (!rst && s_valid && stored == (ADDR_W + 1)'(DEPTH))
      $fatal(1, "conn_lookup_fifo: push into a full FIFO");
  end
`endif

  always_ff @(posedge clk) begin
    if (s_valid) mem[wr_ptr] <= s_data;
    if (rd_issue) rd_data <= mem[rd_ptr];
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
      stored <= '0;
      rd_pending <= 1'b0;
    end else begin
      if (s_valid) wr_ptr <= wr_ptr + 1'b1;
      if (rd_issue) rd_ptr <= rd_ptr + 1'b1;
      if (s_valid && !rd_issue) stored <= stored + 1'b1;
      else if (rd_issue && !s_valid) stored <= stored - 1'b1;
      rd_pending <= rd_issue;
    end
  end

  stream_fifo #(
      .WIDTH(WIDTH),
      .DEPTH(OUT_DEPTH)
  ) u_out (
      .clk(clk),
      .rst(rst),
      .s_data(rd_data),
      .s_valid(rd_pending),
      .m_data(m_data),
      .m_valid(m_valid),
      .m_ready(m_ready),
      .count(out_count)
  );

endmodule

`resetall
