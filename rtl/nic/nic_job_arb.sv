// SPDX-License-Identifier: Apache-2.0
// nic_job_arb: shares one engine among the host queues, a job at a time. A job
// is a command word on s_axis_cmd followed by one or two frame streams of the
// same queue:
//   stream A (always)  until its tlast,
//   stream B (HAS_B)   until its tlast, unless the command's field
//                      [B_LEN_LSB +: B_LEN_W] is zero (then the job has none).
// nic_top uses it twice: plain frames (command = tx_flag word, A = the frame)
// in front of checksum_tx, and TSO jobs (command = TsoCmdWord, A = header
// template, B = payload, absent when payload_length is 0) in front of
// tcp_segment, so the engine sees each queue's job whole, never interleaved
// with another queue's.
//
//   s_axis_cmd[q] ─► round robin ─┬──────────────────────────► m_axis_cmd (+ qid)
//                                 ├─► A order FIFO ─► select ─► m_axis_a
//                                 └─► B order FIFO ─► select ─► m_axis_b
//   s_axis_a[q], s_axis_b[q] ───────────────────────┘
//
// Commands run ahead of the streams: a queue is chosen round robin among
// those with a command waiting, its command goes to the engine, and the
// queue's number joins the order FIFO of each stream the job has. Each stream
// then serves the queue at the head of its own FIFO until that job's tlast, so
// the engine gets every stream in command order, and the next job's command is
// already in the engine when a job's last beat passes: one-beat frames flow one
// per cycle (the engine decides how far ahead it takes commands). A command
// waits for room in the order FIFOs it needs; the FIFOs hold ORDER_DEPTH jobs,
// far more than the engines take ahead.
//
// A command offered and not taken stays offered (AXI4-Stream: its data holds
// until the handshake), even if a queue earlier in turn shows one meanwhile.
// The stream sides are multiplexers whose select comes from a register (the
// order FIFO's head): s_axis_a_tready of the queue being served is the
// engine's m_axis_a_tready, and m_axis_*_tvalid depend on registers and the
// queues' valids only, so an engine whose tready looks at its tvalid closes
// no loop through here.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nic_job_arb #(
    parameter int N = 2,
    parameter int CMD_W = 8,
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8,
    parameter bit HAS_B = 1'b0,
    parameter int B_LEN_LSB = 0,
    parameter int B_LEN_W = 1,
    // Jobs whose command has gone and whose stream has not finished, per stream.
    parameter int ORDER_DEPTH = 8
) (
    input wire clk,
    input wire rst,

    input  wire  [N*CMD_W-1:0] s_axis_cmd_tdata,
    input  wire  [      N-1:0] s_axis_cmd_tvalid,
    output logic [      N-1:0] s_axis_cmd_tready,

    input  wire  [N*DATA_W-1:0] s_axis_a_tdata,
    input  wire  [N*KEEP_W-1:0] s_axis_a_tkeep,
    input  wire  [       N-1:0] s_axis_a_tlast,
    input  wire  [       N-1:0] s_axis_a_tvalid,
    output logic [       N-1:0] s_axis_a_tready,

    input  wire  [N*DATA_W-1:0] s_axis_b_tdata,
    input  wire  [N*KEEP_W-1:0] s_axis_b_tkeep,
    input  wire  [       N-1:0] s_axis_b_tlast,
    input  wire  [       N-1:0] s_axis_b_tvalid,
    output logic [       N-1:0] s_axis_b_tready,

    output logic [CMD_W-1:0] m_axis_cmd_tdata,
    output logic [$clog2(N > 1 ? N : 2)-1:0] m_axis_cmd_qid,
    output logic             m_axis_cmd_tvalid,
    input  wire              m_axis_cmd_tready,

    output logic [DATA_W-1:0] m_axis_a_tdata,
    output logic [KEEP_W-1:0] m_axis_a_tkeep,
    output logic              m_axis_a_tlast,
    output logic              m_axis_a_tvalid,
    input  wire               m_axis_a_tready,

    output logic [DATA_W-1:0] m_axis_b_tdata,
    output logic [KEEP_W-1:0] m_axis_b_tkeep,
    output logic              m_axis_b_tlast,
    output logic              m_axis_b_tvalid,
    input  wire               m_axis_b_tready,

    // Nothing of a job between its command and the end of its streams.
    output logic idle
);

  localparam int SEL_W = $clog2(N > 1 ? N : 2);

  if (N < 1) begin : g_bad_n
    $fatal(1, "nic_job_arb: N must be at least 1");
  end
  if (HAS_B && (B_LEN_W < 1 || B_LEN_LSB + B_LEN_W > CMD_W)) begin : g_bad_b_len
    $fatal(1, "nic_job_arb: the B length field must lie inside the command word");
  end
  if (ORDER_DEPTH < 2 || (ORDER_DEPTH & (ORDER_DEPTH - 1)) != 0) begin : g_bad_order
    $fatal(1, "nic_job_arb: ORDER_DEPTH must be a power of two, at least 2");
  end

  // ---------------------------------------------------------------------------
  // Commands: round robin from prio_reg on; a command offered and not taken
  // keeps its queue (held_reg) until it is.

  logic [SEL_W-1:0] prio_reg;
  logic held_reg;
  logic [SEL_W-1:0] held_q_reg;

  logic [SEL_W-1:0] pick;
  logic pick_valid;
  always_comb begin
    pick = prio_reg;
    pick_valid = 1'b0;
    for (int k = N - 1; k >= 0; k--) begin
      logic [SEL_W:0] idx;
      idx = (SEL_W + 1)'(prio_reg) + (SEL_W + 1)'(k);
      if (idx >= (SEL_W + 1)'(N)) idx = idx - (SEL_W + 1)'(N);
      if (s_axis_cmd_tvalid[idx[SEL_W-1:0]]) begin
        pick = idx[SEL_W-1:0];
        pick_valid = 1'b1;
      end
    end
  end

  wire [SEL_W-1:0] cmd_q = held_reg ? held_q_reg : pick;
  wire cmd_present = held_reg || pick_valid;
  wire [CMD_W-1:0] cmd_word = s_axis_cmd_tdata[cmd_q*CMD_W+:CMD_W];
  wire cmd_has_b = HAS_B && cmd_word[B_LEN_LSB+:B_LEN_W] != '0;

  logic a_order_ready, b_order_ready;
  wire order_room = a_order_ready && (!cmd_has_b || b_order_ready);

  assign m_axis_cmd_tdata = cmd_word;
  assign m_axis_cmd_qid = cmd_q;
  assign m_axis_cmd_tvalid = cmd_present && order_room;
  wire cmd_fire = m_axis_cmd_tvalid && m_axis_cmd_tready;

  for (genvar i = 0; i < N; i++) begin : g_cmd_ready
    assign s_axis_cmd_tready[i] = cmd_q == SEL_W'(i) && cmd_present && order_room &&
        m_axis_cmd_tready;
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      prio_reg <= '0;
      held_reg <= 1'b0;
      held_q_reg <= '0;
    end else begin
      held_reg <= m_axis_cmd_tvalid && !m_axis_cmd_tready;
      held_q_reg <= cmd_q;
      if (cmd_fire) prio_reg <= cmd_q == SEL_W'(N - 1) ? '0 : cmd_q + 1'b1;
    end
  end

  // ---------------------------------------------------------------------------
  // Streams: each serves the queue at the head of its order FIFO.

  logic [SEL_W-1:0] a_q, b_q;
  logic a_job, b_job;

  nic_fifo #(
      .WIDTH(SEL_W),
      .DEPTH(ORDER_DEPTH)
  ) a_order (
      .clk(clk),
      .rst(rst),
      .s_data(cmd_q),
      .s_valid(cmd_fire),
      .s_ready(a_order_ready),
      .m_data(a_q),
      .m_valid(a_job),
      .m_ready(m_axis_a_tvalid && m_axis_a_tready && m_axis_a_tlast)
  );

  assign m_axis_a_tdata = s_axis_a_tdata[a_q*DATA_W+:DATA_W];
  assign m_axis_a_tkeep = s_axis_a_tkeep[a_q*KEEP_W+:KEEP_W];
  assign m_axis_a_tlast = s_axis_a_tlast[a_q];
  assign m_axis_a_tvalid = a_job && s_axis_a_tvalid[a_q];
  for (genvar i = 0; i < N; i++) begin : g_a_ready
    assign s_axis_a_tready[i] = a_job && a_q == SEL_W'(i) && m_axis_a_tready;
  end

  if (HAS_B) begin : g_b
    nic_fifo #(
        .WIDTH(SEL_W),
        .DEPTH(ORDER_DEPTH)
    ) b_order (
        .clk(clk),
        .rst(rst),
        .s_data(cmd_q),
        .s_valid(cmd_fire && cmd_has_b),
        .s_ready(b_order_ready),
        .m_data(b_q),
        .m_valid(b_job),
        .m_ready(m_axis_b_tvalid && m_axis_b_tready && m_axis_b_tlast)
    );
  end else begin : g_no_b
    assign b_order_ready = 1'b1;
    assign b_q = '0;
    assign b_job = 1'b0;
  end

  assign m_axis_b_tdata = s_axis_b_tdata[b_q*DATA_W+:DATA_W];
  assign m_axis_b_tkeep = s_axis_b_tkeep[b_q*KEEP_W+:KEEP_W];
  assign m_axis_b_tlast = s_axis_b_tlast[b_q];
  assign m_axis_b_tvalid = b_job && s_axis_b_tvalid[b_q];
  for (genvar i = 0; i < N; i++) begin : g_b_ready
    assign s_axis_b_tready[i] = b_job && b_q == SEL_W'(i) && m_axis_b_tready;
  end

  assign idle = !a_job && !b_job;

endmodule

`resetall
