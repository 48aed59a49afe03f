// SPDX-License-Identifier: Apache-2.0
// table_mem_model: the flow table's off-chip memory (HBM/DDR on the card) as
// simulation sees it, the RTL twin of hls/conn_lookup/table_memory.hpp
// (TableMemory). Simulation only: yosys is not meant to see it.
//
// - an array of 2^LOG2_BUCKETS 512-bit bucket words, every slot empty
//   (conn_id LOOKUP_MISS) when the simulation starts (reset empties the
//   answer queue, not the table: the engine's own reset clears its mirror
//   only, so reset both only at the start);
// - s_axis_rd: one bucket read request a cycle, always ready; the word is
//   read when the request is taken (a write taken in the same cycle is seen)
//   and comes out on m_axis_rd, in order, `latency` cycles later: a request
//   taken in cycle c is valid in cycle c + latency, and holds there while
//   m_axis_rd_tready is low (later answers queue behind it, QUEUE_DEPTH at
//   most; the engine keeps at most 257 reads outstanding);
// - s_axis_wr: one slot write a cycle, always ready, applied at once.
//
// The latency is LATENCY, or cfg_latency when that is not 0 (a test changes
// it between runs, with nothing in flight). The backdoor (dbg_bucket ->
// dbg_word) and the counters let tests compare the table word for word with
// the HLS model's.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module table_mem_model #(
    parameter int LOG2_BUCKETS = 14,
    parameter int LATENCY = 64,
    parameter int QUEUE_DEPTH = 512
) (
    input wire clk,
    input wire rst,

    input wire [15:0] cfg_latency,

    input  wire  [conn_lookup_pkg::RD_REQ_W-1:0] s_axis_rd_tdata,
    input  wire                                  s_axis_rd_tvalid,
    output logic                                 s_axis_rd_tready,

    output logic [conn_lookup_pkg::BUCKET_W-1:0] m_axis_rd_tdata,
    output logic                                 m_axis_rd_tvalid,
    input  wire                                  m_axis_rd_tready,

    input  wire  [conn_lookup_pkg::WR_W-1:0] s_axis_wr_tdata,
    input  wire                              s_axis_wr_tvalid,
    output logic                             s_axis_wr_tready,

    output logic        idle,
    output logic [63:0] reads,
    output logic [63:0] writes,

    input  wire  [LOG2_BUCKETS-1:0] dbg_bucket,
    output logic [conn_lookup_pkg::BUCKET_W-1:0] dbg_word
);

  localparam int LB = LOG2_BUCKETS;
  localparam int BUCKETS = 1 << LB;
  localparam int BUCKET_W = conn_lookup_pkg::BUCKET_W;
  localparam int SLOT_W = conn_lookup_pkg::SLOT_W;
  localparam int QW = $clog2(QUEUE_DEPTH);

  if (LB < 1 || LB > 24) begin : g_bad_log2
    $fatal(1, "table_mem_model: LOG2_BUCKETS must be in 1 .. 24");
  end
  if (LATENCY < 1) begin : g_bad_latency
    $fatal(1, "table_mem_model: LATENCY must be at least 1 cycle");
  end
  if (QUEUE_DEPTH < 2 || (QUEUE_DEPTH & (QUEUE_DEPTH - 1)) != 0) begin : g_bad_depth
    $fatal(1, "table_mem_model: QUEUE_DEPTH must be a power of two");
  end

  localparam logic [BUCKET_W-1:0] EMPTY_WORD = {conn_lookup_pkg::SLOTS{conn_lookup_pkg::EMPTY_SLOT}};

  logic [BUCKET_W-1:0] table_words[BUCKETS];
  logic [BUCKET_W-1:0] queue_word[QUEUE_DEPTH];
  logic [63:0] queue_due[QUEUE_DEPTH];
  logic [QW-1:0] q_head, q_tail;
  logic [QW:0] q_count;
  logic [63:0] now;

  wire [63:0] latency = cfg_latency != '0 ? 64'(cfg_latency) : 64'(LATENCY);

  // The request's bucket and the write's fields; the upper bits of the
  // 32-bit bucket index are beyond the table.
  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] rd_index = s_axis_rd_tdata;
  wire [31:0] wr_index = s_axis_wr_tdata[conn_lookup_pkg::WR_BUCKET_LSB+:32];
  wire [7:0] wr_slot_field = s_axis_wr_tdata[conn_lookup_pkg::WR_SLOT_LSB+:8];
  /* verilator lint_on UNUSEDSIGNAL */
  wire [LB-1:0] rd_bucket = rd_index[LB-1:0];
  wire [LB-1:0] wr_bucket = wr_index[LB-1:0];
  wire [1:0] wr_slot = wr_slot_field[1:0];
  wire [SLOT_W-1:0] wr_entry = s_axis_wr_tdata[SLOT_W-1:0];

  wire rd_fire = s_axis_rd_tvalid && s_axis_rd_tready;
  wire wr_fire = s_axis_wr_tvalid && s_axis_wr_tready;
  wire data_fire = m_axis_rd_tvalid && m_axis_rd_tready;

  assign s_axis_rd_tready = 1'b1;
  assign s_axis_wr_tready = 1'b1;
  assign m_axis_rd_tvalid = q_count != '0 && queue_due[q_head] <= now;
  assign m_axis_rd_tdata = queue_word[q_head];
  assign idle = q_count == '0;
  assign dbg_word = table_words[dbg_bucket];

  // The word a read taken now sees: the table with this cycle's write applied.
  logic [BUCKET_W-1:0] rd_word;
  always_comb begin
    rd_word = table_words[rd_bucket];
    if (wr_fire && wr_bucket == rd_bucket) rd_word[SLOT_W*wr_slot+:SLOT_W] = wr_entry;
  end

  initial begin
    for (int b = 0; b < BUCKETS; b++) table_words[b] = EMPTY_WORD;
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      q_head <= '0;
      q_tail <= '0;
      q_count <= '0;
      now <= '0;
      reads <= '0;
      writes <= '0;
    end else begin
      now <= now + 64'd1;
      if (wr_fire) begin
        table_words[wr_bucket][SLOT_W*wr_slot+:SLOT_W] <= wr_entry;
        writes <= writes + 64'd1;
      end
      if (rd_fire) begin
`ifndef SYNTHESIS
        // A simulation model: a synthesis tool reads it only to box it.
        if (q_count == (QW + 1)'(QUEUE_DEPTH)) $fatal(1, "table_mem_model: answer queue overflow");
`endif
        queue_word[q_tail] <= rd_word;
        queue_due[q_tail] <= now + latency;
        q_tail <= q_tail + 1'b1;
        reads <= reads + 64'd1;
      end
      if (data_fire) q_head <= q_head + 1'b1;
      q_count <= q_count + (QW + 1)'(rd_fire) - (QW + 1)'(data_fire);
    end
  end

endmodule

`resetall
