// SPDX-License-Identifier: Apache-2.0
// The bit layouts of the words that travel beside the frame beats on the RX
// side streams, written from contract/nic_contract.hpp (rx_meta_bits and the
// enums it encodes) so that the RTL and the HLS kernels agree on one contract.
//
// RxParsed side word (256 bits), one per frame, as rx_parser and checksum_rx
// emit it (rtl/README.md has the table):
//   [159:0]   RxMeta, exactly the contract's 160-bit rx_meta_bits word
//   [191:160] key.remote_ip    (IPv4 source of a received frame, host order)
//   [223:192] key.local_ip     (IPv4 destination)
//   [239:224] key.remote_port  (TCP source port)
//   [255:240] key.local_port   (TCP destination port)
// The key follows FlowKey4's member order, each field at its numeric value
// (bit 160 is the least significant bit of remote_ip), so the C++ side packs
// it with shifts and no byte swapping (rtl/tb/rx_parsed_word.hpp).
//
// Modules refer to these names as tandem_pkg::NAME: yosys does not take
// wildcard imports.
`resetall
`timescale 1ns / 1ps
`default_nettype none

package tandem_pkg;

  // Every module sees the whole package and uses a part of it.
  /* verilator lint_off UNUSEDPARAM */

  // --- RxMeta (contract rx_meta_bits) ---------------------------------------
  localparam int RX_META_W = 160;

  localparam int RXM_FRAME_LENGTH_LSB = 0;
  localparam int RXM_FRAME_LENGTH_W = 16;
  localparam int RXM_L3_OFFSET_LSB = 16;
  localparam int RXM_L3_OFFSET_W = 8;
  localparam int RXM_L4_OFFSET_LSB = 24;
  localparam int RXM_L4_OFFSET_W = 8;
  localparam int RXM_PAYLOAD_OFFSET_LSB = 32;
  localparam int RXM_PAYLOAD_OFFSET_W = 16;
  localparam int RXM_PAYLOAD_LENGTH_LSB = 48;
  localparam int RXM_PAYLOAD_LENGTH_W = 16;
  localparam int RXM_L3_LSB = 64;
  localparam int RXM_L3_W = 2;
  localparam int RXM_L4_LSB = 66;
  localparam int RXM_L4_W = 3;
  localparam int RXM_PARSE_LSB = 69;
  localparam int RXM_PARSE_W = 3;
  localparam int RXM_L3_CHECKSUM_LSB = 72;
  localparam int RXM_L3_CHECKSUM_W = 2;
  localparam int RXM_L4_CHECKSUM_LSB = 74;
  localparam int RXM_L4_CHECKSUM_W = 2;
  localparam int RXM_TCP_FLAGS_LSB = 76;
  localparam int RXM_TCP_FLAGS_W = 8;
  localparam int RXM_QUEUE_LSB = 84;
  localparam int RXM_QUEUE_W = 12;
  localparam int RXM_CONN_ID_LSB = 96;
  localparam int RXM_CONN_ID_W = 32;
  localparam int RXM_RSS_HASH_LSB = 128;
  localparam int RXM_RSS_HASH_W = 32;

  // --- RxParsed = RxMeta + FlowKey4 -----------------------------------------
  localparam int RX_PARSED_W = 256;

  localparam int RXP_REMOTE_IP_LSB = 160;
  localparam int RXP_LOCAL_IP_LSB = 192;
  localparam int RXP_REMOTE_PORT_LSB = 224;
  localparam int RXP_LOCAL_PORT_LSB = 240;

  // --- enum encodings (contract L3Kind, L4Kind, ParseStatus, ChecksumStatus) --
  localparam logic [1:0] L3_NONE = 2'd0;
  localparam logic [1:0] L3_IPV4 = 2'd1;
  localparam logic [1:0] L3_ARP = 2'd2;
  localparam logic [1:0] L3_OTHER = 2'd3;

  localparam logic [2:0] L4_NONE = 3'd0;
  localparam logic [2:0] L4_TCP = 3'd1;
  localparam logic [2:0] L4_UDP = 3'd2;
  localparam logic [2:0] L4_ICMP = 3'd3;
  localparam logic [2:0] L4_OTHER = 3'd4;

  localparam logic [2:0] PARSE_OK = 3'd0;
  localparam logic [2:0] PARSE_RUNT = 3'd1;
  localparam logic [2:0] PARSE_OVERSIZE = 3'd2;
  localparam logic [2:0] PARSE_BAD_L3_HEADER = 3'd3;
  localparam logic [2:0] PARSE_BAD_L3_LENGTH = 3'd4;
  localparam logic [2:0] PARSE_BAD_L4_HEADER = 3'd5;
  localparam logic [2:0] PARSE_FRAGMENT = 3'd6;

  localparam logic [1:0] CSUM_NOT_CHECKED = 2'd0;
  localparam logic [1:0] CSUM_GOOD = 2'd1;
  localparam logic [1:0] CSUM_BAD = 2'd2;

  // contract::kLookupMiss: what conn_id holds until conn_lookup answers.
  localparam logic [31:0] LOOKUP_MISS = 32'hffff_ffff;

  // contract::tx_flag
  localparam int TX_FLAG_FILL_IPV4_CHECKSUM = 0;
  localparam int TX_FLAG_FILL_L4_CHECKSUM = 1;

  // --- beat helpers shared by the engines (64-byte beats) --------------------
  localparam int BEAT_BYTES = 64;
  // Frame byte positions: a 16-bit length plus the Ethernet header, and room
  // for the beat offsets the engines count up to.
  localparam int POS_W = 17;

  // The bytes of a beat that carry data (hls keep_count): tkeep need not be
  // contiguous, so every bit counts.
  function automatic logic [6:0] keep_count(input logic [BEAT_BYTES-1:0] keep);
    logic [6:0] n;
    n = 7'd0;
    for (int i = 0; i < BEAT_BYTES; i++) n = n + 7'(keep[i]);
    keep_count = n;
  endfunction

  // The lanes of the beat starting at frame byte `beat_start` that lie in
  // [region_begin, region_end) of the frame (hls region_mask). The bounds are
  // turned into lane numbers clamped to 0..64 first, so each lane compares
  // 7-bit values rather than frame positions.
  function automatic logic [BEAT_BYTES-1:0] beat_region(input logic [POS_W-1:0] beat_start,
                                                        input logic [POS_W-1:0] region_begin,
                                                        input logic [POS_W-1:0] region_end);
    logic [POS_W:0] lo_diff, hi_diff;
    logic [6:0] lo, hi;
    logic [BEAT_BYTES-1:0] lanes;
    lo_diff = {1'b0, region_begin} - {1'b0, beat_start};
    hi_diff = {1'b0, region_end} - {1'b0, beat_start};
    if (lo_diff[POS_W]) lo = 7'd0;
    else if (lo_diff >= (POS_W + 1)'(BEAT_BYTES)) lo = 7'(BEAT_BYTES);
    else lo = lo_diff[6:0];
    if (hi_diff[POS_W]) hi = 7'd0;
    else if (hi_diff >= (POS_W + 1)'(BEAT_BYTES)) hi = 7'(BEAT_BYTES);
    else hi = hi_diff[6:0];
    for (int i = 0; i < BEAT_BYTES; i++) lanes[i] = 7'(i) >= lo && 7'(i) < hi;
    beat_region = lanes;
  endfunction

  // Byte i of a beat, and the big-endian 16-bit field at bytes i, i+1.
  // These helpers take a whole beat and read a few of its bytes.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [7:0] beat_byte(input logic [8*BEAT_BYTES-1:0] d, input int i);
    beat_byte = d[8*i+:8];
  endfunction

  function automatic logic [15:0] beat_be16(input logic [8*BEAT_BYTES-1:0] d, input int i);
    beat_be16 = {d[8*i+:8], d[8*(i+1)+:8]};
  endfunction

  // From a frame's first beat, taken as Ethernet + IPv4 (whether it is one is
  // for the caller to judge): the header length (IHL * 4), the total length,
  // and the sum of the TCP/UDP pseudo header (RFC 9293 3.1, RFC 768): source,
  // destination, protocol and L4 length = total length - header length,
  // wrapping to 16 bits as the kernels' does.
  function automatic logic [5:0] ipv4_header_len(input logic [8*BEAT_BYTES-1:0] d);
    ipv4_header_len = {d[8*14+:4], 2'b00};
  endfunction

  function automatic logic [15:0] ipv4_total_len(input logic [8*BEAT_BYTES-1:0] d);
    ipv4_total_len = beat_be16(d, 16);
  endfunction

  function automatic logic [31:0] ipv4_pseudo_sum(input logic [8*BEAT_BYTES-1:0] d);
    logic [15:0] l4_length;
    l4_length = ipv4_total_len(d) - 16'(ipv4_header_len(d));
    ipv4_pseudo_sum = 32'(beat_be16(d, 26)) + 32'(beat_be16(d, 28)) + 32'(beat_be16(d, 30)) +
                      32'(beat_be16(d, 32)) + 32'(beat_byte(d, 23)) + 32'(l4_length);
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // RFC 1071 4.1: a wide one's-complement accumulator folded to 16 bits, twice
  // (hls csum_fold), which is enough for 32 bits.
  function automatic logic [15:0] csum_fold(input logic [31:0] acc);
    logic [16:0] once;
    once = {1'b0, acc[15:0]} + {1'b0, acc[31:16]};
    // once <= 0x1fffe, so the second fold cannot carry.
    csum_fold = once[15:0] + 16'(once[16]);
  endfunction

  /* verilator lint_on UNUSEDPARAM */

endpackage

`resetall
