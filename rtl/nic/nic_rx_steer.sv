// SPDX-License-Identifier: Apache-2.0
// nic_rx_steer: the end of nic_top's RX path. It parks each frame while its
// connection is looked up, re-joins frame and lookup result, and hands the
// frame and its 160-bit RxMeta word to the host queue the flow is steered to.
//
//   s_axis_rx ─────────────────────► frame FIFO ────────────┐
//   (beats, from checksum_rx)        (FRAME_FIFO_DEPTH)      │
//                                                            ▼
//   s_axis_parsed ─┬──────────────► meta FIFO ──► join ──► beat register ──► m_axis_c2h[q]
//   (RxParsed)     │  TCP, parse ok (META_FIFO_DEPTH) ▲  └► meta register ──► m_axis_c2h_meta[q]
//                  └► request FIFO ─► m_axis_lookup    │
//                                     s_axis_result ─► result FIFO
//
// Only a well-formed TCP segment (parse ok, l4 tcp) is looked up; every other
// frame is a miss without a lookup, as the contract says and hls/nic does.
// conn_lookup answers lookups in the order it took them, so results re-join
// their frames in order; the tag is a running count the simulation checks.
//
// Steering (until RSS arrives): a hit goes to queue conn_id % NUM_QUEUES, a
// miss to queue 0. The RxMeta word leaves with conn_id and queue filled in;
// everything else is checksum_rx's word as it came.
//
// Sizes. A frame's RxParsed arrives after its last beat, so the frame FIFO
// holds the whole frame (141 beats at 9018 bytes) plus every beat that arrives
// at line rate while the lookup is in flight: about LOOKUP_LATENCY beats
// (memory latency plus conn_lookup's pipeline). The meta FIFO holds one entry
// per frame in that window, the worst case being one-beat frames. nic_top
// sizes both from the table latency; a FIFO too small costs throughput (the
// RX path then pushes back on the wire), never frames. Both are block RAM
// (rtl/common/ram_fifo: a registered read port); the request and result FIFOs
// are small, distributed RAM (nic_fifo).
//
// A frame longer than the frame FIFO could never be joined with its RxParsed
// (which comes after its last beat): beats past the first FRAME_FIFO_DEPTH - 1
// are dropped, and its last beat is replaced with a null beat (tkeep 0, tlast
// 1), so such a frame reaches the host truncated to (FRAME_FIFO_DEPTH - 1) x
// 64 bytes, with its RxMeta (frame_length the bytes that came, parse
// oversize) as rx_parser made it. The FIFO is deeper than MAX_FRAME_LENGTH, so
// only frames already flagged oversize are cut.
//
// Each output is a pipeline register shared by the queues (one per-queue
// tvalid); a queue that does not take its word holds up the ones behind it.
// The sim backend's host rings always take words and count drops in software,
// as a QDMA C2H engine drops on a full ring.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nic_rx_steer #(
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8,
    parameter int PARSED_W = 256,
    parameter int NUM_QUEUES = 1,
    // rx_parser's limit: longer frames are flagged oversize.
    parameter int MAX_FRAME_LENGTH = 9018,
    parameter int FRAME_FIFO_DEPTH = 512,
    parameter int META_FIFO_DEPTH = 256,
    parameter int RESULT_FIFO_DEPTH = 16
) (
    input wire clk,
    input wire rst,

    input  wire  [DATA_W-1:0] s_axis_rx_tdata,
    input  wire  [KEEP_W-1:0] s_axis_rx_tkeep,
    input  wire               s_axis_rx_tlast,
    input  wire               s_axis_rx_tvalid,
    output logic              s_axis_rx_tready,

    input  wire  [PARSED_W-1:0] s_axis_parsed_tdata,
    input  wire                 s_axis_parsed_tvalid,
    output logic                s_axis_parsed_tready,

    // The flow key in FlowKey4 member order: [31:0] remote_ip, [63:32]
    // local_ip, [79:64] remote_port, [95:80] local_port.
    output logic [95:0] m_axis_lookup_key,
    output logic [15:0] m_axis_lookup_tag,
    output logic        m_axis_lookup_tvalid,
    input  wire         m_axis_lookup_tready,

    input  wire  [15:0] s_axis_result_tag,
    input  wire  [31:0] s_axis_result_conn_id,
    input  wire         s_axis_result_tvalid,
    output logic        s_axis_result_tready,

    output logic [NUM_QUEUES*DATA_W-1:0] m_axis_c2h_tdata,
    output logic [NUM_QUEUES*KEEP_W-1:0] m_axis_c2h_tkeep,
    output logic [        NUM_QUEUES-1:0] m_axis_c2h_tlast,
    output logic [        NUM_QUEUES-1:0] m_axis_c2h_tvalid,
    input  wire  [        NUM_QUEUES-1:0] m_axis_c2h_tready,

    output logic [NUM_QUEUES*tandem_pkg::RX_META_W-1:0] m_axis_c2h_meta_tdata,
    output logic [                        NUM_QUEUES-1:0] m_axis_c2h_meta_tvalid,
    input  wire  [                        NUM_QUEUES-1:0] m_axis_c2h_meta_tready
);

  localparam int META_W = tandem_pkg::RX_META_W;
  localparam int BEAT_W = DATA_W + KEEP_W + 1;
  localparam int Q_W = NUM_QUEUES > 1 ? $clog2(NUM_QUEUES) : 1;

  if (PARSED_W != tandem_pkg::RX_PARSED_W) begin : g_bad_parsed_w
    $fatal(1, "nic_rx_steer: PARSED_W must be tandem_pkg::RX_PARSED_W");
  end
  if (NUM_QUEUES < 1 || NUM_QUEUES > 4096 || (NUM_QUEUES & (NUM_QUEUES - 1)) != 0) begin : g_bad_q
    $fatal(1, "nic_rx_steer: NUM_QUEUES must be a power of two in 1 .. 4096 (the meta queue field)");
  end
  if (KEEP_W != DATA_W / 8) begin : g_bad_keep_w
    $fatal(1, "nic_rx_steer: KEEP_W must be DATA_W / 8");
  end
  if ((FRAME_FIFO_DEPTH - 1) * KEEP_W <= MAX_FRAME_LENGTH) begin : g_bad_frame_fifo
    $fatal(1, "nic_rx_steer: FRAME_FIFO_DEPTH - 1 beats must hold more than MAX_FRAME_LENGTH");
  end

  // ---------------------------------------------------------------------------
  // Park the frame; split its RxParsed into the meta FIFO and a lookup request.

  logic frame_valid, frame_ready;
  logic [BEAT_W-1:0] frame_word;

  // Beats of the frame coming in that went into the FIFO, up to the cut.
  localparam int KEPT_BEATS = FRAME_FIFO_DEPTH - 1;
  localparam int KEPT_W = $clog2(FRAME_FIFO_DEPTH);
  logic [KEPT_W-1:0] in_beats_reg;
  wire in_cut = in_beats_reg == KEPT_W'(KEPT_BEATS);
  wire in_fire = s_axis_rx_tvalid && s_axis_rx_tready;

  always_ff @(posedge clk) begin
    if (rst) in_beats_reg <= '0;
    else if (in_fire) begin
      if (s_axis_rx_tlast) in_beats_reg <= '0;
      else if (!in_cut) in_beats_reg <= in_beats_reg + 1'b1;
    end
  end

  // Both parking FIFOs are deep: block RAM behind a registered read port.
  /* verilator lint_off UNUSEDSIGNAL */
  logic frame_fifo_empty, meta_fifo_empty;
  /* verilator lint_on UNUSEDSIGNAL */

  ram_fifo #(
      .WIDTH(BEAT_W),
      .DEPTH(FRAME_FIFO_DEPTH)
  ) frame_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(in_cut ? {1'b1, KEEP_W'(0), DATA_W'(0)} :
                       {s_axis_rx_tlast, s_axis_rx_tkeep, s_axis_rx_tdata}),
      .s_valid(s_axis_rx_tvalid && (!in_cut || s_axis_rx_tlast)),
      .s_ready(s_axis_rx_tready),
      .m_data(frame_word),
      .m_valid(frame_valid),
      .m_ready(frame_ready),
      .empty(frame_fifo_empty)
  );

  wire [META_W-1:0] parsed_meta = s_axis_parsed_tdata[META_W-1:0];
  wire parsed_needs_lookup =
      parsed_meta[tandem_pkg::RXM_PARSE_LSB+:tandem_pkg::RXM_PARSE_W] == tandem_pkg::PARSE_OK &&
      parsed_meta[tandem_pkg::RXM_L4_LSB+:tandem_pkg::RXM_L4_W] == tandem_pkg::L4_TCP;

  logic meta_in_ready, req_in_ready;
  logic [15:0] req_tag_reg;
  assign s_axis_parsed_tready = meta_in_ready && req_in_ready;
  wire parsed_fire = s_axis_parsed_tvalid && s_axis_parsed_tready;

  logic head_valid, head_pop;
  logic [META_W:0] head_word;

  ram_fifo #(
      .WIDTH(META_W + 1),
      .DEPTH(META_FIFO_DEPTH)
  ) meta_fifo (
      .clk(clk),
      .rst(rst),
      .s_data({parsed_needs_lookup, parsed_meta}),
      .s_valid(s_axis_parsed_tvalid && req_in_ready),
      .s_ready(meta_in_ready),
      .m_data(head_word),
      .m_valid(head_valid),
      .m_ready(head_pop),
      .empty(meta_fifo_empty)
  );

  nic_fifo #(
      .WIDTH(96 + 16),
      .DEPTH(4)
  ) request_fifo (
      .clk(clk),
      .rst(rst),
      .s_data({req_tag_reg, s_axis_parsed_tdata[PARSED_W-1:META_W]}),
      .s_valid(s_axis_parsed_tvalid && meta_in_ready && parsed_needs_lookup),
      .s_ready(req_in_ready),
      .m_data({m_axis_lookup_tag, m_axis_lookup_key}),
      .m_valid(m_axis_lookup_tvalid),
      .m_ready(m_axis_lookup_tready)
  );

  logic result_valid, result_pop;
  logic [15:0] result_tag;
  logic [31:0] result_conn_id;

  nic_fifo #(
      .WIDTH(16 + 32),
      .DEPTH(RESULT_FIFO_DEPTH)
  ) result_fifo (
      .clk(clk),
      .rst(rst),
      .s_data({s_axis_result_tag, s_axis_result_conn_id}),
      .s_valid(s_axis_result_tvalid),
      .s_ready(s_axis_result_tready),
      .m_data({result_tag, result_conn_id}),
      .m_valid(result_valid),
      .m_ready(result_pop)
  );

  // ---------------------------------------------------------------------------
  // Join and steer.

  // The frame whose beats are leaving, and its queue.
  logic cur_active_reg, cur_active_next;
  logic [Q_W-1:0] cur_q_reg, cur_q_next;
  logic [15:0] expect_tag_reg, expect_tag_next;

  logic out_valid_reg;
  logic [Q_W-1:0] out_q_reg;
  logic [DATA_W-1:0] out_data_reg;
  logic [KEEP_W-1:0] out_keep_reg;
  logic out_last_reg;

  logic meta_valid_reg;
  logic [Q_W-1:0] meta_q_reg;
  logic [META_W-1:0] meta_data_reg;

  logic out_free, meta_free, beat_pop, frame_ends, rejoin;
  wire head_needs_lookup = head_word[META_W];
  logic [31:0] join_conn_id;
  logic [Q_W-1:0] join_q;
  logic [META_W-1:0] join_meta;

  always_comb begin
    out_free = !out_valid_reg || m_axis_c2h_tready[out_q_reg];
    meta_free = !meta_valid_reg || m_axis_c2h_meta_tready[meta_q_reg];
    beat_pop = cur_active_reg && frame_valid && out_free;
    frame_ends = beat_pop && frame_word[BEAT_W-1];
    rejoin = head_valid && (!head_needs_lookup || result_valid) &&
           (!cur_active_reg || frame_ends) && meta_free;
    frame_ready = beat_pop;
    head_pop = rejoin;
    result_pop = rejoin && head_needs_lookup;

    join_conn_id = head_needs_lookup ? result_conn_id : tandem_pkg::LOOKUP_MISS;
    join_q = '0;
    if (NUM_QUEUES > 1 && join_conn_id != tandem_pkg::LOOKUP_MISS) join_q = join_conn_id[Q_W-1:0];
    join_meta = head_word[META_W-1:0];
    join_meta[tandem_pkg::RXM_CONN_ID_LSB+:tandem_pkg::RXM_CONN_ID_W] = join_conn_id;
    join_meta[tandem_pkg::RXM_QUEUE_LSB+:tandem_pkg::RXM_QUEUE_W] = tandem_pkg::RXM_QUEUE_W'(join_q);

    cur_active_next = cur_active_reg;
    cur_q_next = cur_q_reg;
    expect_tag_next = expect_tag_reg;
    if (frame_ends) cur_active_next = 1'b0;
    if (rejoin) begin
      cur_active_next = 1'b1;
      cur_q_next = join_q;
    end
    if (result_pop) expect_tag_next = expect_tag_reg + 16'd1;
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk) begin
    if (!rst && result_pop && result_tag != expect_tag_reg)
      $fatal(1, "nic_rx_steer: lookup result out of order");
  end
