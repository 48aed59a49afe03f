// SPDX-License-Identifier: Apache-2.0
// nic_frame_arb: merges N frame streams into one, whole frames at a time: once
// a frame's first beat is taken from input i, only input i is served until its
// tlast, so beats of two frames never interleave. Between frames the inputs
// are served round robin, starting after the one that sent last. The choice
// for a new frame is made in the cycle its first beat is taken, so frames from
// different inputs follow each other with no idle cycle (II=1 across frames).
//
// The output is a pipeline register: m_axis_* come from flops; m_axis_tready
// reaches s_axis_tready through the register's "free" term and the input
// select, nothing more. s_axis_tready of the inputs that are not chosen is low.
// nic_top uses it in front of the wire, merging checksum_tx (plain frames) and
// tcp_segment (TSO segments).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nic_frame_arb #(
    parameter int N = 2,
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8
) (
    input wire clk,
    input wire rst,

    input  wire  [N*DATA_W-1:0] s_axis_tdata,
    input  wire  [N*KEEP_W-1:0] s_axis_tkeep,
    input  wire  [       N-1:0] s_axis_tlast,
    input  wire  [       N-1:0] s_axis_tvalid,
    output logic [       N-1:0] s_axis_tready,

    output logic [DATA_W-1:0] m_axis_tdata,
    output logic [KEEP_W-1:0] m_axis_tkeep,
    output logic              m_axis_tlast,
    output logic              m_axis_tvalid,
    input  wire               m_axis_tready
);

  localparam int SEL_W = N > 1 ? $clog2(N) : 1;

  if (N < 1) begin : g_bad_n
    $fatal(1, "nic_frame_arb: N must be at least 1");
  end
  if (KEEP_W != DATA_W / 8) begin : g_bad_keep_w
    $fatal(1, "nic_frame_arb: KEEP_W must be DATA_W / 8");
  end

  logic locked_reg, locked_next;
  logic [SEL_W-1:0] grant_reg, grant_next;
  // The input served first when the next frame is chosen.
  logic [SEL_W-1:0] prio_reg, prio_next;

  logic [SEL_W-1:0] pick;
  logic pick_valid;
  logic [SEL_W-1:0] sel;
  logic sel_valid;
  logic out_free;
  logic take;

  // Round robin among the inputs with a beat waiting, from prio_reg on.
  always_comb begin
    pick = prio_reg;
    pick_valid = 1'b0;
    for (int k = N - 1; k >= 0; k--) begin
      logic [SEL_W:0] idx;
      idx = (SEL_W + 1)'(prio_reg) + (SEL_W + 1)'(k);
      if (idx >= (SEL_W + 1)'(N)) idx = idx - (SEL_W + 1)'(N);
      if (s_axis_tvalid[idx[SEL_W-1:0]]) begin
        pick = idx[SEL_W-1:0];
        pick_valid = 1'b1;
      end
    end
  end

  assign sel = locked_reg ? grant_reg : pick;
  assign sel_valid = locked_reg ? s_axis_tvalid[grant_reg] : pick_valid;
  assign out_free = !m_axis_tvalid || m_axis_tready;
  assign take = out_free && sel_valid;
  for (genvar i = 0; i < N; i++) begin : g_ready
    assign s_axis_tready[i] = sel == SEL_W'(i) && out_free;
  end

  always_comb begin
    locked_next = locked_reg;
    grant_next = grant_reg;
    prio_next = prio_reg;
    if (take) begin
      grant_next = sel;
      if (s_axis_tlast[sel]) begin
        locked_next = 1'b0;
        prio_next = sel == SEL_W'(N - 1) ? '0 : sel + 1'b1;
      end else begin
        locked_next = 1'b1;
      end
    end
  end

  always_ff @(posedge clk) begin
    if (take) begin
      m_axis_tdata <= s_axis_tdata[sel*DATA_W+:DATA_W];
      m_axis_tkeep <= s_axis_tkeep[sel*KEEP_W+:KEEP_W];
      m_axis_tlast <= s_axis_tlast[sel];
    end
    if (rst) begin
      m_axis_tvalid <= 1'b0;
      locked_reg <= 1'b0;
      grant_reg <= '0;
      prio_reg <= '0;
    end else begin
      if (out_free) m_axis_tvalid <= take;
      locked_reg <= locked_next;
      grant_reg <= grant_next;
      prio_reg <= prio_next;
    end
  end

endmodule

`resetall
