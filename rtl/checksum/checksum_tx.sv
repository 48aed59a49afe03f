// SPDX-License-Identifier: Apache-2.0
// checksum_tx: TX checksum insertion, the RTL twin of hls/checksum
// (ChecksumTx). The checksum fields come before the bytes they cover, so it is
// store-and-forward: while a frame goes into the frame FIFO, a sum pipeline
// accumulates its IPv4 header and its L4 segment plus pseudo header, and once
// the last beat is summed a patch (what to write where) is queued; the send
// side takes a frame's patch before its first beat and writes the IPv4 header
// checksum and/or the TCP/UDP checksum into the header beats as they leave.
// A computed UDP checksum of 0 goes out as 0xFFFF (RFC 768).
//
//   s_axis_tx_cmd ─► cmd FIFO (2) ─┐ flags of the frame being taken
//   s_axis_tx ─────────────────────┴► S1 ─┬─► frame FIFO (block RAM, 256 beats)
//                                         │          │ read
//        S2 context ◄─────────────────────┘          ▼
//        (IHL, total length, protocol, pseudo)   patch stage ◄─ patch FIFO (16)
//        S3 bounds ─► S4 lane masks ─► csum_regions      │            ▲
//                          (csum_beat x2, 5 levels,      ▼            │
//                           accumulate) ─► decide ──────────────────────┘
//                                                   output FIFO (2) ─► m_axis_tx
//
// The decision is the kernel's decide(), all or nothing: a frame that asked
// for a checksum it cannot have (not Ethernet/IPv4, a header or length out of
// bounds, a fragment or a protocol other than TCP/UDP for the L4 checksum)
// leaves unchanged and is counted in unparsed_frames, as is a frame that
// reaches MAX_FRAME_BEATS beats without its last one: the FIFO cannot hold it
// whole, so its pass-through patch is queued at that beat and it streams on.
// The fields being filled are left out of the sums, so the result is right
// even if the host did not zero them.
//
// Sizes as in the kernel: the frame FIFO holds FIFO_BEATS = 256 beats of 577
// bits (data, tkeep, tlast) — a 9 KiB frame (144 beats) while the next one
// streams in: 256 x 577 bits = 144 kbit of block RAM, which yosys maps to 17
// RAMB18E2 (577 = 16 x 36 + 1), 8.5 RAMB36's worth; at 512 x 72 it would be 9
// RAMB36, half their depth unused either way. (UltraRAM, 4K x 72, would waste
// more: the FIFO is wide and shallow.) tlast is kept a second time in a
// 256 x 1 LUT RAM so the send side knows a beat is a frame's last when it
// reads it, without waiting for the RAM.
//
// II=1: s_axis_tx_tready comes from registers only (a command present, room
// in the frame FIFO counting the beat being written, room in the patch FIFO
// for every patch still in the sum pipeline); the send side reads one beat a
// cycle from the RAM into a two-entry output FIFO. That read is issued when
// the output FIFO will have room next cycle, which counts the beat leaving on
// m_axis_tx this cycle: m_axis_tx_tready reaches the RAM's read enable
// combinationally, and nothing else.
//
// s_axis_tx_cmd_tdata is one byte per frame, the contract's tx_flag bits
// (bit 0 fill_ipv4_checksum, bit 1 fill_l4_checksum); it must be offered no
// later than the frame's first beat. unparsed_frames counts, like the
// kernel's, frames that asked for a fill they could not have.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module checksum_tx #(
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8,
    parameter int FIFO_BEATS = 256,
    parameter int MAX_FRAME_BEATS = 144,
    // Patches queued ahead of the send side: the kernel's 8 plus one for each
    // frame the sum pipeline (about 10 cycles deep) may hold, so that frames of
    // one beat still flow one per cycle.
    parameter int PATCH_DEPTH = 16
) (
    input wire clk,
    input wire rst,

    input  wire  [DATA_W-1:0] s_axis_tx_tdata,
    input  wire  [KEEP_W-1:0] s_axis_tx_tkeep,
    input  wire               s_axis_tx_tlast,
    input  wire               s_axis_tx_tvalid,
    output logic              s_axis_tx_tready,

    input  wire  [7:0] s_axis_tx_cmd_tdata,
    input  wire        s_axis_tx_cmd_tvalid,
    output logic       s_axis_tx_cmd_tready,

    output logic [DATA_W-1:0] m_axis_tx_tdata,
    output logic [KEEP_W-1:0] m_axis_tx_tkeep,
    output logic              m_axis_tx_tlast,
    output logic              m_axis_tx_tvalid,
    input  wire               m_axis_tx_tready,

    output logic [31:0] unparsed_frames
);

  if (DATA_W != 512) begin : g_bad_data_w
    $fatal(1, "checksum_tx: DATA_W must be 512 (the headers lie in the first two beats)");
  end
  if (KEEP_W != DATA_W / 8) begin : g_bad_keep_w
    $fatal(1, "checksum_tx: KEEP_W must be DATA_W / 8");
  end
  if (FIFO_BEATS < 2 || (FIFO_BEATS & (FIFO_BEATS - 1)) != 0 || FIFO_BEATS > 65536) begin : g_bad_fifo
    $fatal(1, "checksum_tx: FIFO_BEATS must be a power of two");
  end
  if (MAX_FRAME_BEATS < 2 || MAX_FRAME_BEATS + 16 > FIFO_BEATS || MAX_FRAME_BEATS > 255)
  begin : g_bad_max
    $fatal(1, "checksum_tx: MAX_FRAME_BEATS must fit the frame FIFO with room to spare, < 256");
  end
  if (PATCH_DEPTH < 16 || (PATCH_DEPTH & (PATCH_DEPTH - 1)) != 0) begin : g_bad_patch
    $fatal(1, "checksum_tx: PATCH_DEPTH must be a power of two, at least 16");
  end

  localparam int POS_W = tandem_pkg::POS_W;
  localparam int BEAT_W = DATA_W + KEEP_W + 1;
  localparam int ADDR_W = $clog2(FIFO_BEATS);
  localparam int PATCH_CNT_W = $clog2(PATCH_DEPTH) + 1;
  localparam logic [POS_W-1:0] ETH_HEADER_LEN = 17'd14;
  localparam logic [POS_W-1:0] IP_CHECKSUM_AT = 17'd24;
  localparam logic [7:0] PROTO_TCP = 8'd6;
  localparam logic [7:0] PROTO_UDP = 8'd17;

  // ---------------------------------------------------------------------------
  // Commands: the flags of the frame being taken are at the head.

  logic [7:0] cmd_head;
  logic cmd_valid;
  logic [1:0] cmd_count;
  assign s_axis_tx_cmd_tready = cmd_count != 2'd2;
  wire cmd_push = s_axis_tx_cmd_tvalid && s_axis_tx_cmd_tready;

  // ---------------------------------------------------------------------------
  // Input

  logic [ADDR_W:0] ram_count;  // beats written and not yet read
  logic s1_valid;
  logic [PATCH_CNT_W-1:0] patch_count;
  // Patches that beats already taken will queue (last beats, and beats that
  // make a frame too long to hold), not yet in the patch FIFO.
  logic [PATCH_CNT_W-1:0] patches_in_flight;

  wire frame_room = 32'(ram_count) + 32'(s1_valid) < FIFO_BEATS;
  wire patch_room = 32'(patch_count) + 32'(patches_in_flight) < PATCH_DEPTH;
  assign s_axis_tx_tready = cmd_valid && frame_room && patch_room;
  wire accept = s_axis_tx_tvalid && s_axis_tx_tready;

  stream_fifo #(
      .WIDTH(8),
      .DEPTH(2)
  ) cmd_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(s_axis_tx_cmd_tdata),
      .s_valid(cmd_push),
      .m_data(cmd_head),
      .m_valid(cmd_valid),
      .m_ready(accept && s_axis_tx_tlast),
      .count(cmd_count)
  );

  // Beats of the frame so far, saturating at MAX_FRAME_BEATS, and whether its
  // pass-through patch has been queued.
  logic [7:0] in_beats;
  logic patch_sent;
  wire event_final = s_axis_tx_tlast && !patch_sent;
  wire event_pass = !s_axis_tx_tlast && in_beats == 8'(MAX_FRAME_BEATS - 1);

  logic [DATA_W-1:0] s1_data;
  logic [KEEP_W-1:0] s1_keep;
  logic s1_last, s1_final, s1_pass;
  logic [7:0] s1_index, s1_cmd;

  always_ff @(posedge clk) begin
    if (accept) begin
      s1_data <= s_axis_tx_tdata;
      s1_keep <= s_axis_tx_tkeep;
      s1_last <= s_axis_tx_tlast;
      s1_index <= in_beats;
      s1_cmd <= cmd_head;
      s1_final <= event_final;
      s1_pass <= event_pass;
    end
    if (rst) begin
      in_beats <= '0;
      patch_sent <= 1'b0;
      s1_valid <= 1'b0;
    end else begin
      s1_valid <= accept;
      if (accept) begin
        if (s_axis_tx_tlast) begin
          in_beats <= '0;
          patch_sent <= 1'b0;
        end else begin
          if (in_beats != 8'(MAX_FRAME_BEATS)) in_beats <= in_beats + 8'd1;
          if (event_pass) patch_sent <= 1'b1;
        end
      end
    end
  end

  // ---------------------------------------------------------------------------
  // The frame FIFO: block RAM for the beats, LUT RAM for their tlast.

  logic [ADDR_W-1:0] wr_ptr, rd_ptr;
  logic last_mem[FIFO_BEATS];
  logic issue;
  logic [BEAT_W-1:0] rd_beat_word;

  sdp_ram #(
      .WIDTH(BEAT_W),
      .DEPTH(FIFO_BEATS)
  ) frame_ram (
      .clk(clk),
      .wr_en(s1_valid),
      .wr_addr(wr_ptr),
      .wr_data({s1_last, s1_keep, s1_data}),
      .rd_en(issue),
      .rd_addr(rd_ptr),
      .rd_data(rd_beat_word)
  );

  always_ff @(posedge clk) begin
    if (s1_valid) last_mem[wr_ptr] <= s1_last;
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
      ram_count <= '0;
    end else begin
      if (s1_valid) wr_ptr <= wr_ptr + 1'b1;
      if (issue) rd_ptr <= rd_ptr + 1'b1;
      if (s1_valid && !issue) ram_count <= ram_count + 1'b1;
      else if (!s1_valid && issue) ram_count <= ram_count - 1'b1;
    end
  end

  // ---------------------------------------------------------------------------
  // S2: the frame's context from its first beat.

  wire s1_first = s1_index == 8'd0;
  wire [3:0] s1_ihl = s1_data[8*14+:4];
  wire [5:0] s1_header_len = tandem_pkg::ipv4_header_len(s1_data);
  wire [15:0] s1_total_len = tandem_pkg::ipv4_total_len(s1_data);
  wire [7:0] s1_protocol = tandem_pkg::beat_byte(s1_data, 23);
  wire [31:0] s1_pseudo = tandem_pkg::ipv4_pseudo_sum(s1_data);
  wire [6:0] s1_l4_csum_at = 7'd14 + 7'(s1_header_len) + (s1_protocol == PROTO_TCP ? 7'd16 : 7'd6);

  // The context as decide() needs it, LSB first: is IPv4, version, IHL, total
  // length, fragment, protocol, pseudo header sum, L4 checksum position.
  localparam int CTX_W = 1 + 4 + 4 + 16 + 1 + 8 + 32 + 7;

  logic s2_valid, s2_final, s2_pass, s2_first;
  logic [DATA_W-1:0] s2_data;
  logic [KEEP_W-1:0] s2_keep;
  logic [7:0] s2_index, s2_cmd;
  logic [CTX_W-1:0] s2_ctx;
  logic [POS_W-1:0] s2_header_end, s2_segment_end;

  always_ff @(posedge clk) begin
    if (s1_valid) begin
      s2_data <= s1_data;
      s2_keep <= s1_keep;
      s2_final <= s1_final;
      s2_pass <= s1_pass;
      s2_first <= s1_first;
      s2_index <= s1_index;
      s2_cmd <= s1_cmd;
      if (s1_first) begin
        s2_ctx <= {s1_l4_csum_at, s1_pseudo, s1_protocol,
                   (tandem_pkg::beat_be16(s1_data, 20) & 16'h3fff) != 16'd0, s1_total_len,
                   s1_ihl, s1_data[8*14+4+:4], tandem_pkg::beat_be16(s1_data, 12) == 16'h0800};
        s2_header_end <= ETH_HEADER_LEN + POS_W'(s1_header_len);
        s2_segment_end <= ETH_HEADER_LEN + POS_W'(s1_total_len);
      end
    end
    if (rst) s2_valid <= 1'b0;
    else s2_valid <= s1_valid;
  end

  wire [3:0] s2_ihl = s2_ctx[8:5];
  wire [6:0] s2_l4_csum_at = s2_ctx[CTX_W-1-:7];

  // ---------------------------------------------------------------------------
  // S3: region lanes (the fields being filled left out), the L4 fields the
  // decision needs, and the beat's byte count.

  wire [POS_W-1:0] s2_offset = POS_W'(s2_index) << 6;
  wire s2_in_header_window = s2_index < 8'd2;
  wire [KEEP_W-1:0] s2_header_lanes =
      s2_in_header_window ? tandem_pkg::beat_region(s2_offset, ETH_HEADER_LEN, s2_header_end) &
                            ~tandem_pkg::beat_region(s2_offset, IP_CHECKSUM_AT,
                                                     IP_CHECKSUM_AT + 17'd2)
                          : '0;
  wire [KEEP_W-1:0] s2_segment_lanes =
      tandem_pkg::beat_region(s2_offset, s2_header_end, s2_segment_end) &
      ~tandem_pkg::beat_region(s2_offset, POS_W'(s2_l4_csum_at), POS_W'(s2_l4_csum_at) + 17'd2);

  // The TCP data offset (high nibble of byte 12, at 26 + 4*IHL) and the UDP
  // length (at 18 + 4*IHL), both within the first two beats.
  logic tcp_hit, udp_hit;
  logic [3:0] tcp_value;
  logic [15:0] udp_value;
  always_comb begin
    tcp_hit = 1'b0;
    udp_hit = 1'b0;
    tcp_value = '0;
    udp_value = '0;
    for (int ihl = 0; ihl < 16; ihl++) begin
      if (s2_ihl == 4'(ihl)) begin
        tcp_hit = s2_index == 8'((26 + 4 * ihl) / 64);
        tcp_value = s2_data[8*((26+4*ihl)%64)+4+:4];
        udp_hit = s2_index == 8'((18 + 4 * ihl) / 64);
        udp_value = tandem_pkg::beat_be16(s2_data, (18 + 4 * ihl) % 64);
      end
    end
  end

  logic s3_valid, s3_first;
  logic [DATA_W-1:0] s3_data;
  logic [KEEP_W-1:0] s3_header_mask, s3_segment_mask;
  logic [6:0] s3_bytes;

  // Beside the beat through the sums, LSB first: final, pass, TCP data offset
  // seen and its value, UDP length seen and its value, command, context.
  localparam int SIDE_W = 2 + 1 + 4 + 1 + 16 + 8 + CTX_W;
  logic [SIDE_W-1:0] s3_side;

  always_ff @(posedge clk) begin
    if (s2_valid) begin
      s3_data <= s2_data;
      s3_header_mask <= s2_header_lanes & s2_keep;
      s3_segment_mask <= s2_segment_lanes & s2_keep;
      s3_bytes <= tandem_pkg::keep_count(s2_keep);
      s3_first <= s2_first;
      s3_side <= {s2_ctx, s2_cmd, udp_value, udp_hit, tcp_value, tcp_hit, s2_pass, s2_final};
    end
    if (rst) s3_valid <= 1'b0;
    else s3_valid <= s2_valid;
  end

  // ---------------------------------------------------------------------------
  // The frame's sums and length so far, csum_regions' 5 cycles on, and the
  // L4 fields decide() needs.

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

  wire sa_final = sa_side[0];
  wire sa_pass = sa_side[1];
  wire sa_tcp_hit = sa_side[2];
  wire [3:0] sa_tcp_value = sa_side[6:3];
  wire sa_udp_hit = sa_side[7];
  wire [15:0] sa_udp_value = sa_side[23:8];
  wire [7:0] sa_cmd = sa_side[31:24];
  wire [CTX_W-1:0] sa_ctx = sa_side[SIDE_W-1-:CTX_W];

  logic [15:0] acc_udp_length;
  logic [3:0] acc_tcp_doff;
  wire [3:0] tcp_doff_next = sa_tcp_hit ? sa_tcp_value : (sa_first ? 4'd0 : acc_tcp_doff);
  wire [15:0] udp_length_next = sa_udp_hit ? sa_udp_value : (sa_first ? 16'd0 : acc_udp_length);

  // F: a frame's decision point (its last beat, or the beat that made it too
  // long to hold).
  logic f_valid, f_pass;
  logic [31:0] f_header, f_segment;
  logic [15:0] f_length, f_udp_length;
  logic [3:0] f_tcp_doff;
  logic [7:0] f_cmd;
  logic [CTX_W-1:0] f_ctx;

  always_ff @(posedge clk) begin
    if (sa_valid) begin
      acc_tcp_doff <= tcp_doff_next;
      acc_udp_length <= udp_length_next;
    end
    if (sa_valid && (sa_final || sa_pass)) begin
      f_pass <= sa_pass;
      f_header <= header_sum;
      f_segment <= segment_sum;
      f_length <= length_next;
      f_tcp_doff <= tcp_doff_next;
      f_udp_length <= udp_length_next;
      f_cmd <= sa_cmd;
      f_ctx <= sa_ctx;
    end
    if (rst) f_valid <= 1'b0;
    else f_valid <= sa_valid && (sa_final || sa_pass);
  end

  // decide(): the IPv4 header and the datagram must lie within the frame
  // (RFC 791); the L4 header within the datagram, the UDP length equal to it.
  wire f_is_ipv4 = f_ctx[0];
  wire [3:0] f_version = f_ctx[4:1];
  wire [3:0] f_ihl = f_ctx[8:5];
  wire [15:0] f_total_len = f_ctx[24:9];
  wire f_fragment = f_ctx[25];
  wire [7:0] f_protocol = f_ctx[33:26];
  wire [31:0] f_pseudo = f_ctx[65:34];
  wire [6:0] f_l4_csum_at = f_ctx[72:66];

  wire [15:0] f_header_len = {10'd0, f_ihl, 2'b00};
  wire [15:0] f_segment_len = f_total_len - f_header_len;
  wire [15:0] f_tcp_header_len = {10'd0, f_tcp_doff, 2'b00};
  wire f_ipv4_ok = f_length >= 16'd34 && f_is_ipv4 && f_version == 4'd4 &&
                   f_header_len >= 16'd20 && f_total_len >= f_header_len &&
                   17'd14 + 17'(f_total_len) <= 17'(f_length);
  wire f_tcp_ok = f_protocol == PROTO_TCP && f_segment_len >= 16'd20 &&
                  f_tcp_header_len >= 16'd20 && f_tcp_header_len <= f_segment_len;
  wire f_udp_ok = f_protocol == PROTO_UDP && f_segment_len >= 16'd8 &&
                  f_udp_length == f_segment_len;
  wire f_l4_ok = f_ipv4_ok && !f_fragment && (f_tcp_ok || f_udp_ok);

  wire want_ip = f_cmd[tandem_pkg::TX_FLAG_FILL_IPV4_CHECKSUM];
  wire want_l4 = f_cmd[tandem_pkg::TX_FLAG_FILL_L4_CHECKSUM];
  wire fills_wanted = want_ip || want_l4;
  // All or nothing: a fill that cannot be made leaves the frame as it came.
  wire f_refused = f_pass || (want_ip && !f_ipv4_ok) || (want_l4 && !f_l4_ok);

  wire [15:0] f_ip_csum = ~tandem_pkg::csum_fold(f_header);
  wire [15:0] f_l4_sum = ~tandem_pkg::csum_fold(f_segment + f_pseudo);
  // RFC 768: a computed zero goes out as all ones, since zero means "none".
  wire [15:0] f_l4_csum = f_protocol == PROTO_UDP && f_l4_sum == 16'd0 ? 16'hffff : f_l4_sum;

  // Patch, LSB first: fill IPv4, fill L4, IPv4 checksum, L4 checksum, where.
  localparam int PATCH_W = 1 + 1 + 16 + 16 + 7;
  wire [PATCH_W-1:0] f_patch = f_refused ? '0 : {f_l4_csum_at, f_l4_csum, f_ip_csum, want_l4,
                                                   want_ip};

  always_ff @(posedge clk) begin
    if (rst) begin
      patches_in_flight <= '0;
      unparsed_frames <= '0;
    end else begin
      if ((accept && (event_final || event_pass)) && !f_valid) begin
        patches_in_flight <= patches_in_flight + 1'b1;
      end else if (!(accept && (event_final || event_pass)) && f_valid) begin
        patches_in_flight <= patches_in_flight - 1'b1;
      end
      if (f_valid && f_refused && fills_wanted) unparsed_frames <= unparsed_frames + 32'd1;
    end
  end

  logic [PATCH_W-1:0] patch_head;
  logic patch_valid;
  logic patch_pop;

  stream_fifo #(
      .WIDTH(PATCH_W),
      .DEPTH(PATCH_DEPTH)
  ) patch_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(f_patch),
      .s_valid(f_valid),
      .m_data(patch_head),
      .m_valid(patch_valid),
      .m_ready(patch_pop),
      .count(patch_count)
  );

  // ---------------------------------------------------------------------------
  // Send: a frame's beats are read once its patch is at hand; the patch goes
  // with each read to the cycle the RAM answers, where it is written in.

  logic out_active;  // between a frame's first and last beat read
  logic [PATCH_W-1:0] out_patch;
  logic [1:0] out_beat;  // 0, 1, then 2 for every later beat

  logic rd_pending;
  logic [PATCH_W-1:0] rd_patch;
  logic [1:0] rd_beat;

  logic [1:0] obuf_count;
  wire pop = m_axis_tx_tvalid && m_axis_tx_tready;
  wire obuf_room = 32'(obuf_count) + 32'(rd_pending) < 32'd2 + 32'(pop);

  wire [PATCH_W-1:0] cur_patch = out_active ? out_patch : patch_head;
  wire [1:0] cur_beat = out_active ? out_beat : 2'd0;
  assign issue = (out_active || patch_valid) && ram_count != '0 && obuf_room;
  assign patch_pop = issue && !out_active;

  always_ff @(posedge clk) begin
    if (issue) begin
      rd_patch <= cur_patch;
      rd_beat <= cur_beat;
      out_patch <= cur_patch;
      if (cur_beat != 2'd2) out_beat <= cur_beat + 2'd1;
    end
    if (rst) begin
      out_active <= 1'b0;
      rd_pending <= 1'b0;
    end else begin
      rd_pending <= issue;
      if (issue) out_active <= !last_mem[rd_ptr];
    end
  end

  wire rd_fill_ip = rd_patch[0];
  wire rd_fill_l4 = rd_patch[1];
  wire [15:0] rd_ip_csum = rd_patch[17:2];
  wire [15:0] rd_l4_csum = rd_patch[33:18];
  wire [6:0] rd_l4_at = rd_patch[40:34];

  logic [DATA_W-1:0] patched;
  always_comb begin
    patched = rd_beat_word[DATA_W-1:0];
    if (rd_beat == 2'd0 && rd_fill_ip) begin
      patched[8*24+:8] = rd_ip_csum[15:8];
      patched[8*25+:8] = rd_ip_csum[7:0];
    end
    // The L4 checksum field is 16-bit aligned: it lies within one beat.
    if (rd_fill_l4 && rd_beat == {1'b0, rd_l4_at[6]}) begin
      for (int lane = 0; lane < KEEP_W; lane += 2) begin
        if (rd_l4_at[5:0] == 6'(lane)) begin
          patched[8*lane+:8] = rd_l4_csum[15:8];
          patched[8*(lane+1)+:8] = rd_l4_csum[7:0];
        end
      end
    end
  end

  stream_fifo #(
      .WIDTH(BEAT_W),
      .DEPTH(2)
  ) out_fifo (
      .clk(clk),
      .rst(rst),
      .s_data({rd_beat_word[BEAT_W-1:DATA_W], patched}),
      .s_valid(rd_pending),
      .m_data({m_axis_tx_tlast, m_axis_tx_tkeep, m_axis_tx_tdata}),
      .m_valid(m_axis_tx_tvalid),
      .m_ready(m_axis_tx_tready),
      .count(obuf_count)
  );

endmodule

`resetall
