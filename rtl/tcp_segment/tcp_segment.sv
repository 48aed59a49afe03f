// SPDX-License-Identifier: Apache-2.0
`resetall
`timescale 1ns / 1ps
`default_nettype none

// tcp_segment: the TSO engine, the RTL twin of hls/tcp_segment/ (TcpSegment).
// A job is a header template (Ethernet + IPv4 + TCP, options included), 1..64 KiB
// of payload and the peer's MSS; the engine emits ceil(len / MSS) frames with
// IPv4 total length, ID (+1 per segment), TCP sequence number (+offset), flags
// (FIN/PSH on the last segment only, CWR on the first only) and both checksums
// rewritten, and answers every job with one status. For the same input streams
// it sends the same frames (every tdata bit, tkeep, tlast) and statuses as the
// HLS class; lanes past a frame's end are zero in both.
//
// Ports (AXI4-Stream, flattened; names as in the HLS top function):
//   s_axis_cmd     one job word per job (hls_kernels::TsoCmdWord, tso_cmd_bits):
//                    [15:0]  header_length   bytes of template
//                    [31:16] mss             payload bytes per segment
//                    [63:32] payload_length  bytes of payload
//   s_axis_header  the template, ceil(header_length / 64) beats, tlast on the last
//                  (tkeep is not looked at: header_length says how long it is)
//   s_axis_payload the payload, ceil(payload_length / 64) beats, tlast on the last;
//                  none for a job of length 0 (tkeep not looked at either)
//   m_axis_tx      the frames: tkeep on the valid lanes, tlast on each frame's end
//   m_axis_status  [7:0] a contract::TxStatus per job, in job order, once the
//                  job's payload has been read (before its last frames leave)
//   idle           RTL only: nothing in flight, every FIFO and register empty
//   payload_framing_errors  RTL only: TcpSegment::payload_framing_errors()
//
// A job is refused (its header and payload read and dropped, nothing sent) for
// the first of: MSS 0 (bad_mss); payload 0 or over MAX_PAYLOAD
// (payload_too_large); a template that is not Ethernet II/IPv4/TCP, has IHL or
// data offset < 5, a header_length other than 14 + IHL*4 + offset*4 or a header
// stream of other than ceil(header_length / 64) beats (bad_template); a largest
// segment that overflows the IPv4 total length (bad_mss).
//
// Block diagram:
//
//   s_axis_cmd ----> [header]  capture <= 3 beats, validate, sum the constant
//   s_axis_header ->    |      parts of both checksums (one beat per cycle)
//                       |-- job FIFO (status, length, MSS) --------+
//                       '-- template FIFO (bytes, fields, sums) -+ |
//                                                                | v
//   s_axis_payload -------------------------------------> [segment] -> m_axis_status
//                  payload beats, untouched, into the beat FIFO  | sums each segment
//                              +--- beat FIFO (URAM) <-----------+ (two lane trees)
//                              |    descriptor FIFO <------------'
//                              |          |
//                              |          v
//                              |    [prep]  per-segment fields and unfolded sums
//                              v          v
//                          window --> [emit] patched header, payload rotated from
//                          (2 beats)         stream lanes to frame lanes --> skid --> m_axis_tx
//
// The beat FIFO must hold a whole segment (its checksum precedes its payload),
// and the HLS kernel accepts segments of up to MAX_PAYLOAD bytes (any MSS whose
// segment fits a 16-bit IPv4 length), so PAYLOAD_FIFO_DEPTH >= MAX_PAYLOAD / 64:
// 1024 beats of 512 bits. That is also far more than the ~2 x 141 beats that
// double-buffering 9000-byte segments needs, so the segment stage runs up to a
// whole job ahead of the emitter and frames leave back to back across jobs.
// Cost: 1024 x 512 bits = 512 Kib: 8 URAM288 (4K x 72, a quarter of their
// depth used), the default, or 15 RAMB36 (1K x 36; yosys packs 29 RAMB18) with
// PAYLOAD_FIFO_ULTRA 0. The other FIFOs are distributed RAM.
//
// Throughput: one m_axis_tx beat per cycle while m_axis_tx_tready is high. The
// segment stage reads payload at one beat per cycle and closes at most one
// segment per cycle (a beat holding the ends of several segments, MSS < 64,
// takes one cycle each; each of those frames is at least one output beat).
// tready on every input depends only on registers; m_axis_tx_tready reaches only
// the output register and skid buffer. The deepest logic between registers (yosys
// gives no timing) is the segment stage's lane mask -> 32-word adder tree ->
// accumulator and prep's sequence-number add -> seven-term checksum sum; each
// could take a second cycle behind its control if a 322 MHz build needs it.
module tcp_segment #(
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8,
    // Largest payload accepted (TcpSegment's max_payload), at most 64 KiB.
    parameter int MAX_PAYLOAD = 65536,
    // Beats of payload buffered between the segment stage and the emitter, in
    // UltraRAM (8 URAM288) or, with PAYLOAD_FIFO_ULTRA 0, block RAM (15 RAMB36).
    parameter int PAYLOAD_FIFO_DEPTH = 1024,
    parameter bit PAYLOAD_FIFO_ULTRA = 1'b1,
    // Segment descriptors and jobs that may wait between stages.
    parameter int DESC_FIFO_DEPTH = 32,
    parameter int JOB_FIFO_DEPTH = 4
) (
    input wire logic clk,
    input wire logic rst,

    input  wire logic [63:0] s_axis_cmd_tdata,
    input  wire logic        s_axis_cmd_tvalid,
    output logic             s_axis_cmd_tready,

    input  wire logic [DATA_W-1:0] s_axis_header_tdata,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire logic [KEEP_W-1:0] s_axis_header_tkeep,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire logic              s_axis_header_tlast,
    input  wire logic              s_axis_header_tvalid,
    output logic                   s_axis_header_tready,

    input  wire logic [DATA_W-1:0] s_axis_payload_tdata,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire logic [KEEP_W-1:0] s_axis_payload_tkeep,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire logic              s_axis_payload_tlast,
    input  wire logic              s_axis_payload_tvalid,
    output logic                   s_axis_payload_tready,

    output logic      [DATA_W-1:0] m_axis_tx_tdata,
    output logic      [KEEP_W-1:0] m_axis_tx_tkeep,
    output logic                   m_axis_tx_tlast,
    output logic                   m_axis_tx_tvalid,
    input  wire logic              m_axis_tx_tready,

    output logic      [7:0] m_axis_status_tdata,
    output logic            m_axis_status_tvalid,
    input  wire logic       m_axis_status_tready,

    output logic        idle,
    output logic [31:0] payload_framing_errors
);

  // -------------------------------------------------------------------------
  // Geometry

  if (DATA_W != 512) begin : g_bad_data_w
    $fatal(1, "tcp_segment: DATA_W must be 512 (64-byte beats, as the HLS kernel)");
  end
  if (KEEP_W != DATA_W / 8) begin : g_bad_keep_w
    $fatal(1, "tcp_segment: KEEP_W must be DATA_W / 8");
  end
  if (MAX_PAYLOAD < 1 || MAX_PAYLOAD > 65536) begin : g_bad_max_payload
    $fatal(1, "tcp_segment: MAX_PAYLOAD must be 1..65536 (contract::kTsoMaxPayload)");
  end
  if (PAYLOAD_FIFO_DEPTH < (MAX_PAYLOAD + 63) / 64) begin : g_bad_fifo_depth
    $fatal(1, "tcp_segment: PAYLOAD_FIFO_DEPTH must hold a whole segment of MAX_PAYLOAD bytes");
  end
  if (DESC_FIFO_DEPTH < 2 || JOB_FIFO_DEPTH < 2) begin : g_bad_small_fifos
    $fatal(1, "tcp_segment: DESC_FIFO_DEPTH and JOB_FIFO_DEPTH must be >= 2");
  end

  localparam int BEAT_BYTES = DATA_W / 8;
  // The longest template, 14 + 60 + 60 (contract::kTsoMaxHeader): parts of
  // three beats. Bytes past it are never kept.
  localparam int HDR_BYTES = 134;
  localparam int HDR_W = 8 * HDR_BYTES;
  localparam int LEN_W = 17;  // 0..65536 bytes of a job

  localparam logic [2:0] ST_OK = 3'd0;
  localparam logic [2:0] ST_BAD_MSS = 3'd2;
  localparam logic [2:0] ST_PAYLOAD_TOO_LARGE = 3'd3;
  localparam logic [2:0] ST_BAD_TEMPLATE = 3'd4;

  // Offsets in the template (RFC 791 §3.1, RFC 9293 §3.1).
  localparam int ETH_LEN = 14;
  localparam int IP_TOTAL_LENGTH = ETH_LEN + 2;
  localparam int IP_ID = ETH_LEN + 4;
  localparam int IP_PROTOCOL = ETH_LEN + 9;
  localparam int IP_CHECKSUM = ETH_LEN + 10;
  localparam int TCP_SEQ = 4;
  localparam int TCP_OFFSET = 12;
  localparam int TCP_FLAGS = 13;
  localparam int TCP_CHECKSUM = 16;
  localparam logic [7:0] TCP_FIN_PSH = 8'h09;
  localparam logic [7:0] TCP_CWR = 8'h80;

  // Sum of the 16-bit words of a beat whose bytes `mask` selects; byte 2k is the
  // high byte of word k, as on the wire. A balanced tree, five adder levels.
  function automatic logic [21:0] lane_sum(input logic [DATA_W-1:0] data,
                                           input logic [BEAT_BYTES-1:0] mask);
    logic [32*22-1:0] s;
    s = '0;
    for (int k = 0; k < 32; k++) begin
      s[22*k+:22] = {
        6'd0, mask[2*k] ? data[16*k+:8] : 8'd0, mask[2*k+1] ? data[16*k+8+:8] : 8'd0
      };
    end
    for (int l = 1; l <= 5; l++) begin
      for (int k = 0; k < 16; k++) begin
        if (k < (32 >> l)) s[22*k+:22] = s[22*(2*k)+:22] + s[22*(2*k+1)+:22];
      end
    end
    lane_sum = s[21:0];
  endfunction

  // Lanes [lo, hi) of a beat (lo, hi <= 64), from two thermometer codes.
  function automatic logic [BEAT_BYTES-1:0] lane_range(input logic [6:0] lo, input logic [6:0] hi);
    lane_range = ({BEAT_BYTES{1'b1}} << lo) & ~({BEAT_BYTES{1'b1}} << hi);
  endfunction

  // Byte lane i of the result is lane (i + n) mod 64 of x: a logarithmic
  // shifter, six levels of 2:1 multiplexers (rather than a 64:1 one per bit).
  function automatic logic [DATA_W-1:0] rotate_lanes(input logic [DATA_W-1:0] x,
                                                     input logic [5:0] n);
    rotate_lanes = x;
    for (int s = 0; s < 6; s++) begin
      if (n[s]) rotate_lanes = (rotate_lanes >> (8 << s)) | (rotate_lanes << (DATA_W - (8 << s)));
    end
  endfunction

  // One's-complement fold to 16 bits, two rounds as csum_fold (RFC 1071 §4.1).
  function automatic logic [15:0] fold24(input logic [23:0] v);
    logic [16:0] once;
    once = {1'b0, v[15:0]} + {9'd0, v[23:16]};
    fold24 = once[15:0] + {15'd0, once[16]};
  endfunction

  function automatic logic [15:0] swap16(input logic [15:0] v);
    swap16 = {v[7:0], v[15:8]};
  endfunction

  // -------------------------------------------------------------------------
  // Words between the stages

  // header -> segment: what to do with the job's payload.
  localparam int J_STATUS = 0;  // [2:0]
  localparam int J_ZERO = 3;  // payload_length == 0
  localparam int J_LENGTH = 4;  // [16:0], when accepted
  localparam int J_MSS = J_LENGTH + LEN_W;  // [16:0] min(MSS, length)
  localparam int JOB_W = J_MSS + LEN_W;

  // header -> prep: a validated template and its per-job constants.
  localparam int T_BYTES = 0;  // template bytes, zero past header_length
  localparam int T_HL = HDR_W;  // [7:0] header_length
  localparam int T_L4 = T_HL + 8;  // [6:0] 14 + IHL*4
  localparam int T_IP_TCP = T_L4 + 7;  // [6:0] IHL*4 + offset*4
  localparam int T_TCP_HL = T_IP_TCP + 7;  // [5:0] offset*4
  localparam int T_PLEN = T_TCP_HL + 6;  // [16:0] payload_length
  localparam int T_IP_ID = T_PLEN + LEN_W;  // [15:0]
  localparam int T_SEQ = T_IP_ID + 16;  // [31:0]
  localparam int T_OFF = T_SEQ + 32;  // [7:0] TCP byte 12: offset and reserved bits
  localparam int T_FLAGS = T_OFF + 8;  // [7:0]
  // Folded sums of what every segment shares: the IPv4 header but for total
  // length, ID and checksum; the pseudo header's addresses and protocol and the
  // TCP header but for sequence number, offset/flags and checksum.
  localparam int T_IP_PARTIAL = T_FLAGS + 8;  // [15:0]
  localparam int T_TCP_PARTIAL = T_IP_PARTIAL + 16;  // [15:0]
  localparam int TMPL_W = T_TCP_PARTIAL + 16;

  // segment -> prep: one segment's length and the unfolded sum of its payload
  // words as the stream pairs them (even job offsets high), with the parity of
  // its first byte: an odd start pairs the segment's own bytes the other way,
  // and that sum is the byte-swapped one (RFC 1071 §2(B)).
  localparam int D_LENGTH = 0;  // [16:0]
  localparam int D_SUM = LEN_W;  // [31:0]
  localparam int D_ODD = D_SUM + 32;
  localparam int DESC_W = D_ODD + 1;

  logic [JOB_W-1:0] job_in;
  logic job_in_valid, job_in_ready;
  logic [JOB_W-1:0] job_out;
  logic job_out_valid, job_out_ready, job_empty;

  logic [TMPL_W-1:0] tmpl_in;
  logic tmpl_in_valid, tmpl_in_ready;
  logic [TMPL_W-1:0] tmpl_out;
  logic tmpl_out_valid, tmpl_out_ready, tmpl_empty;

  logic [DESC_W-1:0] desc_in;
  logic desc_in_valid, desc_in_ready;
  logic [DESC_W-1:0] desc_out;
  logic desc_out_valid, desc_out_ready, desc_empty;

  logic [DATA_W-1:0] data_in;
  logic data_in_valid, data_in_ready;
  logic [DATA_W-1:0] data_out;
  logic data_out_valid, data_out_ready, data_empty;

  ram_fifo #(
      .WIDTH(JOB_W),
      .DEPTH(JOB_FIFO_DEPTH)
  ) hdr2seg (
      .clk    (clk),
      .rst    (rst),
      .s_data (job_in),
      .s_valid(job_in_valid),
      .s_ready(job_in_ready),
      .m_data (job_out),
      .m_valid(job_out_valid),
      .m_ready(job_out_ready),
      .empty  (job_empty)
  );

  ram_fifo #(
      .WIDTH(TMPL_W),
      .DEPTH(JOB_FIFO_DEPTH)
  ) hdr2prep (
      .clk    (clk),
      .rst    (rst),
      .s_data (tmpl_in),
      .s_valid(tmpl_in_valid),
      .s_ready(tmpl_in_ready),
      .m_data (tmpl_out),
      .m_valid(tmpl_out_valid),
      .m_ready(tmpl_out_ready),
      .empty  (tmpl_empty)
  );

  ram_fifo #(
      .WIDTH(DESC_W),
      .DEPTH(DESC_FIFO_DEPTH)
  ) seg2prep_desc (
      .clk    (clk),
      .rst    (rst),
      .s_data (desc_in),
      .s_valid(desc_in_valid),
      .s_ready(desc_in_ready),
      .m_data (desc_out),
      .m_valid(desc_out_valid),
      .m_ready(desc_out_ready),
      .empty  (desc_empty)
  );

  ram_fifo #(
      .WIDTH(DATA_W),
      .DEPTH(PAYLOAD_FIFO_DEPTH),
      .ULTRA(PAYLOAD_FIFO_ULTRA)
  ) seg2emit_data (
      .clk    (clk),
      .rst    (rst),
      .s_data (data_in),
      .s_valid(data_in_valid),
      .s_ready(data_in_ready),
      .m_data (data_out),
      .m_valid(data_out_valid),
      .m_ready(data_out_ready),
      .empty  (data_empty)
  );

  // -------------------------------------------------------------------------
  // header: capture, validate, precompute

  typedef enum logic [2:0] {
    H_CMD,
    H_BEATS,
    H_PARSE,
    H_SUM,
    H_PUSH
  } h_state_t;

  h_state_t h_state_reg, h_state_next;
  logic [15:0] h_hl_reg, h_hl_next;
  logic [15:0] h_mss_reg, h_mss_next;
  logic [31:0] h_plen_reg, h_plen_next;
  logic [HDR_W-1:0] h_bytes_reg, h_bytes_next;
  logic [15:0] h_seen_reg, h_seen_next;  // header beats read, saturating
  logic [2:0] h_status_reg, h_status_next;
  logic [6:0] h_l4_reg, h_l4_next;
  logic [6:0] h_ip_tcp_reg, h_ip_tcp_next;
  logic [5:0] h_tcp_hl_reg, h_tcp_hl_next;
  logic [31:0] h_seq_reg, h_seq_next;
  logic [7:0] h_off_reg, h_off_next;
  logic [7:0] h_flags_reg, h_flags_next;
  logic [1:0] h_sum_idx_reg, h_sum_idx_next;
  logic [1:0] h_sum_last_reg, h_sum_last_next;
  logic [23:0] h_ip_acc_reg, h_ip_acc_next;
  logic [23:0] h_tcp_acc_reg, h_tcp_acc_next;

  // The template's fields, read where its own IHL puts them.
  logic [3:0] p_ihl;
  logic [5:0] p_ip_hl;
  logic [6:0] p_l4;
  logic [7:0] p_off;
  logic [5:0] p_tcp_hl;
  logic [31:0] p_seq;
  logic [7:0] p_flags;
  logic [10:0] p_beats_expected;
  logic p_template_ok;
  logic [15:0] p_largest;
  logic p_segment_fits;
  logic [2:0] p_status;

  always_comb begin
    p_ihl = h_bytes_reg[8*ETH_LEN+:4];
    p_ip_hl = {p_ihl, 2'b00};
    p_l4 = 7'(ETH_LEN) + {1'b0, p_ip_hl};
    p_off = '0;
    p_seq = '0;
    p_flags = '0;
    for (int k = 0; k < 16; k++) begin
      if (p_ihl == 4'(k)) begin
        p_off = h_bytes_reg[8*(ETH_LEN+4*k+TCP_OFFSET)+:8];
        p_flags = h_bytes_reg[8*(ETH_LEN+4*k+TCP_FLAGS)+:8];
        for (int i = 0; i < 4; i++) begin
          p_seq[8*(3-i)+:8] = h_bytes_reg[8*(ETH_LEN+4*k+TCP_SEQ+i)+:8];
        end
      end
    end
    p_tcp_hl = {p_off[7:4], 2'b00};
    p_beats_expected = 11'(({1'b0, h_hl_reg} + 17'd63) >> 6);
    p_template_ok = h_hl_reg != 16'd0 && h_seen_reg == {5'd0, p_beats_expected} &&
        h_bytes_reg[8*12+:16] == 16'h0008 && h_bytes_reg[8*ETH_LEN+4+:4] == 4'd4 &&
        p_ihl >= 4'd5 && h_bytes_reg[8*IP_PROTOCOL+:8] == 8'd6 && p_off[7:4] >= 4'd5 &&
        h_hl_reg == 16'(p_l4) + 16'(p_tcp_hl);
    p_largest = {16'd0, h_mss_reg} < h_plen_reg ? h_mss_reg : h_plen_reg[15:0];
    p_segment_fits = 17'(p_ip_hl) + 17'(p_tcp_hl) + 17'(p_largest) <= 17'h0ffff;
    if (h_mss_reg == 16'd0) p_status = ST_BAD_MSS;
    else if (h_plen_reg == 32'd0 || h_plen_reg > 32'(MAX_PAYLOAD)) p_status = ST_PAYLOAD_TOO_LARGE;
    else if (!p_template_ok) p_status = ST_BAD_TEMPLATE;
    else if (!p_segment_fits) p_status = ST_BAD_MSS;
    else p_status = ST_OK;
  end

  // Which template bytes count towards each checksum, for all three beats: the
  // IPv4 header [14, l4) but for total length, ID and checksum; the TCP header
  // [l4, header_length) but for sequence number, offset/flags and checksum, and
  // the IPv4 addresses for the pseudo header. Thermometer codes and shifted
  // constants, so that no lane needs a comparator of its own.
  localparam int MASK_W = 3 * BEAT_BYTES;
  localparam logic [MASK_W-1:0] IP_REWRITTEN = (MASK_W'(4'hf) << IP_TOTAL_LENGTH) |
      (MASK_W'(2'h3) << IP_CHECKSUM);
  localparam logic [MASK_W-1:0] IP_ADDRESSES = MASK_W'(8'hff) << (ETH_LEN + 12);
  localparam logic [MASK_W-1:0] TCP_REWRITTEN = MASK_W'(18'h330f0);  // at l4 = 0
  logic [MASK_W-1:0] p_below_l4;
  logic [MASK_W-1:0] p_below_hl;
  logic [MASK_W-1:0] p_ip_region;
  logic [MASK_W-1:0] p_ip_mask;
  logic [MASK_W-1:0] p_tcp_mask;
  logic [MASK_W-1:0] h_ip_mask_reg, h_ip_mask_next;
  logic [MASK_W-1:0] h_tcp_mask_reg, h_tcp_mask_next;

  always_comb begin
    p_below_l4 = ~({MASK_W{1'b1}} << p_l4);
    p_below_hl = ~({MASK_W{1'b1}} << h_hl_reg[7:0]);
    p_ip_region = p_below_l4 & ({MASK_W{1'b1}} << ETH_LEN);
    p_ip_mask = p_ip_region & ~IP_REWRITTEN;
    p_tcp_mask = (p_below_hl & ~p_below_l4 & ~(TCP_REWRITTEN << p_l4)) |
        (p_ip_region & IP_ADDRESSES);
  end

  // The beat being summed and its bytes for each checksum.
  logic [DATA_W-1:0] h_sum_beat;
  logic [BEAT_BYTES-1:0] h_ip_mask;
  logic [BEAT_BYTES-1:0] h_tcp_mask;

  always_comb begin
    case (h_sum_idx_reg)
      2'd0: h_sum_beat = h_bytes_reg[0+:DATA_W];
      2'd1: h_sum_beat = h_bytes_reg[DATA_W+:DATA_W];
      default: h_sum_beat = {{(3 * DATA_W - HDR_W) {1'b0}}, h_bytes_reg[HDR_W-1:2*DATA_W]};
    endcase
    case (h_sum_idx_reg)
      2'd0: begin
        h_ip_mask  = h_ip_mask_reg[0+:BEAT_BYTES];
        h_tcp_mask = h_tcp_mask_reg[0+:BEAT_BYTES];
      end
      2'd1: begin
        h_ip_mask  = h_ip_mask_reg[BEAT_BYTES+:BEAT_BYTES];
        h_tcp_mask = h_tcp_mask_reg[BEAT_BYTES+:BEAT_BYTES];
      end
      default: begin
        h_ip_mask  = h_ip_mask_reg[2*BEAT_BYTES+:BEAT_BYTES];
        h_tcp_mask = h_tcp_mask_reg[2*BEAT_BYTES+:BEAT_BYTES];
      end
    endcase
  end

  logic h_accepted;
  assign h_accepted = h_status_reg == ST_OK;

  // Template bytes below header_length.
  logic [HDR_BYTES-1:0] h_in_template;
  assign h_in_template = h_hl_reg >= 16'(HDR_BYTES) ? '1 : ~({HDR_BYTES{1'b1}} << h_hl_reg[7:0]);

  always_comb begin
    h_state_next = h_state_reg;
    h_hl_next = h_hl_reg;
    h_mss_next = h_mss_reg;
    h_plen_next = h_plen_reg;
    h_bytes_next = h_bytes_reg;
    h_seen_next = h_seen_reg;
    h_status_next = h_status_reg;
    h_l4_next = h_l4_reg;
    h_ip_tcp_next = h_ip_tcp_reg;
    h_tcp_hl_next = h_tcp_hl_reg;
    h_seq_next = h_seq_reg;
    h_off_next = h_off_reg;
    h_flags_next = h_flags_reg;
    h_sum_idx_next = h_sum_idx_reg;
    h_sum_last_next = h_sum_last_reg;
    h_ip_acc_next = h_ip_acc_reg;
    h_tcp_acc_next = h_tcp_acc_reg;
    h_ip_mask_next = h_ip_mask_reg;
    h_tcp_mask_next = h_tcp_mask_reg;
    s_axis_cmd_tready = 1'b0;
    s_axis_header_tready = 1'b0;
    job_in_valid = 1'b0;
    tmpl_in_valid = 1'b0;

    case (h_state_reg)
      H_CMD: begin
        s_axis_cmd_tready = 1'b1;
        if (s_axis_cmd_tvalid) begin
          h_hl_next = s_axis_cmd_tdata[15:0];
          h_mss_next = s_axis_cmd_tdata[31:16];
          h_plen_next = s_axis_cmd_tdata[63:32];
          h_bytes_next = '0;
          h_seen_next = '0;
          // A job without a template has no header beats to wait for.
          h_state_next = s_axis_cmd_tdata[15:0] == 16'd0 ? H_PARSE : H_BEATS;
        end
      end
      H_BEATS: begin
        s_axis_header_tready = 1'b1;
        if (s_axis_header_tvalid) begin
          // Bytes past header_length stay zero, so that emit can OR the payload
          // into the template's last beat. Beats past the third cannot belong to
          // a valid template: they are read and dropped, and the count refuses it.
          for (int i = 0; i < HDR_BYTES; i++) begin
            if (h_seen_reg == 16'(i / BEAT_BYTES) && h_in_template[i]) begin
              h_bytes_next[8*i+:8] = s_axis_header_tdata[8*(i%BEAT_BYTES)+:8];
            end
          end
          if (h_seen_reg != 16'hffff) h_seen_next = h_seen_reg + 16'd1;
          if (s_axis_header_tlast) h_state_next = H_PARSE;
        end
      end
      H_PARSE: begin
        h_status_next = p_status;
        h_l4_next = p_l4;
        h_ip_tcp_next = 7'(p_ip_hl) + 7'(p_tcp_hl);
        h_tcp_hl_next = p_tcp_hl;
        h_seq_next = p_seq;
        h_off_next = p_off;
        h_flags_next = p_flags;
        h_sum_idx_next = 2'd0;
        h_sum_last_next = h_hl_reg > 16'd128 ? 2'd2 : h_hl_reg > 16'd64 ? 2'd1 : 2'd0;
        h_ip_mask_next = p_ip_mask;
        h_tcp_mask_next = p_tcp_mask;
        h_ip_acc_next = '0;
        h_tcp_acc_next = 24'd6;  // the pseudo header's protocol
        h_state_next = p_status == ST_OK ? H_SUM : H_PUSH;
      end
      H_SUM: begin
        h_ip_acc_next = h_ip_acc_reg + 24'(lane_sum(h_sum_beat, h_ip_mask));
        h_tcp_acc_next = h_tcp_acc_reg + 24'(lane_sum(h_sum_beat, h_tcp_mask));
        h_sum_idx_next = h_sum_idx_reg + 2'd1;
        if (h_sum_idx_reg == h_sum_last_reg) h_state_next = H_PUSH;
      end
      H_PUSH: begin
        if (job_in_ready && (!h_accepted || tmpl_in_ready)) begin
          job_in_valid = 1'b1;
          tmpl_in_valid = h_accepted;
          h_state_next = H_CMD;
        end
      end
      default: h_state_next = H_CMD;
    endcase
  end

  always_comb begin
    job_in = '0;
    job_in[J_STATUS+:3] = h_status_reg;
    job_in[J_ZERO] = h_plen_reg == 32'd0;
    job_in[J_LENGTH+:LEN_W] = h_plen_reg[LEN_W-1:0];
    job_in[J_MSS+:LEN_W] = {1'b0, h_mss_reg} < h_plen_reg[LEN_W-1:0] ?
        {1'b0, h_mss_reg} : h_plen_reg[LEN_W-1:0];

    tmpl_in = '0;
    tmpl_in[T_BYTES+:HDR_W] = h_bytes_reg;
    tmpl_in[T_HL+:8] = h_hl_reg[7:0];
    tmpl_in[T_L4+:7] = h_l4_reg;
    tmpl_in[T_IP_TCP+:7] = h_ip_tcp_reg;
    tmpl_in[T_TCP_HL+:6] = h_tcp_hl_reg;
    tmpl_in[T_PLEN+:LEN_W] = h_plen_reg[LEN_W-1:0];
    tmpl_in[T_IP_ID+:16] = {h_bytes_reg[8*IP_ID+:8], h_bytes_reg[8*(IP_ID+1)+:8]};
    tmpl_in[T_SEQ+:32] = h_seq_reg;
    tmpl_in[T_OFF+:8] = h_off_reg;
    tmpl_in[T_FLAGS+:8] = h_flags_reg;
    tmpl_in[T_IP_PARTIAL+:16] = fold24(h_ip_acc_reg);
    tmpl_in[T_TCP_PARTIAL+:16] = fold24(h_tcp_acc_reg);
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      h_state_reg <= H_CMD;
    end else begin
      h_state_reg <= h_state_next;
    end
    h_hl_reg <= h_hl_next;
    h_mss_reg <= h_mss_next;
    h_plen_reg <= h_plen_next;
    h_bytes_reg <= h_bytes_next;
    h_seen_reg <= h_seen_next;
    h_status_reg <= h_status_next;
    h_l4_reg <= h_l4_next;
    h_ip_tcp_reg <= h_ip_tcp_next;
    h_tcp_hl_reg <= h_tcp_hl_next;
    h_seq_reg <= h_seq_next;
    h_off_reg <= h_off_next;
    h_flags_reg <= h_flags_next;
    h_sum_idx_reg <= h_sum_idx_next;
    h_sum_last_reg <= h_sum_last_next;
    h_ip_acc_reg <= h_ip_acc_next;
    h_tcp_acc_reg <= h_tcp_acc_next;
    h_ip_mask_reg <= h_ip_mask_next;
    h_tcp_mask_reg <= h_tcp_mask_next;
  end

  // -------------------------------------------------------------------------
  // segment: payload into the beat FIFO, one descriptor per segment
  //
  // A payload beat is registered (and written to the beat FIFO) in one cycle and
  // summed in the next; while it is summed the next beat is registered, so the
  // stage reads one beat per cycle unless a beat closes several segments.

  typedef enum logic [1:0] {
    S_JOB,
    S_PAYLOAD,
    S_DISCARD,  // a refused job's payload, or the rest of one with a late tlast
    S_STATUS
  } s_state_t;

  s_state_t s_state_reg, s_state_next;
  logic [2:0] s_status_reg, s_status_next;
  logic [LEN_W-1:0] s_length_reg, s_length_next;  // the job's payload length
  logic [LEN_W-1:0] s_mss_reg, s_mss_next;  // min(MSS, length)
  logic [LEN_W-1:0] s_offset_reg, s_offset_next;  // job offset of the next byte to sum
  logic [LEN_W-1:0] s_seg_start_reg, s_seg_start_next;  // the current segment's first byte
  logic [LEN_W-1:0] s_seg_end_reg, s_seg_end_next;  // ... and the byte after its last
  logic [31:0] s_sum_reg, s_sum_next;  // its words summed so far
  logic [DATA_W-1:0] s_beat_reg, s_beat_next;  // the beat being summed
  logic s_beat_valid_reg, s_beat_valid_next;
  logic [LEN_W-1:0] s_beat_start_reg, s_beat_start_next;  // its job offset
  logic [6:0] s_beat_len_reg, s_beat_len_next;  // bytes of the job in it
  logic [LEN_W-1:0] s_load_start_reg, s_load_start_next;  // job offset of the next beat
  logic s_eof_reg, s_eof_next;  // tlast seen on this job's payload
  logic [31:0] s_framing_reg, s_framing_next;

  logic [LEN_W-1:0] s_seg_rel;
  logic s_closes;
  logic [6:0] s_mid_lane;
  logic [21:0] s_sum_a;
  logic [21:0] s_sum_b;
  logic [31:0] s_acc;
  logic [LEN_W-1:0] s_beat_end;
  logic s_final;
  logic [LEN_W:0] s_next_end_wide;
  logic [LEN_W-1:0] s_next_end;
  logic s_process;
  logic s_release;
  logic s_can_load;
  logic s_load;
  logic [LEN_W-1:0] s_load_left;

  always_comb begin
    // The current segment ends in this beat when its end is at most the beat's.
    s_seg_rel = s_seg_end_reg - s_beat_start_reg;
    s_closes = s_seg_rel <= LEN_W'(s_beat_len_reg);
    s_mid_lane = s_closes ? s_seg_rel[6:0] : s_beat_len_reg;
    // Two trees: the bytes of the current segment in this beat, and the rest of
    // the beat, which opens the next segment when that one goes on past it.
    s_sum_a = lane_sum(s_beat_reg, lane_range({1'b0, s_offset_reg[5:0]}, s_mid_lane));
    s_sum_b = lane_sum(s_beat_reg, lane_range(s_mid_lane, s_beat_len_reg));
    s_acc = s_sum_reg + 32'(s_sum_a);
    s_beat_end = s_beat_start_reg + LEN_W'(s_beat_len_reg);
    s_final = s_seg_end_reg == s_length_reg;
    s_next_end_wide = {1'b0, s_seg_end_reg} + {1'b0, s_mss_reg};
    s_next_end = s_next_end_wide > {1'b0, s_length_reg} ? s_length_reg :
        s_next_end_wide[LEN_W-1:0];
    // Any cycle that closes a segment needs a free descriptor slot.
    s_process = s_state_reg == S_PAYLOAD && s_beat_valid_reg && (!s_closes || desc_in_ready);
    s_release = s_process && (!s_closes || s_final || s_next_end > s_beat_end);
    // The next beat is registered as this one is released, never past the
    // job's last beat (the stream already belongs to the next job).
    s_can_load = s_state_reg == S_PAYLOAD && data_in_ready &&
        (!s_beat_valid_reg || (s_release && !(s_closes && s_final)));
    s_load = s_can_load && (s_eof_reg || s_axis_payload_tvalid);
    s_load_left = s_length_reg - s_load_start_reg;
  end

  always_comb begin
    s_state_next = s_state_reg;
    s_status_next = s_status_reg;
    s_length_next = s_length_reg;
    s_mss_next = s_mss_reg;
    s_offset_next = s_offset_reg;
    s_seg_start_next = s_seg_start_reg;
    s_seg_end_next = s_seg_end_reg;
    s_sum_next = s_sum_reg;
    s_beat_next = s_beat_reg;
    s_beat_valid_next = s_beat_valid_reg;
    s_beat_start_next = s_beat_start_reg;
    s_beat_len_next = s_beat_len_reg;
    s_load_start_next = s_load_start_reg;
    s_eof_next = s_eof_reg;
    s_framing_next = s_framing_reg;
    job_out_ready = 1'b0;
    s_axis_payload_tready = 1'b0;
    m_axis_status_tvalid = 1'b0;
    desc_in_valid = 1'b0;
    desc_in = '0;
    data_in_valid = 1'b0;
    data_in = s_eof_reg ? '0 : s_axis_payload_tdata;

    case (s_state_reg)
      S_JOB: begin
        job_out_ready = 1'b1;
        if (job_out_valid) begin
          s_status_next = job_out[J_STATUS+:3];
          s_length_next = job_out[J_LENGTH+:LEN_W];
          s_mss_next = job_out[J_MSS+:LEN_W];
          s_offset_next = '0;
          s_seg_start_next = '0;
          s_seg_end_next = job_out[J_MSS+:LEN_W];
          s_sum_next = '0;
          s_beat_valid_next = 1'b0;
          s_load_start_next = '0;
          s_eof_next = 1'b0;
          if (job_out[J_STATUS+:3] != ST_OK) begin
            // A refused job's payload is still read, so the next job finds its own.
            s_state_next = job_out[J_ZERO] ? S_STATUS : S_DISCARD;
          end else begin
            s_state_next = S_PAYLOAD;
          end
        end
      end
      S_PAYLOAD: begin
        s_axis_payload_tready = s_can_load && !s_eof_reg;
        if (s_process) begin
          if (!s_closes) begin
            // The segment goes on in the next beat.
            s_sum_next = s_acc;
            s_offset_next = s_beat_end;
          end else begin
            desc_in_valid = 1'b1;
            desc_in[D_LENGTH+:LEN_W] = s_seg_end_reg - s_seg_start_reg;
            desc_in[D_SUM+:32] = s_acc;
            desc_in[D_ODD] = s_seg_start_reg[0];
            if (s_final) begin
              if (s_eof_reg) begin
                s_state_next = S_STATUS;
              end else begin
                s_framing_next = s_framing_next + 32'd1;  // no tlast on the job's last beat
                s_state_next = S_DISCARD;
              end
            end else begin
              s_seg_start_next = s_seg_end_reg;
              s_seg_end_next = s_next_end;
              if (s_next_end > s_beat_end) begin
                // The rest of the beat opens the next segment, which goes on past it.
                s_sum_next = 32'(s_sum_b);
                s_offset_next = s_beat_end;
              end else begin
                // The next segment also ends in this beat (MSS < 64): next cycle.
                s_sum_next = '0;
                s_offset_next = s_seg_end_reg;
              end
            end
          end
          if (s_release) s_beat_valid_next = 1'b0;
        end
        if (s_load) begin
          // After an early tlast the job's remaining bytes are zeros that are not
          // read from the stream, which already belongs to the next job.
          data_in_valid = 1'b1;
          s_beat_next = data_in;
          s_beat_valid_next = 1'b1;
          s_beat_start_next = s_load_start_reg;
          s_beat_len_next = s_load_left >= LEN_W'(BEAT_BYTES) ? 7'(BEAT_BYTES) : s_load_left[6:0];
          s_load_start_next = s_load_start_reg + LEN_W'(BEAT_BYTES);
          if (!s_eof_reg && s_axis_payload_tlast) begin
            s_eof_next = 1'b1;
            if (s_load_left > LEN_W'(BEAT_BYTES)) s_framing_next = s_framing_next + 32'd1;
          end
        end
      end
      S_DISCARD: begin
        s_axis_payload_tready = 1'b1;
        if (s_axis_payload_tvalid && s_axis_payload_tlast) s_state_next = S_STATUS;
      end
      S_STATUS: begin
        m_axis_status_tvalid = 1'b1;
        if (m_axis_status_tready) s_state_next = S_JOB;
      end
      default: s_state_next = S_JOB;
    endcase
  end

  assign m_axis_status_tdata = {5'd0, s_status_reg};
  assign payload_framing_errors = s_framing_reg;

  always_ff @(posedge clk) begin
    if (rst) begin
      s_state_reg <= S_JOB;
      s_beat_valid_reg <= 1'b0;
      s_framing_reg <= '0;
    end else begin
      s_state_reg <= s_state_next;
      s_beat_valid_reg <= s_beat_valid_next;
      s_framing_reg <= s_framing_next;
    end
    s_status_reg <= s_status_next;
    s_length_reg <= s_length_next;
    s_mss_reg <= s_mss_next;
    s_offset_reg <= s_offset_next;
    s_seg_start_reg <= s_seg_start_next;
    s_seg_end_reg <= s_seg_end_next;
    s_sum_reg <= s_sum_next;
    s_beat_reg <= s_beat_next;
    s_beat_start_reg <= s_beat_start_next;
    s_beat_len_reg <= s_beat_len_next;
    s_load_start_reg <= s_load_start_next;
    s_eof_reg <= s_eof_next;
  end

  // -------------------------------------------------------------------------
  // prep: one segment ahead of emit, its header fields and unfolded checksums
  // (the first half of TcpSegment::start_segment; emit folds and places them).

  logic p1_valid_reg, p1_valid_next;
  logic [HDR_W-1:0] p1_hdr_reg, p1_hdr_next;
  logic [7:0] p1_hl_reg, p1_hl_next;
  logic [6:0] p1_l4_reg, p1_l4_next;
  logic [15:0] p1_total_reg, p1_total_next;
  logic [15:0] p1_ip_id_reg, p1_ip_id_next;
  logic [31:0] p1_seq_reg, p1_seq_next;
  logic [7:0] p1_flags_reg, p1_flags_next;
  logic [17:0] p1_ip_sum_reg, p1_ip_sum_next;
  logic [19:0] p1_tcp_sum_reg, p1_tcp_sum_next;
  logic [LEN_W-1:0] p1_frame_reg, p1_frame_next;  // frame bytes
  logic [LEN_W-1:0] p1_len_reg, p1_len_next;  // payload bytes
  logic [5:0] p1_at_reg, p1_at_next;  // lane of the stream beat holding its first byte
  logic [5:0] p1_rot_reg, p1_rot_next;  // stream lane -> frame lane rotation
  logic p1_job_last_reg, p1_job_last_next;
  logic [LEN_W-1:0] p_cursor_reg, p_cursor_next;  // job offset of the next segment
  logic [15:0] p_index_reg, p_index_next;  // its number in the job

  logic o_take;  // emit takes the prepared segment this cycle
  logic p1_accept;

  logic [LEN_W-1:0] d_len;
  logic [31:0] d_sum;
  logic d_odd;
  logic [LEN_W-1:0] t_plen;
  logic [7:0] t_hl;
  logic t_first;
  logic t_last;
  logic [7:0] t_flags;
  logic [15:0] t_total;
  logic [15:0] t_ip_id;
  logic [31:0] t_seq;
  logic [LEN_W-1:0] t_tcp_len;
  logic [15:0] d_sum_lo;
  logic [15:0] d_sum_hi;

  always_comb begin
    d_len = desc_out[D_LENGTH+:LEN_W];
    d_sum = desc_out[D_SUM+:32];
    d_odd = desc_out[D_ODD];
    t_plen = tmpl_out[T_PLEN+:LEN_W];
    t_hl = tmpl_out[T_HL+:8];
    t_first = p_cursor_reg == '0;
    t_last = {1'b0, p_cursor_reg} + {1'b0, d_len} == {1'b0, t_plen};
    t_flags = tmpl_out[T_FLAGS+:8];
    if (!t_last) t_flags = t_flags & ~TCP_FIN_PSH;
    if (!t_first) t_flags = t_flags & ~TCP_CWR;
    t_total = 16'(tmpl_out[T_IP_TCP+:7]) + d_len[15:0];
    t_ip_id = tmpl_out[T_IP_ID+:16] + p_index_reg;
    t_seq = tmpl_out[T_SEQ+:32] + 32'(p_cursor_reg);
    t_tcp_len = LEN_W'(tmpl_out[T_TCP_HL+:6]) + d_len;
    // swap(fold(x)) is congruent to swap(x[15:0]) + swap(x[31:16]) modulo 0xffff,
    // and the sums below are positive, so their folds are the HLS kernel's.
    d_sum_lo = d_odd ? swap16(d_sum[15:0]) : d_sum[15:0];
    d_sum_hi = d_odd ? swap16(d_sum[31:16]) : d_sum[31:16];

    p1_accept = (!p1_valid_reg || o_take) && desc_out_valid && tmpl_out_valid;
    desc_out_ready = p1_accept;
    tmpl_out_ready = p1_accept && t_last;

    p1_valid_next = p1_valid_reg;
    p1_hdr_next = p1_hdr_reg;
    p1_hl_next = p1_hl_reg;
    p1_l4_next = p1_l4_reg;
    p1_total_next = p1_total_reg;
    p1_ip_id_next = p1_ip_id_reg;
    p1_seq_next = p1_seq_reg;
    p1_flags_next = p1_flags_reg;
    p1_ip_sum_next = p1_ip_sum_reg;
    p1_tcp_sum_next = p1_tcp_sum_reg;
    p1_frame_next = p1_frame_reg;
    p1_len_next = p1_len_reg;
    p1_at_next = p1_at_reg;
    p1_rot_next = p1_rot_reg;
    p1_job_last_next = p1_job_last_reg;
    p_cursor_next = p_cursor_reg;
    p_index_next = p_index_reg;

    if (o_take) p1_valid_next = 1'b0;
    if (p1_accept) begin
      p1_valid_next = 1'b1;
      p1_hdr_next = tmpl_out[T_BYTES+:HDR_W];
      p1_hl_next = t_hl;
      p1_l4_next = tmpl_out[T_L4+:7];
      p1_total_next = t_total;
      p1_ip_id_next = t_ip_id;
      p1_seq_next = t_seq;
      p1_flags_next = t_flags;
      // RFC 791 §3.1 over the IPv4 header; RFC 9293 §3.1 over the pseudo header,
      // the TCP header and the payload; each from the template's constant part.
      p1_ip_sum_next = 18'(tmpl_out[T_IP_PARTIAL+:16]) + 18'(t_total) + 18'(t_ip_id);
      p1_tcp_sum_next = 20'(tmpl_out[T_TCP_PARTIAL+:16]) + 20'(t_seq[31:16]) +
          20'(t_seq[15:0]) + 20'({tmpl_out[T_OFF+:8], t_flags}) + 20'(t_tcp_len) +
          20'(d_sum_lo) + 20'(d_sum_hi);
      p1_frame_next = LEN_W'(t_hl) + d_len;
      p1_len_next = d_len;
      p1_at_next = p_cursor_reg[5:0];
      // Constant over the segment: the payload byte for frame lane j of any beat
      // is stream lane (j + rot) mod 64, where the header ends at lane hl mod 64.
      p1_rot_next = p_cursor_reg[5:0] - t_hl[5:0];
      p1_job_last_next = t_last;
      p_cursor_next = t_last ? '0 : p_cursor_reg + d_len;
      p_index_next = t_last ? '0 : p_index_reg + 16'd1;
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      p1_valid_reg <= 1'b0;
      p_cursor_reg <= '0;
      p_index_reg <= '0;
    end else begin
      p1_valid_reg <= p1_valid_next;
      p_cursor_reg <= p_cursor_next;
      p_index_reg <= p_index_next;
    end
    p1_hdr_reg <= p1_hdr_next;
    p1_hl_reg <= p1_hl_next;
    p1_l4_reg <= p1_l4_next;
    p1_total_reg <= p1_total_next;
    p1_ip_id_reg <= p1_ip_id_next;
    p1_seq_reg <= p1_seq_next;
    p1_flags_reg <= p1_flags_next;
    p1_ip_sum_reg <= p1_ip_sum_next;
    p1_tcp_sum_reg <= p1_tcp_sum_next;
    p1_frame_reg <= p1_frame_next;
    p1_len_reg <= p1_len_next;
    p1_at_reg <= p1_at_next;
    p1_rot_reg <= p1_rot_next;
    p1_job_last_reg <= p1_job_last_next;
  end

  // The prepared segment's header: the template with both lengths, ID,
  // sequence number, flags and checksums written in.
  logic [15:0] p1_ip_csum;
  logic [15:0] p1_tcp_csum;
  logic [HDR_W-1:0] p1_patched;

  always_comb begin
    p1_ip_csum = ~fold24(24'(p1_ip_sum_reg));
    p1_tcp_csum = ~fold24(24'(p1_tcp_sum_reg));
    p1_patched = p1_hdr_reg;
    p1_patched[8*IP_TOTAL_LENGTH+:16] = swap16(p1_total_reg);
    p1_patched[8*IP_ID+:16] = swap16(p1_ip_id_reg);
    p1_patched[8*IP_CHECKSUM+:16] = swap16(p1_ip_csum);
    // The TCP header starts at one of eleven offsets (IHL 5..15).
    for (int ihl = 5; ihl < 16; ihl++) begin
      if (p1_l4_reg == 7'(ETH_LEN + 4 * ihl)) begin
        p1_patched[8*(ETH_LEN+4*ihl+TCP_SEQ)+:32] = {
          p1_seq_reg[7:0], p1_seq_reg[15:8], p1_seq_reg[23:16], p1_seq_reg[31:24]
        };
        p1_patched[8*(ETH_LEN+4*ihl+TCP_FLAGS)+:8] = p1_flags_reg;
        p1_patched[8*(ETH_LEN+4*ihl+TCP_CHECKSUM)+:16] = swap16(p1_tcp_csum);
      end
    end
  end

  // -------------------------------------------------------------------------
  // emit: patched header, realigned payload, one beat per cycle

  logic a_valid_reg, a_valid_next;
  logic [HDR_W-1:0] a_hdr_reg, a_hdr_next;
  logic [7:0] a_hl_reg, a_hl_next;
  logic [1:0] a_beat_reg, a_beat_next;  // frame beat to send, saturating at 3
  logic [LEN_W-1:0] a_frame_left_reg, a_frame_left_next;  // frame bytes not yet sent
  logic [LEN_W-1:0] a_seg_left_reg, a_seg_left_next;  // payload bytes not yet sent
  logic [5:0] a_at_reg, a_at_next;  // window[0] lane of the next payload byte
  logic [5:0] a_rot_reg, a_rot_next;
  logic a_job_last_reg, a_job_last_next;

  // Two consecutive payload beats; window 0 holds the next payload byte.
  logic [DATA_W-1:0] w0_reg, w0_next;
  logic [DATA_W-1:0] w1_reg, w1_next;
  logic [1:0] w_valid_reg, w_valid_next;

  // Output register and skid buffer.
  logic [DATA_W-1:0] out_data_reg, sk_data_reg;
  logic [KEEP_W-1:0] out_keep_reg, sk_keep_reg;
  logic out_last_reg, sk_last_reg;
  logic out_valid_reg, sk_valid_reg;

  logic [7:0] e_first_lane;  // frame lane where payload starts in this beat (>= 64: none)
  logic [6:0] e_room;  // lanes from there to the beat's end
  logic [6:0] e_take;  // payload bytes in this beat
  logic [6:0] e_consumed;  // a_at + e_take
  logic e_stall;
  logic e_fire;
  logic e_last_beat;
  logic [1:0] e_pops;  // window beats used up
  logic [BEAT_BYTES-1:0] e_from_w0;  // lanes of window 0 this beat may use
  logic [BEAT_BYTES-1:0] e_lanes;  // frame lanes that carry payload
  logic [DATA_W-1:0] e_src;  // the payload lanes this beat may use
  logic [DATA_W-1:0] e_rotated;
  logic [DATA_W-1:0] e_data;
  logic [KEEP_W-1:0] e_keep;
  logic [1:0] w_after_pop;

  always_comb begin
    case (a_beat_reg)
      2'd0: e_first_lane = a_hl_reg;
      2'd1: e_first_lane = a_hl_reg > 8'd64 ? a_hl_reg - 8'd64 : 8'd0;
      2'd2: e_first_lane = a_hl_reg > 8'd128 ? a_hl_reg - 8'd128 : 8'd0;
      default: e_first_lane = 8'd0;
    endcase
    e_room = 7'd64 - e_first_lane[6:0];
    if (e_first_lane >= 8'd64) begin
      e_take = 7'd0;
    end else if (a_seg_left_reg < LEN_W'(e_room)) begin
      e_take = a_seg_left_reg[6:0];
    end else begin
      e_take = e_room;
    end
    e_consumed = {1'b0, a_at_reg} + e_take;
    e_stall = e_take != 7'd0 && (!w_valid_reg[0] || (e_consumed > 7'd64 && !w_valid_reg[1]));
    e_fire = a_valid_reg && !sk_valid_reg && !e_stall;
    e_last_beat = a_frame_left_reg <= LEN_W'(BEAT_BYTES);
    // At the job's end its last beat goes too: the rest of it holds no byte of
    // the next job.
    if (!e_fire || e_take == 7'd0) e_pops = 2'd0;
    else if (e_last_beat && a_job_last_reg) e_pops = e_consumed > 7'd64 ? 2'd2 : 2'd1;
    else e_pops = e_consumed >= 7'd64 ? 2'd1 : 2'd0;
    o_take = p1_valid_reg && (!a_valid_reg || (e_fire && e_last_beat));

    // The byte barrel shift from stream lanes to frame lanes. This beat's payload
    // is window 0 from lane a_at up and window 1 below it, so one beat made of
    // those lanes, rotated by the segment's constant amount, holds every byte
    // where its frame lane wants it.
    e_from_w0 = {BEAT_BYTES{1'b1}} << a_at_reg;
    for (int i = 0; i < BEAT_BYTES; i++) begin
      e_src[8*i+:8] = e_from_w0[i] ? w0_reg[8*i+:8] : w1_reg[8*i+:8];
    end
    e_rotated = rotate_lanes(e_src, a_rot_reg);
    case (a_beat_reg)
      2'd0: e_data = a_hdr_reg[0+:DATA_W];
      2'd1: e_data = a_hdr_reg[DATA_W+:DATA_W];
      2'd2: e_data = {{(3 * DATA_W - HDR_W) {1'b0}}, a_hdr_reg[HDR_W-1:2*DATA_W]};
      default: e_data = '0;
    endcase
    e_lanes = lane_range(e_first_lane[6:0], e_first_lane[6:0] + e_take);
    for (int j = 0; j < BEAT_BYTES; j++) begin
      if (e_lanes[j]) begin
        e_data[8*j+:8] = e_data[8*j+:8] | e_rotated[8*j+:8];
      end
    end
    e_keep = e_last_beat ? KEEP_W'((65'd1 << a_frame_left_reg[6:0]) - 65'd1) : '1;
  end

  always_comb begin
    a_valid_next = a_valid_reg;
    a_hdr_next = a_hdr_reg;
    a_hl_next = a_hl_reg;
    a_beat_next = a_beat_reg;
    a_frame_left_next = a_frame_left_reg;
    a_seg_left_next = a_seg_left_reg;
    a_at_next = a_at_reg;
    a_rot_next = a_rot_reg;
    a_job_last_next = a_job_last_reg;
    w0_next = w0_reg;
    w1_next = w1_reg;
    w_valid_next = w_valid_reg;
    data_out_ready = 1'b0;

    if (e_fire) begin
      if (a_beat_reg != 2'd3) a_beat_next = a_beat_reg + 2'd1;
      a_frame_left_next = a_frame_left_reg - LEN_W'(BEAT_BYTES);
      a_seg_left_next = a_seg_left_reg - LEN_W'(e_take);
      a_at_next = e_consumed[5:0];
      if (e_last_beat) a_valid_next = 1'b0;
    end
    if (o_take) begin
      a_valid_next = 1'b1;
      a_hdr_next = p1_patched;
      a_hl_next = p1_hl_reg;
      a_beat_next = 2'd0;
      a_frame_left_next = p1_frame_reg;
      a_seg_left_next = p1_len_reg;
      a_at_next = p1_at_reg;
      a_rot_next = p1_rot_reg;
      a_job_last_next = p1_job_last_reg;
    end

    // The window: drop what this beat used up, then top up from the beat FIFO,
    // one beat a cycle.
    case (e_pops)
      2'd1: begin
        w0_next = w1_reg;
        w_valid_next = {1'b0, w_valid_reg[1]};
      end
      2'd2: w_valid_next = 2'b00;
      default: ;
    endcase
    w_after_pop = w_valid_next;
    if (!w_after_pop[0]) begin
      data_out_ready = 1'b1;
      if (data_out_valid) begin
        w0_next = data_out;
        w_valid_next[0] = 1'b1;
      end
    end else if (!w_after_pop[1]) begin
      data_out_ready = 1'b1;
      if (data_out_valid) begin
        w1_next = data_out;
        w_valid_next[1] = 1'b1;
      end
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      a_valid_reg <= 1'b0;
      w_valid_reg <= 2'b00;
    end else begin
      a_valid_reg <= a_valid_next;
      w_valid_reg <= w_valid_next;
    end
    a_hdr_reg <= a_hdr_next;
    a_hl_reg <= a_hl_next;
    a_beat_reg <= a_beat_next;
    a_frame_left_reg <= a_frame_left_next;
    a_seg_left_reg <= a_seg_left_next;
    a_at_reg <= a_at_next;
    a_rot_reg <= a_rot_next;
    a_job_last_reg <= a_job_last_next;
    w0_reg <= w0_next;
    w1_reg <= w1_next;
  end

  // The emitter writes only while the skid buffer is empty, so m_axis_tx_tready
  // reaches these registers and nothing upstream.
  always_ff @(posedge clk) begin
    if (rst) begin
      out_valid_reg <= 1'b0;
      sk_valid_reg  <= 1'b0;
    end else if (!out_valid_reg || m_axis_tx_tready) begin
      if (sk_valid_reg) begin
        out_valid_reg <= 1'b1;
        sk_valid_reg  <= 1'b0;
      end else begin
        out_valid_reg <= e_fire;
      end
    end else if (e_fire) begin
      sk_valid_reg <= 1'b1;
    end
    if (!out_valid_reg || m_axis_tx_tready) begin
      if (sk_valid_reg) begin
        out_data_reg <= sk_data_reg;
        out_keep_reg <= sk_keep_reg;
        out_last_reg <= sk_last_reg;
      end else begin
        out_data_reg <= e_data;
        out_keep_reg <= e_keep;
        out_last_reg <= e_last_beat;
      end
    end else if (e_fire) begin
      sk_data_reg <= e_data;
      sk_keep_reg <= e_keep;
      sk_last_reg <= e_last_beat;
    end
  end

  assign m_axis_tx_tdata = out_data_reg;
  assign m_axis_tx_tkeep = out_keep_reg;
  assign m_axis_tx_tlast = out_last_reg;
  assign m_axis_tx_tvalid = out_valid_reg;

  assign idle = h_state_reg == H_CMD && s_state_reg == S_JOB && job_empty && tmpl_empty &&
      desc_empty && data_empty && !p1_valid_reg && !a_valid_reg && w_valid_reg == 2'b00 &&
      !out_valid_reg && !sk_valid_reg;

endmodule

`resetall