`endif

  always_ff @(posedge clk) begin
    if (beat_pop) begin
      out_data_reg <= frame_word[DATA_W-1:0];
      out_keep_reg <= frame_word[DATA_W+:KEEP_W];
      out_last_reg <= frame_word[BEAT_W-1];
      out_q_reg <= cur_q_reg;
    end
    if (rejoin) begin
      meta_data_reg <= join_meta;
      meta_q_reg <= join_q;
    end
    if (rst) begin
      out_valid_reg <= 1'b0;
      meta_valid_reg <= 1'b0;
      cur_active_reg <= 1'b0;
      cur_q_reg <= '0;
      req_tag_reg <= '0;
      expect_tag_reg <= '0;
    end else begin
      if (out_free) out_valid_reg <= beat_pop;
      if (meta_free) meta_valid_reg <= rejoin;
      cur_active_reg <= cur_active_next;
      cur_q_reg <= cur_q_next;
      expect_tag_reg <= expect_tag_next;
      if (parsed_fire && parsed_needs_lookup) req_tag_reg <= req_tag_reg + 16'd1;
    end
  end

  for (genvar q = 0; q < NUM_QUEUES; q++) begin : g_queue
    assign m_axis_c2h_tdata[q*DATA_W+:DATA_W] = out_data_reg;
    assign m_axis_c2h_tkeep[q*KEEP_W+:KEEP_W] = out_keep_reg;
    assign m_axis_c2h_tlast[q] = out_last_reg;
    assign m_axis_c2h_tvalid[q] = out_valid_reg && out_q_reg == Q_W'(q);
    assign m_axis_c2h_meta_tdata[q*META_W+:META_W] = meta_data_reg;
    assign m_axis_c2h_meta_tvalid[q] = meta_valid_reg && meta_q_reg == Q_W'(q);
  end

endmodule

`resetall
