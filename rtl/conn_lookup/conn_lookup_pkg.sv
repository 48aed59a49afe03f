// SPDX-License-Identifier: Apache-2.0
// The words on conn_lookup's streams and the table's slot layout, written from
// hls/conn_lookup/conn_lookup.hpp (LookupRequest, LookupResult, TableRead,
// TableWrite, pack_slot) and contract/nic_contract.hpp (FlowCommand,
// FlowCompletion, FlowOp, FlowStatus, kLookupMiss). rtl/README.md has the
// tables. Every field sits at its numeric value, least significant bit first,
// so the C++ side packs the words with shifts and no byte swapping.
//
//   key (96 bits, FlowKey4 member order, also the slot's low 96 bits):
//     [31:0] remote_ip  [63:32] local_ip  [79:64] remote_port  [95:80] local_port
//   s_axis_lookup  (112): [95:0] key, [111:96] tag
//   m_axis_result   (48): [15:0] tag, [47:16] conn_id (LOOKUP_MISS when absent)
//   s_axis_cmd     (176): [95:0] key, [127:96] conn_id, [159:128] tag,
//                         [167:160] op (FlowOp), [175:168] family (AddressFamily)
//                         -- bits [127:0] are the slot the insert writes
//   m_axis_cmd_status (40): [31:0] tag, [39:32] status (FlowStatus)
//   table slot     (128): [95:0] key, [127:96] conn_id; empty = conn_id LOOKUP_MISS
//   table bucket   (512): slot s at [128s+127:128s]
//   m_axis_table_rd (32): [31:0] bucket index
//   m_axis_table_wr(168): [127:0] slot entry, [159:128] bucket, [167:160] slot
//
// Modules refer to these names as conn_lookup_pkg::NAME: yosys does not take
// wildcard imports.
`resetall
`timescale 1ns / 1ps
`default_nettype none

package conn_lookup_pkg;

  // Every module sees the whole package and uses a part of it.
  /* verilator lint_off UNUSEDPARAM */

  localparam int KEY_W = 96;
  localparam int TAG_W = 16;
  localparam int ID_W = 32;
  localparam int SLOTS = 4;
  localparam int SLOT_W = 128;
  localparam int BUCKET_W = SLOTS * SLOT_W;
  localparam int FP_W = 12;
  // One bucket's fingerprints in the mirror: slot s at [12s+11:12s], 0 = empty.
  localparam int FPS_W = SLOTS * FP_W;

  localparam int LOOKUP_W = KEY_W + TAG_W;
  localparam int LOOKUP_TAG_LSB = KEY_W;

  localparam int RESULT_W = TAG_W + ID_W;
  localparam int RESULT_ID_LSB = TAG_W;

  localparam int CMD_W = 176;
  localparam int CMD_ID_LSB = 96;
  localparam int CMD_TAG_LSB = 128;
  localparam int CMD_OP_LSB = 160;
  localparam int CMD_FAMILY_LSB = 168;

  localparam int STATUS_W = 40;
  localparam int STATUS_CODE_LSB = 32;

  localparam int RD_REQ_W = 32;

  localparam int WR_W = 168;
  localparam int WR_BUCKET_LSB = 128;
  localparam int WR_SLOT_LSB = 160;

  // contract::FlowOp, AddressFamily, FlowStatus
  localparam logic [7:0] OP_INSERT = 8'd0;
  localparam logic [7:0] OP_REMOVE = 8'd1;
  localparam logic [7:0] FAMILY_IPV4 = 8'd4;
  localparam logic [7:0] STATUS_OK = 8'd0;
  localparam logic [7:0] STATUS_EXISTS = 8'd1;
  localparam logic [7:0] STATUS_FULL = 8'd2;
  localparam logic [7:0] STATUS_NOT_FOUND = 8'd3;
  localparam logic [7:0] STATUS_REJECTED = 8'd4;

  localparam logic [31:0] LOOKUP_MISS = 32'hffff_ffff;
  localparam logic [SLOT_W-1:0] EMPTY_SLOT = {LOOKUP_MISS, 96'd0};

  // The hashes' constants (hls mix64, flow_hash, partner).
  localparam logic [63:0] MIX_C1 = 64'hbf58_476d_1ce4_e5b9;
  localparam logic [63:0] MIX_C2 = 64'h94d0_49bb_1331_11eb;
  localparam logic [63:0] GOLDEN = 64'h9e37_79b9_7f4a_7c15;

  // flow_hash's inputs: the addresses with remote_ip on top, the ports with
  // remote_port on top. Each takes its part of the key.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [63:0] key_addresses(input logic [KEY_W-1:0] key);
    key_addresses = {key[31:0], key[63:32]};
  endfunction

  function automatic logic [63:0] key_ports(input logic [KEY_W-1:0] key);
    key_ports = {32'd0, key[79:64], key[95:80]};
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // --- the mirror word of a bucket (hls fp_at, match_mask, free_slot, ...) --
  function automatic logic [FP_W-1:0] fp_at(input logic [FPS_W-1:0] fps, input logic [1:0] slot);
    fp_at = fps[FP_W*slot+:FP_W];
  endfunction

  function automatic logic [SLOTS-1:0] match_mask(input logic [FPS_W-1:0] fps,
                                                  input logic [FP_W-1:0] fp);
    for (int s = 0; s < SLOTS; s++) match_mask[s] = fps[FP_W*s+:FP_W] == fp;
  endfunction

  function automatic logic has_free(input logic [FPS_W-1:0] fps);
    has_free = match_mask(fps, '0) != '0;
  endfunction

  // The lowest free slot (hls free_slot); 0 when there is none.
  function automatic logic [1:0] free_index(input logic [FPS_W-1:0] fps);
    logic [SLOTS-1:0] m;
    m = match_mask(fps, '0);
    free_index = 2'd0;
    for (int s = SLOTS - 1; s >= 0; s--) if (m[s]) free_index = 2'(s);
  endfunction

  function automatic logic [2:0] popcount4(input logic [SLOTS-1:0] mask);
    popcount4 = 3'(mask[0]) + 3'(mask[1]) + 3'(mask[2]) + 3'(mask[3]);
  endfunction

  function automatic logic [2:0] free_count(input logic [FPS_W-1:0] fps);
    free_count = popcount4(match_mask(fps, '0));
  endfunction

  function automatic logic [1:0] lowest_bit(input logic [SLOTS-1:0] mask);
    lowest_bit = 2'd0;
    for (int s = SLOTS - 1; s >= 0; s--) if (mask[s]) lowest_bit = 2'(s);
  endfunction

  function automatic logic [FPS_W-1:0] with_fp(input logic [FPS_W-1:0] fps, input logic [1:0] slot,
                                               input logic [FP_W-1:0] fp);
    with_fp = fps;
    with_fp[FP_W*slot+:FP_W] = fp;
  endfunction

  /* verilator lint_on UNUSEDPARAM */

endpackage

`resetall
