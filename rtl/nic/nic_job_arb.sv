// SPDX-License-Identifier: Apache-2.0
// nic_job_arb: grants one engine to one host queue per job. A job is a command
// word on s_axis_cmd followed by one or two frame streams of the same queue:
//   stream A (always)  until its tlast,
//   stream B (HAS_B)   until its tlast, unless the command's field
//                      [B_LEN_LSB +: B_LEN_W] is zero (then the job has none).
// nic_top uses it twice: plain frames (command = tx_flag word, A = the frame)
// in front of checksum_tx, and TSO jobs (command = TsoCmdWord, A = header
// template, B = payload, absent when payload_length is 0) in front of
// tcp_segment, so the engine sees each queue's job whole, never interleaved
// with another queue's.
//
// A queue is chosen round robin among those with a command waiting, in the
// cycle its command can be taken, and held until the command and every stream
// of the job have passed; the three streams flow independently (the engine
// decides their order). The grant is released in the cycle the job's last
// word passes, so a queue's next job can start in the next cycle.
//
// This is a multiplexer, not a register stage: s_axis_*_tready of the granted
// queue is the engine's tready (and m_axis_cmd_qid names that queue, for
// routing the engine's answer back). The engines register their inputs.
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
    parameter int B_LEN_W = 1
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
    input  wire               m_axis_b_tready
);

  localparam int SEL_W = $clog2(N > 1 ? N : 2);

  if (N < 1) begin : g_bad_n
    $fatal(1, "nic_job_arb: N must be at least 1");
  end
  if (HAS_B && (B_LEN_W < 1 || B_LEN_LSB + B_LEN_W > CMD_W)) begin : g_bad_b_len
    $fatal(1, "nic_job_arb: the B length field must lie inside the command word");
  end

  logic locked_reg, locked_next;
  logic [SEL_W-1:0] grant_reg, grant_next;
  logic [SEL_W-1:0] prio_reg, prio_next;
  // What of the granted job has passed.
  logic cmd_done_reg, cmd_done_next;
  logic a_done_reg, a_done_next;
  logic b_done_reg, b_done_next;
  // Whether the granted job has a B stream, kept once its command has gone.
  logic b_need_reg, b_need_next;

  logic [SEL_W-1:0] pick;
  logic pick_valid;
  logic [SEL_W-1:0] sel;
  logic active;
  logic [CMD_W-1:0] sel_cmd;
  logic b_need;
  logic cmd_fire, a_fire, b_fire;

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

  // Valids and data first, from registers and the queues' valids only, so that
  // an engine whose tready looks at its tvalid closes no loop through here.
  always_comb begin
    sel = locked_reg ? grant_reg : pick;
    active = locked_reg || pick_valid;
    sel_cmd = s_axis_cmd_tdata[sel*CMD_W+:CMD_W];
    if (!HAS_B) b_need = 1'b0;
    else if (locked_reg && cmd_done_reg) b_need = b_need_reg;
    else b_need = sel_cmd[B_LEN_LSB+:B_LEN_W] != '0;
  end

  assign m_axis_cmd_tdata = sel_cmd;
  assign m_axis_cmd_qid = sel;
  assign m_axis_cmd_tvalid = active && !cmd_done_reg && s_axis_cmd_tvalid[sel];
  assign m_axis_a_tdata = s_axis_a_tdata[sel*DATA_W+:DATA_W];
  assign m_axis_a_tkeep = s_axis_a_tkeep[sel*KEEP_W+:KEEP_W];
  assign m_axis_a_tlast = s_axis_a_tlast[sel];
  assign m_axis_a_tvalid = active && !a_done_reg && s_axis_a_tvalid[sel];
  assign m_axis_b_tdata = s_axis_b_tdata[sel*DATA_W+:DATA_W];
  assign m_axis_b_tkeep = s_axis_b_tkeep[sel*KEEP_W+:KEEP_W];
  assign m_axis_b_tlast = s_axis_b_tlast[sel];
  assign m_axis_b_tvalid = active && b_need && !b_done_reg && s_axis_b_tvalid[sel];

  for (genvar i = 0; i < N; i++) begin : g_ready
    assign s_axis_cmd_tready[i] = sel == SEL_W'(i) && active && !cmd_done_reg && m_axis_cmd_tready;
    assign s_axis_a_tready[i] = sel == SEL_W'(i) && active && !a_done_reg && m_axis_a_tready;
    assign s_axis_b_tready[i] =
        sel == SEL_W'(i) && active && b_need && !b_done_reg && m_axis_b_tready;
  end

  assign cmd_fire = m_axis_cmd_tvalid && m_axis_cmd_tready;
  assign a_fire = m_axis_a_tvalid && m_axis_a_tready;
  assign b_fire = m_axis_b_tvalid && m_axis_b_tready;

  always_comb begin
    cmd_done_next = cmd_done_reg;
    a_done_next = a_done_reg;
    b_done_next = b_done_reg;
    b_need_next = b_need_reg;
    locked_next = locked_reg;
    grant_next = grant_reg;
    prio_next = prio_reg;
    // Between jobs sel_cmd is whatever the queue next in turn shows, so nothing
    // of a job is noted until one is granted.
    if (active) begin
      cmd_done_next = cmd_done_reg || cmd_fire;
      a_done_next = a_done_reg || (a_fire && m_axis_a_tlast);
      b_done_next = b_done_reg || !b_need || (b_fire && m_axis_b_tlast);
      b_need_next = b_need;
      grant_next = sel;
      if (cmd_done_next && a_done_next && b_done_next) begin
        locked_next = 1'b0;
        cmd_done_next = 1'b0;
        a_done_next = 1'b0;
        b_done_next = 1'b0;
        prio_next = sel == SEL_W'(N - 1) ? '0 : sel + 1'b1;
      end else begin
        locked_next = 1'b1;
      end
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      locked_reg <= 1'b0;
      grant_reg <= '0;
      prio_reg <= '0;
      cmd_done_reg <= 1'b0;
      a_done_reg <= 1'b0;
      b_done_reg <= 1'b0;
      b_need_reg <= 1'b0;
    end else begin
      locked_reg <= locked_next;
      grant_reg <= grant_next;
      prio_reg <= prio_next;
      cmd_done_reg <= cmd_done_next;
      a_done_reg <= a_done_next;
      b_done_reg <= b_done_next;
      b_need_reg <= b_need_next;
    end
  end

endmodule

`resetall
