// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// ram_fifo: a first-word-fall-through queue over an inferred simple dual-port
// RAM whose read port is registered, so that synthesis maps a large one to
// block RAM (or UltraRAM) and a small one to distributed RAM: the FIFOs between
// tcp_segment's stages and the frame and metadata FIFOs of nic_rx_steer.
//
// The read register is the head of the queue: m_data/m_valid come straight from
// it, and the RAM is read whenever the head is empty or being taken, so a
// consumer that takes every cycle gets one word per cycle. Capacity is DEPTH
// words in the RAM plus the one in the read register. s_ready depends only on
// registers; m_ready reaches the RAM's read enable combinationally (as the EN
// pin of a block RAM), nothing else.
//
// Reads and writes never address the same word in one cycle (a word is read
// only once the write pointer has moved past it), so the RAM's read-during-write
// behaviour does not matter.
//
// ULTRA asks for UltraRAM (ram_style "ultra", honoured by Vivado and yosys)
// where block RAM would otherwise be chosen: on UltraScale+ a deep, wide buffer
// costs fewer URAM288 (4K x 72) than RAMB36 (1K x 36 at that depth).
module ram_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,  // a power of two, at least 2
    parameter bit ULTRA = 1'b0
) (
    input wire logic clk,
    input wire logic rst,

    input  wire logic [WIDTH-1:0] s_data,
    input  wire logic             s_valid,
    output logic                  s_ready,

    output logic      [WIDTH-1:0] m_data,
    output logic                  m_valid,
    input  wire logic             m_ready,

    output logic empty  // nothing stored, read register included
);

  localparam int ADDR_W = $clog2(DEPTH);

  if (DEPTH < 2 || (1 << ADDR_W) != DEPTH) begin : g_bad_depth
    $fatal(1, "ram_fifo: DEPTH must be a power of two >= 2");
  end
  if (WIDTH < 1) begin : g_bad_width
    $fatal(1, "ram_fifo: WIDTH must be >= 1");
  end

  // One bit wider than the address, so that full and empty differ.
  logic [ADDR_W:0] wr_ptr;
  logic [ADDR_W:0] rd_ptr;

  logic ram_empty;
  logic ram_full;
  logic push;
  logic rd_en;

  assign ram_empty = wr_ptr == rd_ptr;
  assign ram_full = wr_ptr == {~rd_ptr[ADDR_W], rd_ptr[ADDR_W-1:0]};
  assign s_ready = !ram_full;
  assign push = s_valid && !ram_full;
  assign rd_en = !ram_empty && (!m_valid || m_ready);
  assign empty = ram_empty && !m_valid;

  if (ULTRA) begin : g_ultra
    (* ram_style = "ultra" *) logic [WIDTH-1:0] mem[DEPTH];

    always_ff @(posedge clk) begin
      if (push) mem[wr_ptr[ADDR_W-1:0]] <= s_data;
    end

    always_ff @(posedge clk) begin
      if (rd_en) m_data <= mem[rd_ptr[ADDR_W-1:0]];
    end
  end else begin : g_inferred
    logic [WIDTH-1:0] mem[DEPTH];

    always_ff @(posedge clk) begin
      if (push) mem[wr_ptr[ADDR_W-1:0]] <= s_data;
    end

    always_ff @(posedge clk) begin
      if (rd_en) m_data <= mem[rd_ptr[ADDR_W-1:0]];
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      wr_ptr  <= '0;
      rd_ptr  <= '0;
      m_valid <= 1'b0;
    end else begin
      if (push) wr_ptr <= wr_ptr + 1'b1;
      if (rd_en) rd_ptr <= rd_ptr + 1'b1;
      if (rd_en) m_valid <= 1'b1;
      else if (m_ready) m_valid <= 1'b0;
    end
  end

endmodule

`resetall
