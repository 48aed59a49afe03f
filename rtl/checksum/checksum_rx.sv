// SPDX-License-Identifier: Apache-2.0
// checksum_rx: RX checksum verification, the RTL twin of hls/checksum
// (ChecksumRx). It sits after rx_parser: beats pass through unchanged while
// per-lane partial sums accumulate the IPv4 header, the L4 segment and the
// pseudo header, with region bounds taken from the IHL and total length in
// the frame's first beat. rx_parser's RxParsed only comes after the frame's
// last beat, so each frame's verdict inputs wait in a small FIFO until its
// RxParsed arrives; the word then leaves with the L3/L4 checksum fields
// filled in (good, bad, or not_checked) and every other bit as it came.
//
//   s_axis_rx ──┬──────────────────────────────────────► beat FIFO ─► m_axis_rx
//               │
//               └► S1 ─► S2 context ─► S3 bounds ─► S4 lane masks ─► csum_regions
//                   (offset)  (IHL, total        (IP header,        (csum_beat x2,
//                              length, pseudo)    segment)           5 levels,
//                                                                    accumulate)
//                                                                         ▼
//        s_axis_parsed ──► match ◄── pending FIFO ◄── verdicts ◄──────────┘
//                           │          (per frame)       (fold)
//                           └► parsed FIFO ─► m_axis_parsed
//
// The verdicts the sums allow (header good, segment+pseudo good, segment
// good, UDP checksum field zero) are folded and compared before they queue,
// so matching a frame with its RxParsed is a choice among ready-made answers,
// exactly as apply_verdicts() chooses:
//   - an RxParsed whose frame_length differs from the bytes summed belongs to
//     another frame: both verdicts not_checked;
//   - IPv4 whose header parsed (ok, bad_l4_header, fragment): the header's
//     verdict; only with parse ok and the same l4_offset as the sums used,
//     the L4 verdict: TCP and UDP over segment + pseudo header (UDP with a
//     zero field is good, RFC 768), ICMP over the segment alone.
//
// No stage stalls once a beat is in: s_axis_rx_tready (from registers only)
// reserves room in the beat FIFO and, for a last beat, a pending slot for
// every frame still in the sum pipeline. s_axis_parsed is read only when the
// oldest frame's sums are ready and the parsed FIFO has room. One beat per
// cycle flows whatever the frame sizes.
//
// The RxParsed word on s_axis_parsed and m_axis_parsed is tandem_pkg's 256-bit
// layout (rtl/README.md).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module checksum_rx #(
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8,
    parameter int PARSED_W = 256,
    // Frames whose verdicts may wait for their RxParsed, counting those still
    // in the sum pipeline (about 11 cycles deep).
    parameter int PENDING_DEPTH = 32
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

    output logic [DATA_W-1:0] m_axis_rx_tdata,
    output logic [KEEP_W-1:0] m_axis_rx_tkeep,
    output logic              m_axis_rx_tlast,
    output logic              m_axis_rx_tvalid,
    input  wire               m_axis_rx_tready,

    output logic [PARSED_W-1:0] m_axis_parsed_tdata,
    output logic                m_axis_parsed_tvalid,
    input  wire                 m_axis_parsed_tready
);

  if (DATA_W != 512) begin : g_bad_data_w
    $fatal(1, "checksum_rx: DATA_W must be 512 (the IPv4 header lies in the first two beats)");
  end
  if (KEEP_W != DATA_W / 8) begin : g_bad_keep_w
    $fatal(1, "checksum_rx: KEEP_W must be DATA_W / 8");
  end
  if (PARSED_W != tandem_pkg::RX_PARSED_W) begin : g_bad_parsed_w
    $fatal(1, "checksum_rx: PARSED_W must be tandem_pkg::RX_PARSED_W");
  end
  if (PENDING_DEPTH < 16 || (PENDING_DEPTH & (PENDING_DEPTH - 1)) != 0) begin : g_bad_pending
    $fatal(1, "checksum_rx: PENDING_DEPTH must be a power of two, at least 16");
  end

  localparam int POS_W = tandem_pkg::POS_W;
  localparam int BEAT_W = DATA_W + KEEP_W + 1;
  localparam int PEND_CNT_W = $clog2(PENDING_DEPTH) + 1;
  // Where the frame offset stops counting (hls kOffsetLimit): past any region
  // end (14 + 65535) and within 17 bits.
  localparam logic [POS_W-1:0] OFFSET_LIMIT = 17'h1ffc0;
  localparam logic [POS_W-1:0] ETH_HEADER_LEN = 17'd14;

  // ---------------------------------------------------------------------------
  // Input

  logic [$clog2(2):0] beat_count;
  logic [PEND_CNT_W-1:0] pending_count;
  // Frames whose last beat is in the sum pipeline, not yet in the pending FIFO.
  logic [PEND_CNT_W-1:0] frames_in_flight;

  wire pending_room = 32'(pending_count) + 32'(frames_in_flight) < PENDING_DEPTH;
  assign s_axis_rx_tready = beat_count != 2'd2 && pending_room;
  wire accept = s_axis_rx_tvalid && s_axis_rx_tready;

  stream_fifo #(
      .WIDTH(BEAT_W),
      .DEPTH(2)
  ) beat_fifo (
      .clk(clk),
      .rst(rst),
      .s_data({s_axis_rx_tlast, s_axis_rx_tkeep, s_axis_rx_tdata}),
      .s_valid(accept),
      .m_data({m_axis_rx_tlast, m_axis_rx_tkeep, m_axis_rx_tdata}),
      .m_valid(m_axis_rx_tvalid),
      .m_ready(m_axis_rx_tready),
      .count(beat_count)
  );

  // Frame byte of the current beat's lane 0 (saturating, as in the kernel).
  logic [POS_W-1:0] offset_reg;

  // S1: the beat as taken.
  logic s1_valid, s1_last;
  logic [DATA_W-1:0] s1_data;
  logic [KEEP_W-1:0] s1_keep;
  logic [POS_W-1:0] s1_offset;

  always_ff @(posedge clk) begin
    if (accept) begin
      s1_data <= s_axis_rx_tdata;
      s1_keep <= s_axis_rx_tkeep;
      s1_last <= s_axis_rx_tlast;
      s1_offset <= offset_reg;
    end
    if (rst) begin
      offset_reg <= '0;
      s1_valid <= 1'b0;
    end else begin
      s1_valid <= accept;
      if (accept) begin
        if (s_axis_rx_tlast) offset_reg <= '0;
        else if (offset_reg < OFFSET_LIMIT) offset_reg <= offset_reg + 17'd64;
      end
    end
  end

  // ---------------------------------------------------------------------------
  // S2: the frame's context, from its first beat, taken as if the frame were
  // IPv4; whether it is, and whether the fields are sane, is rx_parser's
  // verdict, applied at the end.

  wire s1_first = s1_offset == '0;
  wire [5:0] s1_header_len = tandem_pkg::ipv4_header_len(s1_data);
  wire [15:0] s1_total_len = tandem_pkg::ipv4_total_len(s1_data);

  logic s2_valid, s2_last;
  logic [DATA_W-1:0] s2_data;
  logic [KEEP_W-1:0] s2_keep;
  logic [POS_W-1:0] s2_offset;
  // The context of the frame the beat in S2 belongs to.
  logic [3:0] s2_ihl;
  logic [POS_W-1:0] s2_header_end, s2_segment_end;
  logic [31:0] s2_pseudo;
  logic s2_first;

  always_ff @(posedge clk) begin
    if (s1_valid) begin
      s2_data <= s1_data;
      s2_keep <= s1_keep;
      s2_last <= s1_last;
      s2_offset <= s1_offset;
      s2_first <= s1_first;
      if (s1_first) begin
        s2_ihl <= s1_data[8*14+:4];
        s2_header_end <= ETH_HEADER_LEN + POS_W'(s1_header_len);
        s2_segment_end <= ETH_HEADER_LEN + POS_W'(s1_total_len);
        s2_pseudo <= tandem_pkg::ipv4_pseudo_sum(s1_data);
      end
    end
    if (rst) s2_valid <= 1'b0;
    else s2_valid <= s1_valid;
  end

  // ---------------------------------------------------------------------------
  // S3: the lanes of the two regions, the UDP checksum field and the byte
  // count of the beat.

  // The UDP checksum field at header_end + 6 (= 20 + 4*IHL <= 80): 16-bit
  // aligned, so it lies within one beat, the first or the second.
  logic udp_hit;
  logic [15:0] udp_value;
  always_comb begin
    udp_hit = 1'b0;
    udp_value = '0;
    for (int ihl = 0; ihl < 16; ihl++) begin
      if (s2_ihl == 4'(ihl)) begin
        udp_hit = s2_offset == POS_W'(((20 + 4 * ihl) / 64) * 64);
        udp_value = tandem_pkg::beat_be16(s2_data, (20 + 4 * ihl) % 64);
      end
    end
  end

  // The IPv4 header is only looked for in the first two beats.
  wire [KEEP_W-1:0] s2_header_lanes =
      s2_offset < 17'd128 ? tandem_pkg::beat_region(s2_offset, ETH_HEADER_LEN, s2_header_end) : '0;
  wire [KEEP_W-1:0] s2_segment_lanes =
      tandem_pkg::beat_region(s2_offset, s2_header_end, s2_segment_end);

  logic s3_valid, s3_first;
  logic [DATA_W-1:0] s3_data;
  logic [KEEP_W-1:0] s3_header_mask, s3_segment_mask;
  logic [6:0] s3_bytes;

  // What travels beside the beat through the sums, LSB first: last, UDP field
  // seen and its value, pseudo header sum, L4 offset.
  localparam int SIDE_W = 1 + 1 + 16 + 32 + 8;
  logic [SIDE_W-1:0] s3_side;

  always_ff @(posedge clk) begin
    if (s2_valid) begin
      s3_data <= s2_data;
      s3_header_mask <= s2_header_lanes & s2_keep;
      s3_segment_mask <= s2_segment_lanes & s2_keep;
      s3_bytes <= tandem_pkg::keep_count(s2_keep);
      s3_first <= s2_first;
      s3_side <= {s2_header_end[7:0], s2_pseudo, udp_value, udp_hit, s2_last};
    end
    if (rst) s3_valid <= 1'b0;
    else s3_valid <= s2_valid;
  end

  // ---------------------------------------------------------------------------
  // The frame's sums (32-bit, wrapping as the kernel's CsumAcc) and length
  // (saturating at 0xffff) so far, csum_regions' 5 cycles on, and its UDP
  // checksum field.

  logic sa_valid, sa_first;
  logic [SIDE_W-1:0] sa_side;
  logic [31:0] header_sum, segment_sum;
  logic [15:0] length_next;

  csum_regions #(
      .DATA_W(DATA_W),
      .SIDE_W(SIDE_W)
  ) sums (
      .clk(clk),
      .rst(rst),
      .in_valid(s3_valid),
      .in_data(s3_data),
      .in_header_mask(s3_header_mask),
      .in_segment_mask(s3_segment_mask),
      .in_bytes(s3_bytes),
      .in_first(s3_first),
      .in_side(s3_side),
      .out_valid(sa_valid),
      .out_first(sa_first),
      .out_side(sa_side),
      .out_header_sum(header_sum),
      .out_segment_sum(segment_sum),
      .out_length(length_next)
  );

  wire sa_last = sa_side[0];
  wire sa_udp_hit = sa_side[1];
  wire [15:0] sa_udp_value = sa_side[17:2];
  wire [31:0] sa_pseudo = sa_side[49:18];
  wire [7:0] sa_l4_offset = sa_side[57:50];

  logic [15:0] acc_udp_field;
  wire [15:0] udp_field_next = sa_udp_hit ? sa_udp_value : (sa_first ? 16'd0 : acc_udp_field);

  // F: a completed frame's sums, to be folded into verdicts.
  logic f_valid;
  logic [31:0] f_header, f_segment, f_pseudo;
  logic [15:0] f_length, f_udp_field;
  logic [7:0] f_l4_offset;

  always_ff @(posedge clk) begin
    if (sa_valid) acc_udp_field <= udp_field_next;
    if (sa_valid && sa_last) begin
      f_header <= header_sum;
      f_segment <= segment_sum;
      f_pseudo <= sa_pseudo;
      f_length <= length_next;
      f_udp_field <= udp_field_next;
      f_l4_offset <= sa_l4_offset;
    end
    if (rst) f_valid <= 1'b0;
    else f_valid <= sa_valid && sa_last;
  end

  // A region whose bytes, checksum field included, sum to 0xFFFF verifies
  // (RFC 1071 1).
  wire f_header_good = tandem_pkg::csum_fold(f_header) == 16'hffff;
  wire f_l4_good = tandem_pkg::csum_fold(f_segment + f_pseudo) == 16'hffff;
  wire f_icmp_good = tandem_pkg::csum_fold(f_segment) == 16'hffff;
  wire f_udp_zero = f_udp_field == 16'd0;

  // Pending entry: frame length, L4 offset, then the four verdict inputs.
  localparam int PEND_W = 16 + 8 + 4;
  wire [PEND_W-1:0] f_entry = {f_length, f_l4_offset, f_header_good, f_l4_good, f_icmp_good,
                               f_udp_zero};

  always_ff @(posedge clk) begin
    if (rst) frames_in_flight <= '0;
    else if ((accept && s_axis_rx_tlast) && !f_valid) frames_in_flight <= frames_in_flight + 1'b1;
    else if (!(accept && s_axis_rx_tlast) && f_valid) frames_in_flight <= frames_in_flight - 1'b1;
  end

  logic [PEND_W-1:0] pend_entry;
  logic pend_valid;
  logic [$clog2(2):0] parsed_count;
  wire match = pend_valid && s_axis_parsed_tvalid && s_axis_parsed_tready;

  stream_fifo #(
      .WIDTH(PEND_W),
      .DEPTH(PENDING_DEPTH)
  ) pending_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(f_entry),
      .s_valid(f_valid),
      .m_data(pend_entry),
      .m_valid(pend_valid),
      .m_ready(match),
      .count(pending_count)
  );

  // ---------------------------------------------------------------------------
  // Match: the oldest frame's verdicts meet its RxParsed.

  assign s_axis_parsed_tready = pend_valid && parsed_count != 2'd2;

  wire [15:0] p_length = pend_entry[27:12];
  wire [7:0] p_l4_offset = pend_entry[11:4];
  wire p_header_good = pend_entry[3];
  wire p_l4_good = pend_entry[2];
  wire p_icmp_good = pend_entry[1];
  wire p_udp_zero = pend_entry[0];

  function automatic logic [1:0] verdict(input logic good);
    verdict = good ? tandem_pkg::CSUM_GOOD : tandem_pkg::CSUM_BAD;
  endfunction

  logic [1:0] l3_checksum, l4_checksum;
  always_comb begin
    logic [15:0] in_length;
    logic [7:0] in_l4_offset;
    logic [1:0] in_l3;
    logic [2:0] in_l4, in_parse;
    in_length = s_axis_parsed_tdata[tandem_pkg::RXM_FRAME_LENGTH_LSB+:16];
    in_l4_offset = s_axis_parsed_tdata[tandem_pkg::RXM_L4_OFFSET_LSB+:8];
    in_l3 = s_axis_parsed_tdata[tandem_pkg::RXM_L3_LSB+:2];
    in_l4 = s_axis_parsed_tdata[tandem_pkg::RXM_L4_LSB+:3];
    in_parse = s_axis_parsed_tdata[tandem_pkg::RXM_PARSE_LSB+:3];

    l3_checksum = tandem_pkg::CSUM_NOT_CHECKED;
    l4_checksum = tandem_pkg::CSUM_NOT_CHECKED;
    // An RxParsed that disagrees about the length belongs to another frame (an
    // upstream out of step) and gets no verdict rather than a wrong one.
    if (in_length == p_length && in_l3 == tandem_pkg::L3_IPV4 &&
        (in_parse == tandem_pkg::PARSE_OK || in_parse == tandem_pkg::PARSE_BAD_L4_HEADER ||
         in_parse == tandem_pkg::PARSE_FRAGMENT)) begin
      l3_checksum = verdict(p_header_good);
      if (in_parse == tandem_pkg::PARSE_OK && in_l4_offset == p_l4_offset) begin
        if (in_l4 == tandem_pkg::L4_TCP) l4_checksum = verdict(p_l4_good);
        else if (in_l4 == tandem_pkg::L4_UDP) l4_checksum = verdict(p_udp_zero || p_l4_good);
        else if (in_l4 == tandem_pkg::L4_ICMP) l4_checksum = verdict(p_icmp_good);
      end
    end
  end

  logic [PARSED_W-1:0] parsed_out;
  always_comb begin
    parsed_out = s_axis_parsed_tdata;
    parsed_out[tandem_pkg::RXM_L3_CHECKSUM_LSB+:2] = l3_checksum;
    parsed_out[tandem_pkg::RXM_L4_CHECKSUM_LSB+:2] = l4_checksum;
  end

  stream_fifo #(
      .WIDTH(PARSED_W),
      .DEPTH(2)
  ) parsed_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(parsed_out),
      .s_valid(match),
      .m_data(m_axis_parsed_tdata),
      .m_valid(m_axis_parsed_tvalid),
      .m_ready(m_axis_parsed_tready),
      .count(parsed_count)
  );

endmodule

`resetall
