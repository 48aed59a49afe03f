// SPDX-License-Identifier: Apache-2.0
// rx_parser: the first RX engine, the RTL twin of hls/rx_parser (RxParser).
// Beats pass through unchanged; once a frame's last beat has gone by, one
// RxParsed word describes it: the contract's RxMeta (length, offsets, L3/L4
// kinds, parse status, TCP flags) and the TCP 4-tuple. The checks, their order
// and every field are those of the HLS kernel (hls/rx_parser/rx_parser.hpp
// lists them); the equivalence test holds the two to the same bits.
//
//   s_axis_rx ──┬──────────────────────────────► beat FIFO (2) ──► m_axis_rx
//               │ length, beat index
//               └─► header window (beats 0, 1) ─► extract ─► decide ─► parsed
//                                                 (regs)     (regs)    FIFO (4)
//                                                                       │
//                                                        m_axis_parsed ◄┘
//
// The header window is bytes 12 .. 87 of the frame's first two beats (an IPv4
// header with options ends by byte 74, so the TCP flags sit by byte 87). When the last
// beat is taken the window and length are complete; the next cycle extracts
// the fields the verdict needs (the L4 fields through a 16-way choice on the
// IHL) into registers, and the cycle after decides and queues the word. The
// window registers may take the next frame's first beat in the extract cycle:
// extract reads them before that edge.
//
// s_axis_rx_tready comes from registers only: room in the beat FIFO and room
// in the parsed FIFO for every verdict already in the two stages (a credit
// count), so one beat per cycle flows whatever the frame sizes, and a stalled
// m_axis_parsed stops the input rather than losing a word.
//
// m_axis_parsed_tdata is the 256-bit RxParsed word of tandem_pkg: bits
// [159:0] the contract's rx_meta_bits word (checksum verdicts not_checked,
// conn_id a miss, queue and rss_hash 0), then remote_ip, local_ip,
// remote_port, local_port (rtl/README.md).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module rx_parser #(
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8,
    parameter int PARSED_W = 256,
    // Frames longer than this are flagged oversize (kRxDefaultMaxFrameLength:
    // a 9000-byte MTU, Ethernet header and one VLAN tag).
    parameter int MAX_FRAME_LENGTH = 9018
) (
    input wire clk,
    input wire rst,

    input  wire  [DATA_W-1:0] s_axis_rx_tdata,
    input  wire  [KEEP_W-1:0] s_axis_rx_tkeep,
    input  wire               s_axis_rx_tlast,
    input  wire               s_axis_rx_tvalid,
    output logic              s_axis_rx_tready,

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
    $fatal(1, "rx_parser: DATA_W must be 512 (the header window is two 64-byte beats)");
  end
  if (KEEP_W != DATA_W / 8) begin : g_bad_keep_w
    $fatal(1, "rx_parser: KEEP_W must be DATA_W / 8");
  end
  if (PARSED_W != tandem_pkg::RX_PARSED_W) begin : g_bad_parsed_w
    $fatal(1, "rx_parser: PARSED_W must be tandem_pkg::RX_PARSED_W");
  end
  if (MAX_FRAME_LENGTH < 14 || MAX_FRAME_LENGTH > 65534) begin : g_bad_max
    $fatal(1, "rx_parser: MAX_FRAME_LENGTH must lie in 14 .. 65534");
  end

  localparam int BEAT_W = DATA_W + KEEP_W + 1;
  localparam int PARSED_DEPTH = 4;
  localparam logic [15:0] MAX_LEN = 16'(MAX_FRAME_LENGTH);

  localparam logic [15:0] ETHERTYPE_IPV4 = 16'h0800;
  localparam logic [15:0] ETHERTYPE_ARP = 16'h0806;
  localparam logic [7:0] PROTO_ICMP = 8'd1;
  localparam logic [7:0] PROTO_TCP = 8'd6;
  localparam logic [7:0] PROTO_UDP = 8'd17;

  // ---------------------------------------------------------------------------
  // Input: the beat FIFO takes every beat; the frame's length, beat index and
  // header window are kept beside it.

  logic [$clog2(2):0] beat_count;
  logic [$clog2(PARSED_DEPTH):0] parsed_count;
  logic ex_valid, dc_valid;

  // Room for this beat's verdict behind those already in extract and decide.
  wire parsed_room = 32'(parsed_count) + 32'(ex_valid) + 32'(dc_valid) < PARSED_DEPTH;
  assign s_axis_rx_tready = beat_count != 2'd2 && parsed_room;
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

  // Bytes of the current frame so far, saturating at 0xffff (such a frame is
  // oversize whatever the limit); 0 and 1 for the header beats, then 2.
  logic [15:0] length_reg;
  logic [1:0] beat_index_reg;

  // The header window: frame bytes WIN_FIRST .. WIN_LAST of the first two
  // beats, from the EtherType to the furthest TCP flags byte (14 + 60 + 13).
  // The MAC addresses and what lies past byte 87 are never looked at.
  localparam int WIN_FIRST = 12;
  localparam int WIN_LAST = 87;
  localparam int WIN_BYTES = WIN_LAST - WIN_FIRST + 1;
  localparam int WIN0_BYTES = KEEP_W - WIN_FIRST;  // from the first beat
  localparam int WIN1_BYTES = WIN_BYTES - WIN0_BYTES;  // from the second

  // A few bytes inside the window (TTL, header checksum, bytes no IHL's L4
  // header reaches) go unused; keeping the window contiguous keeps the byte
  // numbering that of the frame.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [8*WIN_BYTES-1:0] window;
  /* verilator lint_on UNUSEDSIGNAL */

  wire [16:0] length_sum = {1'b0, length_reg} + 17'(tandem_pkg::keep_count(s_axis_rx_tkeep));
  wire [15:0] length_next = length_sum[16] ? 16'hffff : length_sum[15:0];

  logic [15:0] ex_length;

  always_ff @(posedge clk) begin
    if (accept) begin
      // A frame of one beat has nothing but zeros in the second beat's bytes.
      if (beat_index_reg == 2'd0) begin
        window <= {{(8 * WIN1_BYTES) {1'b0}}, s_axis_rx_tdata[DATA_W-1:8*WIN_FIRST]};
      end else if (beat_index_reg == 2'd1) begin
        window[8*WIN_BYTES-1:8*WIN0_BYTES] <= s_axis_rx_tdata[8*WIN1_BYTES-1:0];
      end
      if (s_axis_rx_tlast) ex_length <= length_next;
    end
    if (rst) begin
      length_reg <= '0;
      beat_index_reg <= '0;
      ex_valid <= 1'b0;
    end else begin
      ex_valid <= accept && s_axis_rx_tlast;
      if (accept) begin
        if (s_axis_rx_tlast) begin
          length_reg <= '0;
          beat_index_reg <= '0;
        end else begin
          length_reg <= length_next;
          if (beat_index_reg != 2'd2) beat_index_reg <= beat_index_reg + 2'd1;
        end
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Extract: the header fields of the frame whose last beat was just taken.

  // Byte i of the frame, for WIN_FIRST <= i <= WIN_LAST.
  function automatic logic [7:0] frame_byte(input logic [8*WIN_BYTES-1:0] w, input int i);
    frame_byte = w[8*(i-WIN_FIRST)+:8];
  endfunction

  function automatic logic [15:0] frame_be16(input logic [8*WIN_BYTES-1:0] w, input int i);
    frame_be16 = {frame_byte(w, i), frame_byte(w, i + 1)};
  endfunction

  function automatic logic [31:0] frame_be32(input logic [8*WIN_BYTES-1:0] w, input int i);
    frame_be32 = {frame_be16(w, i), frame_be16(w, i + 2)};
  endfunction

  // The L4 header starts at 14 + IHL*4 for whatever IHL the frame declares;
  // the decide stage rejects IHL < 5 before using these.
  logic [3:0] l4_doff;
  logic [7:0] l4_flags;
  logic [15:0] l4_src_port, l4_dst_port, l4_udp_length;
  always_comb begin
    l4_doff = '0;
    l4_flags = '0;
    l4_src_port = '0;
    l4_dst_port = '0;
    l4_udp_length = '0;
    for (int ihl = 0; ihl < 16; ihl++) begin
      if ((frame_byte(window, 14) & 8'h0f) == 8'(ihl)) begin
        l4_src_port = frame_be16(window, 14 + 4 * ihl);
        l4_dst_port = frame_be16(window, 14 + 4 * ihl + 2);
        l4_udp_length = frame_be16(window, 14 + 4 * ihl + 4);
        // The TCP data offset: the high nibble of byte 12.
        l4_doff = window[8*(14+4*ihl+12-WIN_FIRST)+4+:4];
        l4_flags = frame_byte(window, 14 + 4 * ihl + 13);
      end
    end
  end

  logic [15:0] dc_length, dc_ethertype, dc_total_len, dc_udp_length;
  logic [15:0] dc_src_port, dc_dst_port;
  logic [7:0] dc_version_ihl, dc_protocol, dc_arp_hlen, dc_arp_plen, dc_flags;
  logic [3:0] dc_doff;
  logic [31:0] dc_src_ip, dc_dst_ip;
  logic dc_fragment;

  always_ff @(posedge clk) begin
    if (ex_valid) begin
      dc_length <= ex_length;
      dc_ethertype <= frame_be16(window, 12);
      dc_version_ihl <= frame_byte(window, 14);
      dc_total_len <= frame_be16(window, 16);
      // MF or a non-zero fragment offset.
      dc_fragment <= (frame_be16(window, 20) & 16'h3fff) != 16'd0;
      dc_protocol <= frame_byte(window, 23);
      dc_src_ip <= frame_be32(window, 26);
      dc_dst_ip <= frame_be32(window, 30);
      dc_arp_hlen <= frame_byte(window, 18);
      dc_arp_plen <= frame_byte(window, 19);
      dc_doff <= l4_doff;
      dc_flags <= l4_flags;
      dc_src_port <= l4_src_port;
      dc_dst_port <= l4_dst_port;
      dc_udp_length <= l4_udp_length;
    end
    if (rst) dc_valid <= 1'b0;
    else dc_valid <= ex_valid;
  end

  // ---------------------------------------------------------------------------
  // Decide: parse_headers() of the HLS kernel, the first failing layer naming
  // the status; on an error, nothing past the failing layer is claimed.

  logic [15:0] frame_length, payload_offset, payload_length;
  logic [7:0] l3_offset, l4_offset, tcp_flags;
  logic [1:0] l3_kind;
  logic [2:0] l4_kind, parse;
  logic [31:0] key_remote_ip, key_local_ip;
  logic [15:0] key_remote_port, key_local_port;

  always_comb begin
    logic [15:0] l3_len, segment_len, arp_declared;
    logic [5:0] ip_header_len, tcp_header_len;
    logic [7:0] l4;

    frame_length = dc_length;
    l3_offset = '0;
    l4_offset = '0;
    payload_offset = '0;
    payload_length = '0;
    l3_kind = tandem_pkg::L3_NONE;
    l4_kind = tandem_pkg::L4_NONE;
    parse = tandem_pkg::PARSE_OK;
    tcp_flags = '0;
    key_remote_ip = '0;
    key_local_ip = '0;
    key_remote_port = '0;
    key_local_port = '0;

    l3_len = dc_length - 16'd14;
    ip_header_len = {dc_version_ihl[3:0], 2'b00};
    segment_len = dc_total_len - 16'(ip_header_len);
    l4 = 8'd14 + 8'(ip_header_len);
    tcp_header_len = {dc_doff, 2'b00};
    // RFC 826: the sender and target addresses at the lengths it declares.
    arp_declared = 16'd8 + {6'd0, ({1'b0, dc_arp_hlen} + {1'b0, dc_arp_plen}), 1'b0};

    if (dc_length < 16'd14) begin
      parse = tandem_pkg::PARSE_RUNT;
    end else if (dc_length > MAX_LEN) begin
      parse = tandem_pkg::PARSE_OVERSIZE;
    end else begin
      l3_offset = 8'd14;
      if (dc_ethertype == ETHERTYPE_IPV4) begin
        l3_kind = tandem_pkg::L3_IPV4;
        if (l3_len < 16'd20 || dc_version_ihl[7:4] != 4'd4 || ip_header_len < 6'd20) begin
          parse = tandem_pkg::PARSE_BAD_L3_HEADER;
        end else if (dc_total_len < 16'(ip_header_len)) begin
          parse = tandem_pkg::PARSE_BAD_L3_LENGTH;
        end else if (l3_len < 16'(ip_header_len)) begin
          parse = tandem_pkg::PARSE_BAD_L3_HEADER;
        end else if (l3_len < dc_total_len) begin
          parse = tandem_pkg::PARSE_BAD_L3_LENGTH;
        end else if (dc_fragment) begin
          // Only the reassembled datagram has an L4 header to trust.
          parse = tandem_pkg::PARSE_FRAGMENT;
        end else begin
          l4_offset = l4;
          if (dc_protocol == PROTO_TCP) begin
            l4_kind = tandem_pkg::L4_TCP;
            if (segment_len < 16'd20 || tcp_header_len < 6'd20 ||
                segment_len < 16'(tcp_header_len)) begin
              parse = tandem_pkg::PARSE_BAD_L4_HEADER;
            end else begin
              payload_offset = 16'(l4) + 16'(tcp_header_len);
              payload_length = segment_len - 16'(tcp_header_len);
              tcp_flags = dc_flags;
              // Named from the host's side: the sender is the remote end.
              key_remote_ip = dc_src_ip;
              key_local_ip = dc_dst_ip;
              key_remote_port = dc_src_port;
              key_local_port = dc_dst_port;
            end
          end else if (dc_protocol == PROTO_UDP) begin
            // The UDP length must equal the IPv4 payload length exactly.
            l4_kind = tandem_pkg::L4_UDP;
            if (segment_len < 16'd8 || dc_udp_length != segment_len) begin
              parse = tandem_pkg::PARSE_BAD_L4_HEADER;
            end else begin
              payload_offset = 16'(l4) + 16'd8;
              payload_length = segment_len - 16'd8;
            end
          end else if (dc_protocol == PROTO_ICMP) begin
            l4_kind = tandem_pkg::L4_ICMP;
            if (segment_len < 16'd8) begin
              parse = tandem_pkg::PARSE_BAD_L4_HEADER;
            end else begin
              payload_offset = 16'(l4) + 16'd8;
              payload_length = segment_len - 16'd8;
            end
          end else begin
            l4_kind = tandem_pkg::L4_OTHER;
          end
        end
      end else if (dc_ethertype == ETHERTYPE_ARP) begin
        l3_kind = tandem_pkg::L3_ARP;
        if (l3_len < 16'd8 || l3_len < arp_declared) parse = tandem_pkg::PARSE_BAD_L3_HEADER;
      end else begin
        l3_kind = tandem_pkg::L3_OTHER;
      end
    end
  end

  logic [PARSED_W-1:0] parsed_word;
  always_comb begin
    parsed_word = '0;
    parsed_word[tandem_pkg::RXM_FRAME_LENGTH_LSB+:16] = frame_length;
    parsed_word[tandem_pkg::RXM_L3_OFFSET_LSB+:8] = l3_offset;
    parsed_word[tandem_pkg::RXM_L4_OFFSET_LSB+:8] = l4_offset;
    parsed_word[tandem_pkg::RXM_PAYLOAD_OFFSET_LSB+:16] = payload_offset;
    parsed_word[tandem_pkg::RXM_PAYLOAD_LENGTH_LSB+:16] = payload_length;
    parsed_word[tandem_pkg::RXM_L3_LSB+:2] = l3_kind;
    parsed_word[tandem_pkg::RXM_L4_LSB+:3] = l4_kind;
    parsed_word[tandem_pkg::RXM_PARSE_LSB+:3] = parse;
    parsed_word[tandem_pkg::RXM_L3_CHECKSUM_LSB+:2] = tandem_pkg::CSUM_NOT_CHECKED;
    parsed_word[tandem_pkg::RXM_L4_CHECKSUM_LSB+:2] = tandem_pkg::CSUM_NOT_CHECKED;
    parsed_word[tandem_pkg::RXM_TCP_FLAGS_LSB+:8] = tcp_flags;
    parsed_word[tandem_pkg::RXM_CONN_ID_LSB+:32] = tandem_pkg::LOOKUP_MISS;
    parsed_word[tandem_pkg::RXP_REMOTE_IP_LSB+:32] = key_remote_ip;
    parsed_word[tandem_pkg::RXP_LOCAL_IP_LSB+:32] = key_local_ip;
    parsed_word[tandem_pkg::RXP_REMOTE_PORT_LSB+:16] = key_remote_port;
    parsed_word[tandem_pkg::RXP_LOCAL_PORT_LSB+:16] = key_local_port;
  end

  stream_fifo #(
      .WIDTH(PARSED_W),
      .DEPTH(PARSED_DEPTH)
  ) parsed_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(parsed_word),
      .s_valid(dc_valid),
      .m_data(m_axis_parsed_tdata),
      .m_valid(m_axis_parsed_tvalid),
      .m_ready(m_axis_parsed_tready),
      .count(parsed_count)
  );

endmodule

`resetall
