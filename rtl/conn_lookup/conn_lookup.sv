// SPDX-License-Identifier: Apache-2.0
// conn_lookup: the NIC's flow table in RTL, equivalent to the HLS kernel
// hls/conn_lookup/conn_lookup.hpp (ConnLookup): the IPv4 4-tuple of every
// received TCP segment to the host's connection id, one lookup a cycle, with
// the table in off-chip memory behind three streams.
//
// The table (hls/conn_lookup/README.md has the reasoning and the figures):
// - off chip, one 512-bit word per bucket, 4 slots of {key, conn_id};
// - partial-key cuckoo hashing: b1 = flow_hash(key, BUCKET_SEED) mod buckets,
//   f = top 12 bits of flow_hash(key, FINGERPRINT_SEED) (0 becomes 1),
//   b2 = b1 XOR offset(f), offset(f) = top LOG2_BUCKETS bits of f * golden, odd;
// - on chip, the fingerprint mirror (conn_lookup_mirror: 48 bits a bucket)
//   and a 32-entry stash in registers;
// - invariant (I): a fingerprint appears in at most one bucket of its pair, so
//   a lookup reads the one bucket whose mirror holds its fingerprint (a hit
//   costs exactly one read), or none.
//
//   s_axis_lookup ─► accept ─► hash (4 multiply stages, fingerprint, offset)
//        ─► mirror read (both buckets) + stash compare ─► route ─┬─► m_axis_table_rd
//                                                               └─► window (256)
//   s_axis_table_rd ─────────────────────► answer: compare keys ◄─┘
//        ─► m_axis_result (in order)
//   s_axis_cmd ─► command machine (probe through the same pipeline, then the
//        states of the HLS kernel's) ─► m_axis_table_rd / m_axis_table_wr,
//        mirror, stash ─► m_axis_cmd_status (in order)
//
// Lookups and commands take effect in the order the engine takes them from
// their streams (never both in one cycle). A waiting command lets at most 16
// more lookups in (quantum), then stops the lookup input until it is
// answered. The command's key goes down the lookup pipeline behind the
// lookups taken before it (its "probe"), so by the time the command acts on
// the probe every earlier lookup has been routed. A command that writes only
// into a free slot (or changes only the stash) acts at once; any other waits
// until the answers of the lookups in flight have been consumed before it
// takes its own read or moves an entry, exactly as the HLS kernel does. The
// states after the probe are the HLS command machine's, one mirror access
// (1-cycle RAM read) at a time: the same decisions in the same order, so every
// status, every slot an entry lands in, and every read and write the table
// sees are the HLS kernel's; only the cycle counts differ.
//
// Memory ports: requests and writes leave through 4-deep FIFOs in the order
// the engine makes them; answers to reads must come back in order. The
// memory must let a read see every write issued in an earlier cycle (as the
// HLS TableMemory does); the engine never has a read of a bucket in flight
// that a later write could overtake and change the answer of.
//
// Stream words: conn_lookup_pkg has the layouts (rtl/README.md the tables).
// Arbitration: s_axis_cmd_tready depends on s_axis_lookup_tvalid, and
// s_axis_lookup_tready on s_axis_cmd_tvalid and on the route stage (whether
// the lookup there can issue); no stream's ready depends on its own valid.
// Every other ready and every valid comes from registers. After reset the
// engine clears the mirror, two buckets a cycle (2^(LOG2_BUCKETS-1) cycles),
// before it takes anything; the table memory must hold empty slots (conn_id
// LOOKUP_MISS) by then.
//
// cfg_stash_entries (0 .. 32, more is 32) and cfg_bfs_nodes (2 .. 512, out
// of range is 512) are ConnLookupConfig's stash_entries and bfs_nodes; change
// them only while `idle`. The seeds are parameters here (ConnLookupConfig's
// bucket_seed and fingerprint_seed).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module conn_lookup #(
    // Buckets = 2^LOG2_BUCKETS, 4 entries each (hls conn_lookup_log2_buckets).
    parameter int LOG2_BUCKETS = 14,
    parameter logic [63:0] BUCKET_SEED = 64'h243f_6a88_85a3_08d3,
    parameter logic [63:0] FINGERPRINT_SEED = 64'h1319_8a2e_0370_7344
) (
    input wire clk,
    input wire rst,

    input  wire  [conn_lookup_pkg::LOOKUP_W-1:0] s_axis_lookup_tdata,
    input  wire                                  s_axis_lookup_tvalid,
    output logic                                 s_axis_lookup_tready,

    output logic [conn_lookup_pkg::RESULT_W-1:0] m_axis_result_tdata,
    output logic                                 m_axis_result_tvalid,
    input  wire                                  m_axis_result_tready,

    input  wire  [conn_lookup_pkg::CMD_W-1:0] s_axis_cmd_tdata,
    input  wire                               s_axis_cmd_tvalid,
    output logic                              s_axis_cmd_tready,

    output logic [conn_lookup_pkg::STATUS_W-1:0] m_axis_cmd_status_tdata,
    output logic                                 m_axis_cmd_status_tvalid,
    input  wire                                  m_axis_cmd_status_tready,

    // Table memory: bucket read requests, their answers in order, slot writes.
    output logic [conn_lookup_pkg::RD_REQ_W-1:0] m_axis_table_rd_tdata,
    output logic                                 m_axis_table_rd_tvalid,
    input  wire                                  m_axis_table_rd_tready,

    input  wire  [conn_lookup_pkg::BUCKET_W-1:0] s_axis_table_rd_tdata,
    input  wire                                  s_axis_table_rd_tvalid,
    output logic                                 s_axis_table_rd_tready,

    output logic [conn_lookup_pkg::WR_W-1:0] m_axis_table_wr_tdata,
    output logic                             m_axis_table_wr_tvalid,
    input  wire                              m_axis_table_wr_tready,

    input wire [5:0] cfg_stash_entries,
    input wire [9:0] cfg_bfs_nodes,

    // Nothing accepted and unanswered, no command in progress (hls idle()).
    output logic        idle,
    // hls table_entries() and stash_entries(); commands answered `rejected`.
    output logic [31:0] table_entries,
    output logic [ 5:0] stash_entries,
    output logic [31:0] rejected_commands
);

  localparam int LB = LOG2_BUCKETS;
  localparam int BUCKETS = 1 << LB;
  localparam int KEY_W = conn_lookup_pkg::KEY_W;
  localparam int TAG_W = conn_lookup_pkg::TAG_W;
  localparam int ID_W = conn_lookup_pkg::ID_W;
  localparam int FP_W = conn_lookup_pkg::FP_W;
  localparam int FPS_W = conn_lookup_pkg::FPS_W;
  localparam int SLOT_W = conn_lookup_pkg::SLOT_W;
  localparam int BUCKET_W = conn_lookup_pkg::BUCKET_W;
  localparam logic [ID_W-1:0] MISS = conn_lookup_pkg::LOOKUP_MISS;

  // The HLS kernel's constants (kStashSize, kBfsNodes, kMaxPathMoves,
  // kMaxInsertAttempts, kMaxInFlight, kLookupQuantum).
  localparam int STASH = 32;
  localparam int BFS_MAX = 512;
  localparam int NODE_AW = 9;
  localparam int MAX_PATH = 8;
  localparam int MAX_ATTEMPTS = 3;
  localparam int WINDOW = 256;
  localparam logic [4:0] QUANTUM = 5'd16;

  // Depths of the FIFOs on the streams out.
  localparam int PORT_FIFO = 4;
  localparam int RESULT_FIFO = 4;
  localparam int STATUS_FIFO = 2;

  localparam logic [63:0] GOLDEN = conn_lookup_pkg::GOLDEN;
  localparam logic [63:0] C1 = conn_lookup_pkg::MIX_C1;
  localparam logic [63:0] C2 = conn_lookup_pkg::MIX_C2;
  localparam logic [63:0] SEED_A = BUCKET_SEED;
  localparam logic [63:0] SEED_B = FINGERPRINT_SEED;
  localparam logic [63:0] SEED_A_G = BUCKET_SEED * GOLDEN;
  localparam logic [63:0] SEED_B_G = FINGERPRINT_SEED * GOLDEN;

  if (LB < 1 || LB > 30) begin : g_bad_log2
    $fatal(1, "conn_lookup: LOG2_BUCKETS must be in 1 .. 30");
  end

  // A BFS node: the bucket, the node it was reached from, the slot of the
  // parent whose entry (group) would move here, the path length, the group's
  // size (hls SearchNode).
  localparam int NODE_W = LB + NODE_AW + 2 + 4 + 3;
  // A lookup in flight: conn_id (stash hit or miss), slots to compare, whether
  // it waits for a read, tag, key.
  localparam int WIN_W = ID_W + 4 + 1 + TAG_W + KEY_W;

  function automatic logic [63:0] xorshift(input logic [63:0] x, input int n);
    xorshift = x ^ (x >> n);
  endfunction

  // hls partner(): the other bucket of a fingerprint is b XOR offset(f), the
  // top LOG2_BUCKETS bits of f * golden, made odd.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [LB-1:0] fp_offset(input logic [FP_W-1:0] fp);
    logic [63:0] spread;
    spread = {{(64 - FP_W) {1'b0}}, fp} * GOLDEN;
    fp_offset = spread[63-:LB] | LB'(1);
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // ---------------------------------------------------------------------------
  // Command machine state (declared first: the arbitration and the mirror
  // ports depend on it).
  typedef enum logic [4:0] {
    C_CLEAR,         // after reset: zero the mirror
    C_IDLE,
    C_INJECT,        // send the command's key down the lookup pipeline
    C_PROBE,         // its buckets, fingerprint, mirror words and stash match
    C_DECIDE,        // hls answer_on_chip + start_memory
    C_FIND_WAIT,     // the bucket the mirror points at: its contents
    C_FOUND,         // hls found_bucket
    C_PLACE,         // hls place_new: read both candidates' mirror words
    C_PLACE_EVAL,    //   a free slot, or seed the search with the first root
    C_SEED_ALT,      //   the second root
    C_SEARCH,        // hls search_step: read the next node
    C_SEARCH_NODE,   //   read its mirror word
    C_SEARCH_EVAL,   //   room for the group? else expand
    C_EXPAND,        //   one slot a cycle: a child node
    C_PATH_RD,       // hls begin_path: walk from the leaf to the root
    C_PATH_CAP,
    C_MOVE_RD,       // hls move_read: both mirror words of the move
    C_MOVE_CHECK,    //   still valid? read the source bucket
    C_MOVE_WAIT,     //   its contents
    C_MOVE_WRITE,    // hls move_write
    C_MOVE_CLEAR,    // hls move_clear
    C_ROOT_RD,       // the root's free slot, (I) for the new key
    C_ROOT_EVAL,
    C_WRITE_NEW,     // hls write_new
    C_STASH,         // hls stash_new
    C_REFILL,        // hls refill: the stash entries of the freed bucket,
    C_REFILL_NEXT,   //   the lowest first: read its other bucket
    C_REFILL_CHECK,  //   (I) allows it?
    C_REFILL_WRITE,
    C_RESPOND
  } cmd_state_t;

  cmd_state_t state_reg, state_next;
  logic [4:0] quantum_reg, quantum_next;

  // ---------------------------------------------------------------------------
  // Stream FIFOs and their room (occupancy at the start of the cycle).
  logic [$clog2(PORT_FIFO):0] rd_count, wr_count;
  logic [$clog2(RESULT_FIFO):0] res_count;
  logic [$clog2(STATUS_FIFO):0] sts_count;
  wire rd_room = rd_count < ($clog2(PORT_FIFO) + 1)'(PORT_FIFO);
  wire wr_room = wr_count < ($clog2(PORT_FIFO) + 1)'(PORT_FIFO);
  wire res_room = res_count < ($clog2(RESULT_FIFO) + 1)'(RESULT_FIFO);
  wire sts_room = sts_count < ($clog2(STATUS_FIFO) + 1)'(STATUS_FIFO);

  // ---------------------------------------------------------------------------
  // Stash, in registers: compared with every lookup in parallel.
  logic [STASH-1:0] stash_valid;
  logic [STASH*KEY_W-1:0] stash_key;
  logic [STASH*ID_W-1:0] stash_id;
  logic [STASH*LB-1:0] stash_prim;
  logic [STASH*LB-1:0] stash_alt;
  logic [STASH*FP_W-1:0] stash_fp;

  // ---------------------------------------------------------------------------
  // Lookup pipeline: s0 accepted, h1..h4 the four multiplies of the two keyed
  // hashes side by side, h5 bucket and fingerprint, h6 the other bucket (the
  // mirror reads both), h7 route. One global advance: the pipeline stops only
  // when the lookup in h7 cannot issue (window full, or no room for its read).
  logic s0_v, h1_v, h2_v, h3_v, h4_v, h5_v, h6_v, h7_v;
  logic s0_probe, h1_probe, h2_probe, h3_probe, h4_probe, h5_probe, h6_probe, h7_probe;
  logic [KEY_W-1:0] s0_key, h1_key, h2_key, h3_key, h4_key, h5_key, h6_key, h7_key;
  logic [TAG_W-1:0] s0_tag, h1_tag, h2_tag, h3_tag, h4_tag, h5_tag, h6_tag, h7_tag;
  logic [63:0] h1_ma, h1_mb, h2_ma, h2_mb, h3_ma, h3_mb, h4_ma, h4_mb;
  logic [LB-1:0] h5_primary, h6_primary, h6_alt, h7_primary, h7_alt;
  logic [FP_W-1:0] h5_fp, h6_fp, h7_fp;
  logic h7_stash_hit;
  logic [4:0] h7_stash_idx;

  logic [FPS_W-1:0] mir_a_rdata, mir_b_rdata;
  logic [8:0] win_count;  // lookups routed and not yet answered

  wire [3:0] h7_in_p = conn_lookup_pkg::match_mask(mir_a_rdata, h7_fp);
  wire [3:0] h7_in_a = conn_lookup_pkg::match_mask(mir_b_rdata, h7_fp);
  wire h7_read = !h7_stash_hit && (h7_in_p != '0 || h7_in_a != '0);
  wire [LB-1:0] h7_bucket = h7_in_p != '0 ? h7_primary : h7_alt;
  wire [3:0] h7_mask = h7_in_p != '0 ? h7_in_p : h7_in_a;
  wire [ID_W-1:0] h7_conn = h7_stash_hit ? stash_id[ID_W*h7_stash_idx+:ID_W] : MISS;
  wire h7_lookup = h7_v && !h7_probe;
  wire h7_block = h7_lookup && (win_count == 9'(WINDOW) || (h7_read && !rd_room));
  wire adv = !h7_block;
  wire pipe_rd_push = h7_lookup && adv && h7_read;
  wire win_push = h7_lookup && adv;

  // Arbitration (hls step()): a lookup enters while no command is in
  // progress, unless a command waits and its quantum is spent; a waiting
  // command is taken once its quantum is spent or no lookup is offered. So
  // with lookups offered back to back a command lets exactly 16 pass (as the
  // HLS kernel does when its input FIFO holds more than one), and a lookup
  // and a command are never taken in one cycle.
  wire cmd_idle = state_reg == C_IDLE;
  assign s_axis_lookup_tready = cmd_idle && (!s_axis_cmd_tvalid || quantum_reg != '0) && adv;
  assign s_axis_cmd_tready = cmd_idle && (quantum_reg == '0 || !s_axis_lookup_tvalid);
  wire lookup_fire = s_axis_lookup_tvalid && s_axis_lookup_tready;
  wire cmd_fire = s_axis_cmd_tvalid && s_axis_cmd_tready;

  logic inject;  // the command machine sends its probe into s0
  logic [KEY_W-1:0] cmd_key_reg, cmd_key_next;

  // Combinational halves of the hash stages.
  wire [63:0] s0_xa = xorshift(conn_lookup_pkg::key_addresses(s0_key) ^ SEED_A, 30);
  wire [63:0] s0_xb = xorshift(conn_lookup_pkg::key_addresses(s0_key) ^ SEED_B, 30);
  wire [63:0] h2_za = xorshift(h2_ma, 31) ^ conn_lookup_pkg::key_ports(h2_key) ^ SEED_A_G;
  wire [63:0] h2_zb = xorshift(h2_mb, 31) ^ conn_lookup_pkg::key_ports(h2_key) ^ SEED_B_G;
  // The bucket takes the low bits of one hash, the fingerprint the top bits
  // of the other.
  /* verilator lint_off UNUSEDSIGNAL */
  wire [63:0] h4_ha = xorshift(h4_ma, 31);
  wire [63:0] h4_hb = xorshift(h4_mb, 31);
  /* verilator lint_on UNUSEDSIGNAL */
  wire [FP_W-1:0] h4_fp = h4_hb[63-:FP_W] == '0 ? FP_W'(1) : h4_hb[63-:FP_W];

  // Stash match of the key in h6 (hls stash_find: the highest index wins).
  logic h6_stash_hit;
  logic [4:0] h6_stash_idx;
  always_comb begin
    h6_stash_hit = 1'b0;
    h6_stash_idx = '0;
    for (int i = 0; i < STASH; i++) begin
      if (stash_valid[i] && stash_key[KEY_W*i+:KEY_W] == h6_key) begin
        h6_stash_hit = 1'b1;
        h6_stash_idx = 5'(i);
      end
    end
  end

  always_ff @(posedge clk) begin
    if (adv) begin
      s0_probe <= inject;
      s0_key <= inject ? cmd_key_reg : s_axis_lookup_tdata[KEY_W-1:0];
      s0_tag <= s_axis_lookup_tdata[conn_lookup_pkg::LOOKUP_TAG_LSB+:TAG_W];

      {h1_probe, h1_key, h1_tag} <= {s0_probe, s0_key, s0_tag};
      h1_ma <= s0_xa * C1;
      h1_mb <= s0_xb * C1;

      {h2_probe, h2_key, h2_tag} <= {h1_probe, h1_key, h1_tag};
      h2_ma <= xorshift(h1_ma, 27) * C2;
      h2_mb <= xorshift(h1_mb, 27) * C2;

      {h3_probe, h3_key, h3_tag} <= {h2_probe, h2_key, h2_tag};
      h3_ma <= xorshift(h2_za, 30) * C1;
      h3_mb <= xorshift(h2_zb, 30) * C1;

      {h4_probe, h4_key, h4_tag} <= {h3_probe, h3_key, h3_tag};
      h4_ma <= xorshift(h3_ma, 27) * C2;
      h4_mb <= xorshift(h3_mb, 27) * C2;

      {h5_probe, h5_key, h5_tag} <= {h4_probe, h4_key, h4_tag};
      h5_primary <= h4_ha[LB-1:0];
      h5_fp <= h4_fp;

      {h6_probe, h6_key, h6_tag} <= {h5_probe, h5_key, h5_tag};
      h6_primary <= h5_primary;
      h6_alt <= h5_primary ^ fp_offset(h5_fp);
      h6_fp <= h5_fp;

      {h7_probe, h7_key, h7_tag} <= {h6_probe, h6_key, h6_tag};
      h7_primary <= h6_primary;
      h7_alt <= h6_alt;
      h7_fp <= h6_fp;
      h7_stash_hit <= h6_stash_hit;
      h7_stash_idx <= h6_stash_idx;
    end
    if (rst) begin
      {s0_v, h1_v, h2_v, h3_v, h4_v, h5_v, h6_v, h7_v} <= '0;
    end else if (adv) begin
      s0_v <= lookup_fire || inject;
      {h1_v, h2_v, h3_v, h4_v, h5_v, h6_v, h7_v} <= {s0_v, h1_v, h2_v, h3_v, h4_v, h5_v, h6_v};
    end
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk) begin
    if (!rst && h7_v && h7_in_p != '0 && h7_in_a != '0)
      $fatal(1, "conn_lookup: invariant (I) broken: fingerprint in both buckets");
    if (!rst && inject && lookup_fire) $fatal(1, "conn_lookup: probe and lookup in one cycle");
  end
`endif

  // ---------------------------------------------------------------------------
  // Mirror: the pipeline reads it except while the command machine works
  // between its probe and its answer (the pipeline is empty then). A
  // malformed command goes from idle straight to respond, with lookups taken
  // before it still in the pipeline: respond belongs to the pipeline too.
  logic cm_a_en, cm_a_we, cm_b_en;
  logic [LB-1:0] cm_a_addr, cm_b_addr;
  logic [FPS_W-1:0] cm_a_wdata, clr_wdata;
  logic cm_b_we;
  logic [LB-1:0] clr_reg, clr_next;

  wire pipe_owns_mirror = state_reg == C_IDLE || state_reg == C_INJECT || state_reg == C_PROBE ||
      state_reg == C_RESPOND;

  assign clr_wdata = '0;

  conn_lookup_mirror #(
      .ADDR_W(LB),
      .WIDTH (FPS_W)
  ) u_mirror (
      .clk(clk),
      .a_en(pipe_owns_mirror ? adv : cm_a_en),
      .a_we(!pipe_owns_mirror && cm_a_we),
      .a_addr(pipe_owns_mirror ? h6_primary : cm_a_addr),
      .a_wdata(cm_a_wdata),
      .a_rdata(mir_a_rdata),
      .b_en(pipe_owns_mirror ? adv : cm_b_en),
      .b_we(!pipe_owns_mirror && cm_b_we),
      .b_addr(pipe_owns_mirror ? h6_alt : cm_b_addr),
      .b_wdata(clr_wdata),
      .b_rdata(mir_b_rdata)
  );

  // ---------------------------------------------------------------------------
  // Window of lookups in flight and the answer stage.
  logic [WIN_W-1:0] win_head;
  logic win_head_valid, ans_fire;

  conn_lookup_fifo #(
      .WIDTH(WIN_W),
      .DEPTH(WINDOW)
  ) u_window (
      .clk(clk),
      .rst(rst),
      .s_data({h7_conn, h7_mask, h7_read, h7_tag, h7_key}),
      .s_valid(win_push),
      .m_data(win_head),
      .m_valid(win_head_valid),
      .m_ready(ans_fire)
  );

  wire [KEY_W-1:0] head_key = win_head[KEY_W-1:0];
  wire [TAG_W-1:0] head_tag = win_head[KEY_W+:TAG_W];
  wire head_read = win_head[KEY_W+TAG_W];
  wire [3:0] head_mask = win_head[KEY_W+TAG_W+1+:4];
  wire [ID_W-1:0] head_conn = win_head[KEY_W+TAG_W+5+:ID_W];

  // hls match_slots: the highest matching slot wins.
  logic [ID_W-1:0] ans_id;
  always_comb begin
    ans_id = head_read ? MISS : head_conn;
    for (int s = 0; s < conn_lookup_pkg::SLOTS; s++) begin
      if (head_read && head_mask[s] &&
          s_axis_table_rd_tdata[SLOT_W*s+:KEY_W] == head_key)
        ans_id = s_axis_table_rd_tdata[SLOT_W*s+KEY_W+:ID_W];
    end
  end

  assign ans_fire = win_head_valid && res_room && (!head_read || s_axis_table_rd_tvalid);

  always_ff @(posedge clk) begin
    if (rst) win_count <= '0;
    else win_count <= win_count + 9'(win_push) - 9'(ans_fire);
  end

  // The command machine takes read answers only with no lookup in flight.
  wire cmd_waits_data = (state_reg == C_FIND_WAIT || state_reg == C_MOVE_WAIT) && win_count == '0;
  assign s_axis_table_rd_tready = (win_head_valid && head_read && res_room) || cmd_waits_data;
  wire cmd_data_fire = cmd_waits_data && s_axis_table_rd_tvalid;

  stream_fifo #(
      .WIDTH(conn_lookup_pkg::RESULT_W),
      .DEPTH(RESULT_FIFO)
  ) u_result (
      .clk(clk),
      .rst(rst),
      .s_data({ans_id, head_tag}),
      .s_valid(ans_fire),
      .m_data(m_axis_result_tdata),
      .m_valid(m_axis_result_tvalid),
      .m_ready(m_axis_result_tready),
      .count(res_count)
  );

  // ---------------------------------------------------------------------------
  // Command machine registers (hls command state). Arrays (stash, path, BFS
  // nodes) are written through strobes from the combinational block.
  logic [ID_W-1:0] cmd_id_reg, cmd_id_next;
  logic [31:0] cmd_tag_reg, cmd_tag_next;
  logic cmd_insert_reg, cmd_insert_next;
  logic [7:0] status_reg, status_next;
  // The probe: hls key_ (Probe), the mirror words of both buckets, the stash.
  logic [LB-1:0] kp_reg, kp_next, ka_reg, ka_next;
  logic [FP_W-1:0] kfp_reg, kfp_next;
  logic [FPS_W-1:0] fps_p_reg, fps_p_next, fps_a_reg, fps_a_next;
  logic shit_reg, shit_next;
  logic [4:0] sidx_reg, sidx_next;
  // hls found_bucket_, found_mask_ and the bucket's mirror word.
  logic [LB-1:0] found_reg, found_next;
  logic [3:0] fmask_reg, fmask_next;
  logic [FPS_W-1:0] ffps_reg, ffps_next;
  logic [BUCKET_W-1:0] word_reg, word_next;
  // hls new_bucket_, new_slot_ and the mirror word to write with it.
  logic [LB-1:0] nb_reg, nb_next;
  logic [1:0] ns_reg, ns_next;
  logic [FPS_W-1:0] nfps_reg, nfps_next;
  logic [1:0] attempts_reg, attempts_next;
  logic seed_alt_reg, seed_alt_next;
  // Search.
  logic [9:0] ncount_reg, ncount_next, head_reg, head_next;
  logic [NODE_AW-1:0] at_reg, at_next;
  logic [LB-1:0] cur_bucket_reg, cur_bucket_next;
  logic [3:0] cur_depth_reg, cur_depth_next;
  logic [2:0] cur_need_reg, cur_need_next;
  logic [FPS_W-1:0] cur_fps_reg, cur_fps_next;
  logic [1:0] exp_slot_reg, exp_slot_next;
  // Path and moves.
  logic [3:0] path_len_reg, path_len_next, walk_idx_reg, walk_idx_next;
  logic [NODE_AW-1:0] walk_at_reg, walk_at_next;
  logic [3:0] mi_reg, mi_next;
  logic [LB-1:0] mfrom_reg, mfrom_next, mto_reg, mto_next;
  logic [1:0] mslot_reg, mslot_next, mfslot_reg, mfslot_next;
  logic [FP_W-1:0] mfp_reg, mfp_next;
  logic [3:0] mmask_reg, mmask_next;
  logic [FPS_W-1:0] from_fps_reg, from_fps_next, to_fps_reg, to_fps_next;
  logic [(MAX_PATH+1)*LB-1:0] path_bucket;
  logic [(MAX_PATH+1)*2-1:0] path_slot;
  // Refill.
  logic [STASH-1:0] cand_reg, cand_next;
  logic [4:0] ridx_reg, ridx_next;
  // Counts.
  logic [31:0] entries_reg, entries_next, rejected_reg, rejected_next;
  // hls counters() of the search: buckets visited, entries moved, paths found
  // stale and searched again, stash entries moved back. No port: the
  // equivalence test reads them through the hierarchy (synthesis drops them).
  logic [31:0] searched_reg, searched_next, moves_reg, moves_next;
  logic [31:0] aborted_reg, aborted_next, refills_reg, refills_next;
  logic [5:0] scount_reg, scount_next;

  // Strobes.
  logic cmd_rd_push;
  logic [LB-1:0] cmd_rd_bucket;
  logic wr_push;
  logic [conn_lookup_pkg::WR_W-1:0] wr_data;
  logic sts_push;
  logic stash_set, stash_clr;
  logic [4:0] stash_set_idx, stash_clr_idx;
  logic path_we;
  logic [3:0] path_widx;
  logic [LB-1:0] path_wbucket;
  logic [1:0] path_wslot;
  logic node_we;
  logic [NODE_AW-1:0] node_waddr, node_raddr;
  logic [NODE_W-1:0] node_wdata, node_rdata;

  // Settings (hls ConnLookup constructor).
  wire [5:0] stash_limit = cfg_stash_entries > 6'd32 ? 6'd32 : cfg_stash_entries;
  wire [9:0] bfs_limit =
      (cfg_bfs_nodes > 10'd512 || cfg_bfs_nodes < 10'd2) ? 10'd512 : cfg_bfs_nodes;

  // The lowest free stash entry (hls stash_free).
  logic stash_has_free;
  logic [4:0] stash_free_idx;
  always_comb begin
    stash_has_free = 1'b0;
    stash_free_idx = '0;
    for (int i = STASH - 1; i >= 0; i--) begin
      if (!stash_valid[i]) begin
        stash_has_free = 1'b1;
        stash_free_idx = 5'(i);
      end
    end
  end

  // The stash entries whose pair holds the freed bucket, the lowest first.
  logic [STASH-1:0] refill_cand;
  logic [4:0] cand_low;
  always_comb begin
    for (int i = 0; i < STASH; i++) begin
      refill_cand[i] = stash_valid[i] && (stash_prim[LB*i+:LB] == found_reg ||
                                          stash_alt[LB*i+:LB] == found_reg);
    end
    cand_low = '0;
    for (int i = STASH - 1; i >= 0; i--) if (cand_reg[i]) cand_low = 5'(i);
  end

  // The fingerprint the command machine needs the other bucket of this cycle
  // (one offset unit, shared by the expansion and the move check).
  logic [FP_W-1:0] off_fp;
  always_comb begin
    if (state_reg == C_EXPAND) off_fp = conn_lookup_pkg::fp_at(cur_fps_reg, exp_slot_reg);
    else off_fp = conn_lookup_pkg::fp_at(mir_a_rdata, mslot_reg);
  end
  wire [LB-1:0] off_val = fp_offset(off_fp);

  // hls found_bucket: the highest slot in the mask holding the key.
  logic found_hit;
  logic [1:0] found_slot;
  always_comb begin
    found_hit = 1'b0;
    found_slot = '0;
    for (int s = 0; s < conn_lookup_pkg::SLOTS; s++) begin
      if (fmask_reg[s] && word_reg[SLOT_W*s+:KEY_W] == cmd_key_reg) begin
        found_hit = 1'b1;
        found_slot = 2'(s);
      end
    end
  end

  // Node fields.
  wire [LB-1:0] nd_bucket = node_rdata[LB-1:0];
  wire [NODE_AW-1:0] nd_parent = node_rdata[LB+:NODE_AW];
  wire [1:0] nd_slot = node_rdata[LB+NODE_AW+:2];
  wire [3:0] nd_depth = node_rdata[LB+NODE_AW+2+:4];
  wire [2:0] nd_need = node_rdata[LB+NODE_AW+6+:3];

  function automatic logic [NODE_W-1:0] make_node(
      input logic [LB-1:0] bucket, input logic [NODE_AW-1:0] parent, input logic [1:0] slot,
      input logic [3:0] depth, input logic [2:0] need);
    make_node = {need, depth, slot, parent, bucket};
  endfunction

  function automatic logic [conn_lookup_pkg::WR_W-1:0] make_write(
      input logic [LB-1:0] bucket, input logic [1:0] slot, input logic [SLOT_W-1:0] entry);
    make_write = {6'd0, slot, (32 - LB)'(0), bucket, entry};
  endfunction

  wire [SLOT_W-1:0] new_entry = {cmd_id_reg, cmd_key_reg};
  wire [3:0] mi_prev = mi_reg - 4'd1;
  wire [LB-1:0] move_from_path = path_bucket[LB*mi_prev+:LB];
  wire [LB-1:0] move_to_path = path_bucket[LB*mi_reg+:LB];
  wire [1:0] move_slot_path = path_slot[2*mi_reg+:2];

  always_comb begin
    state_next = state_reg;
    quantum_next = quantum_reg;
    clr_next = clr_reg;
    cmd_key_next = cmd_key_reg;
    cmd_id_next = cmd_id_reg;
    cmd_tag_next = cmd_tag_reg;
    cmd_insert_next = cmd_insert_reg;
    status_next = status_reg;
    kp_next = kp_reg;
    ka_next = ka_reg;
    kfp_next = kfp_reg;
    fps_p_next = fps_p_reg;
    fps_a_next = fps_a_reg;
    shit_next = shit_reg;
    sidx_next = sidx_reg;
    found_next = found_reg;
    fmask_next = fmask_reg;
    ffps_next = ffps_reg;
    word_next = word_reg;
    nb_next = nb_reg;
    ns_next = ns_reg;
    nfps_next = nfps_reg;
    attempts_next = attempts_reg;
    seed_alt_next = seed_alt_reg;
    ncount_next = ncount_reg;
    head_next = head_reg;
    at_next = at_reg;
    cur_bucket_next = cur_bucket_reg;
    cur_depth_next = cur_depth_reg;
    cur_need_next = cur_need_reg;
    cur_fps_next = cur_fps_reg;
    exp_slot_next = exp_slot_reg;
    path_len_next = path_len_reg;
    walk_idx_next = walk_idx_reg;
    walk_at_next = walk_at_reg;
    mi_next = mi_reg;
    mfrom_next = mfrom_reg;
    mto_next = mto_reg;
    mslot_next = mslot_reg;
    mfslot_next = mfslot_reg;
    mfp_next = mfp_reg;
    mmask_next = mmask_reg;
    from_fps_next = from_fps_reg;
    to_fps_next = to_fps_reg;
    cand_next = cand_reg;
    ridx_next = ridx_reg;
    entries_next = entries_reg;
    rejected_next = rejected_reg;
    searched_next = searched_reg;
    moves_next = moves_reg;
    aborted_next = aborted_reg;
    refills_next = refills_reg;
    scount_next = scount_reg;

    inject = 1'b0;
    cm_a_en = 1'b0;
    cm_a_we = 1'b0;
    cm_a_addr = '0;
    cm_a_wdata = '0;
    cm_b_en = 1'b0;
    cm_b_we = 1'b0;
    cm_b_addr = '0;
    cmd_rd_push = 1'b0;
    cmd_rd_bucket = '0;
    wr_push = 1'b0;
    wr_data = '0;
    sts_push = 1'b0;
    stash_set = 1'b0;
    stash_set_idx = stash_free_idx;
    stash_clr = 1'b0;
    stash_clr_idx = '0;
    path_we = 1'b0;
    path_widx = walk_idx_reg;
    path_wbucket = nd_bucket;
    path_wslot = nd_slot;
    node_we = 1'b0;
    node_waddr = ncount_reg[NODE_AW-1:0];
    node_wdata = '0;
    node_raddr = head_reg[NODE_AW-1:0];

    if (lookup_fire && s_axis_cmd_tvalid && quantum_reg != '0) quantum_next = quantum_reg - 5'd1;

    case (state_reg)
      C_CLEAR: begin
        cm_a_en = 1'b1;
        cm_a_we = 1'b1;
        cm_a_addr = clr_reg;
        cm_b_en = 1'b1;
        cm_b_we = 1'b1;
        cm_b_addr = clr_reg | LB'(1);
        clr_next = clr_reg + LB'(2);
        if (clr_reg == LB'(BUCKETS - 2)) state_next = C_IDLE;
      end

      C_IDLE: begin
        if (cmd_fire) begin
          cmd_key_next = s_axis_cmd_tdata[KEY_W-1:0];
          cmd_id_next = s_axis_cmd_tdata[conn_lookup_pkg::CMD_ID_LSB+:ID_W];
          cmd_tag_next = s_axis_cmd_tdata[conn_lookup_pkg::CMD_TAG_LSB+:32];
          cmd_insert_next =
              s_axis_cmd_tdata[conn_lookup_pkg::CMD_OP_LSB+:8] == conn_lookup_pkg::OP_INSERT;
          attempts_next = '0;
          // Malformed: unknown op or family, insert of kLookupMiss.
          if ((s_axis_cmd_tdata[conn_lookup_pkg::CMD_OP_LSB+:8] != conn_lookup_pkg::OP_INSERT &&
               s_axis_cmd_tdata[conn_lookup_pkg::CMD_OP_LSB+:8] != conn_lookup_pkg::OP_REMOVE) ||
              s_axis_cmd_tdata[conn_lookup_pkg::CMD_FAMILY_LSB+:8] != conn_lookup_pkg::FAMILY_IPV4 ||
              (s_axis_cmd_tdata[conn_lookup_pkg::CMD_OP_LSB+:8] == conn_lookup_pkg::OP_INSERT &&
               s_axis_cmd_tdata[conn_lookup_pkg::CMD_ID_LSB+:ID_W] == MISS)) begin
            status_next = conn_lookup_pkg::STATUS_REJECTED;
            rejected_next = rejected_reg + 32'd1;
            state_next = C_RESPOND;
          end else begin
            state_next = C_INJECT;
          end
        end
      end

      C_INJECT: begin
        if (adv) begin
          inject = 1'b1;
          state_next = C_PROBE;
        end
      end

      C_PROBE: begin
        if (h7_v && h7_probe) begin
          kp_next = h7_primary;
          ka_next = h7_alt;
          kfp_next = h7_fp;
          fps_p_next = mir_a_rdata;
          fps_a_next = mir_b_rdata;
          shit_next = h7_stash_hit;
          sidx_next = h7_stash_idx;
          state_next = C_DECIDE;
        end
      end

      C_DECIDE: begin
        if (shit_reg) begin
          if (cmd_insert_reg) begin
            status_next = conn_lookup_pkg::STATUS_EXISTS;
          end else begin
            stash_clr = 1'b1;
            stash_clr_idx = sidx_reg;
            scount_next = scount_reg - 6'd1;
            status_next = conn_lookup_pkg::STATUS_OK;
          end
          state_next = C_RESPOND;
        end else if (conn_lookup_pkg::match_mask(fps_p_reg, kfp_reg) != '0 ||
                     conn_lookup_pkg::match_mask(fps_a_reg, kfp_reg) != '0) begin
          // hls start_memory: read the bucket the mirror points at.
          if (rd_room) begin
            if (conn_lookup_pkg::match_mask(fps_p_reg, kfp_reg) != '0) begin
              found_next = kp_reg;
              fmask_next = conn_lookup_pkg::match_mask(fps_p_reg, kfp_reg);
              ffps_next = fps_p_reg;
            end else begin
              found_next = ka_reg;
              fmask_next = conn_lookup_pkg::match_mask(fps_a_reg, kfp_reg);
              ffps_next = fps_a_reg;
            end
            cmd_rd_push = 1'b1;
            cmd_rd_bucket = found_next;
            state_next = C_FIND_WAIT;
          end
        end else if (!cmd_insert_reg) begin
          status_next = conn_lookup_pkg::STATUS_NOT_FOUND;
          state_next = C_RESPOND;
        end else if (conn_lookup_pkg::has_free(fps_p_reg) ||
                     conn_lookup_pkg::has_free(fps_a_reg)) begin
          // A free slot in a candidate (I) allows, primary first: one write
          // into an empty slot no lookup in flight is comparing.
          if (wr_room) begin
            if (conn_lookup_pkg::has_free(fps_p_reg)) begin
              wr_data = make_write(kp_reg, conn_lookup_pkg::free_index(fps_p_reg), new_entry);
              cm_a_addr = kp_reg;
              cm_a_wdata = conn_lookup_pkg::with_fp(
                  fps_p_reg, conn_lookup_pkg::free_index(fps_p_reg), kfp_reg);
            end else begin
              wr_data = make_write(ka_reg, conn_lookup_pkg::free_index(fps_a_reg), new_entry);
              cm_a_addr = ka_reg;
              cm_a_wdata = conn_lookup_pkg::with_fp(
                  fps_a_reg, conn_lookup_pkg::free_index(fps_a_reg), kfp_reg);
            end
            wr_push = 1'b1;
            cm_a_en = 1'b1;
            cm_a_we = 1'b1;
            entries_next = entries_reg + 32'd1;
            status_next = conn_lookup_pkg::STATUS_OK;
            state_next = C_RESPOND;
          end
        end else begin
          state_next = C_PLACE;
        end
      end

      C_FIND_WAIT: begin
        if (cmd_data_fire) begin
          word_next = s_axis_table_rd_tdata;
          state_next = C_FOUND;
        end
      end

      C_FOUND: begin
        if (!found_hit) begin
          if (cmd_insert_reg) begin
            state_next = C_PLACE;
          end else begin
            status_next = conn_lookup_pkg::STATUS_NOT_FOUND;
            state_next = C_RESPOND;
          end
        end else if (cmd_insert_reg) begin
          status_next = conn_lookup_pkg::STATUS_EXISTS;
          state_next = C_RESPOND;
        end else if (wr_room) begin
          wr_push = 1'b1;
          wr_data = make_write(found_reg, found_slot, conn_lookup_pkg::EMPTY_SLOT);
          ffps_next = conn_lookup_pkg::with_fp(ffps_reg, found_slot, '0);
          cm_a_en = 1'b1;
          cm_a_we = 1'b1;
          cm_a_addr = found_reg;
          cm_a_wdata = ffps_next;
          entries_next = entries_reg - 32'd1;
          if (scount_reg != '0) begin
            state_next = C_REFILL;
          end else begin
            status_next = conn_lookup_pkg::STATUS_OK;
            state_next = C_RESPOND;
          end
        end
      end

      C_PLACE: begin
        cm_a_en = 1'b1;
        cm_a_addr = kp_reg;
        cm_b_en = 1'b1;
        cm_b_addr = ka_reg;
        state_next = C_PLACE_EVAL;
      end

      C_PLACE_EVAL: begin
        // may_enter(primary) looks at the alternate's word and vice versa.
        if (conn_lookup_pkg::has_free(mir_a_rdata) &&
            conn_lookup_pkg::match_mask(mir_b_rdata, kfp_reg) == '0) begin
          nb_next = kp_reg;
          ns_next = conn_lookup_pkg::free_index(mir_a_rdata);
          nfps_next = conn_lookup_pkg::with_fp(mir_a_rdata, ns_next, kfp_reg);
          state_next = C_WRITE_NEW;
        end else if (conn_lookup_pkg::has_free(mir_b_rdata) &&
                     conn_lookup_pkg::match_mask(mir_a_rdata, kfp_reg) == '0) begin
          nb_next = ka_reg;
          ns_next = conn_lookup_pkg::free_index(mir_b_rdata);
          nfps_next = conn_lookup_pkg::with_fp(mir_b_rdata, ns_next, kfp_reg);
          state_next = C_WRITE_NEW;
        end else begin
          ncount_next = '0;
          head_next = '0;
          if (conn_lookup_pkg::match_mask(mir_b_rdata, kfp_reg) == '0) begin
            node_we = 1'b1;
            node_waddr = '0;
            node_wdata = make_node(kp_reg, '0, '0, '0, 3'd1);
            ncount_next = 10'd1;
          end
          seed_alt_next = conn_lookup_pkg::match_mask(mir_a_rdata, kfp_reg) == '0;
          state_next = C_SEED_ALT;
        end
      end

      C_SEED_ALT: begin
        if (seed_alt_reg) begin
          node_we = 1'b1;
          node_wdata = make_node(ka_reg, '0, '0, '0, 3'd1);
          ncount_next = ncount_reg + 10'd1;
        end
        state_next = ncount_next != '0 ? C_SEARCH : C_STASH;
      end

      C_SEARCH: begin
        if (head_reg == ncount_reg) begin
          state_next = C_STASH;
        end else begin
          at_next = head_reg[NODE_AW-1:0];
          head_next = head_reg + 10'd1;
          searched_next = searched_reg + 32'd1;
          state_next = C_SEARCH_NODE;
        end
      end

      C_SEARCH_NODE: begin
        cur_bucket_next = nd_bucket;
        cur_depth_next = nd_depth;
        cur_need_next = nd_need;
        cm_a_en = 1'b1;
        cm_a_addr = nd_bucket;
        state_next = C_SEARCH_EVAL;
      end

      C_SEARCH_EVAL: begin
        cur_fps_next = mir_a_rdata;
        if (conn_lookup_pkg::free_count(mir_a_rdata) >= cur_need_reg) begin
          // hls begin_path: record root..leaf, then move from the free end.
          path_len_next = cur_depth_reg;
          walk_idx_next = cur_depth_reg;
          walk_at_next = at_reg;
          state_next = C_PATH_RD;
        end else if (cur_need_reg > 3'd1 || cur_depth_reg >= 4'(MAX_PATH)) begin
          state_next = C_SEARCH;
        end else begin
          exp_slot_next = '0;
          state_next = C_EXPAND;
        end
      end

      C_EXPAND: begin
        // Entries sharing a fingerprint move together: the group is entered
        // once, at its lowest slot; the new key's fingerprint must not enter
        // its own other bucket (I); the node budget.
        if ((conn_lookup_pkg::match_mask(cur_fps_reg, off_fp) & ((4'd1 << exp_slot_reg) - 4'd1))
            == '0 &&
            !(off_fp == kfp_reg &&
              ((cur_bucket_reg ^ off_val) == kp_reg || (cur_bucket_reg ^ off_val) == ka_reg)) &&
            ncount_reg < bfs_limit) begin
          node_we = 1'b1;
          node_wdata = make_node(cur_bucket_reg ^ off_val, at_reg, exp_slot_reg,
                                 cur_depth_reg + 4'd1,
                                 conn_lookup_pkg::popcount4(
                                     conn_lookup_pkg::match_mask(cur_fps_reg, off_fp)));
          ncount_next = ncount_reg + 10'd1;
        end
        exp_slot_next = exp_slot_reg + 2'd1;
        if (exp_slot_reg == 2'd3) state_next = C_SEARCH;
      end

      C_PATH_RD: begin
        node_raddr = walk_at_reg;
        state_next = C_PATH_CAP;
      end

      C_PATH_CAP: begin
        path_we = 1'b1;
        walk_at_next = nd_parent;
        if (walk_idx_reg != '0) begin
          walk_idx_next = walk_idx_reg - 4'd1;
          state_next = C_PATH_RD;
        end else begin
          mi_next = path_len_reg;
          if (path_len_reg == '0) begin
            // A root with a free slot would have been taken by place.
            attempts_next = attempts_reg + 2'd1;
            aborted_next = aborted_reg + 32'd1;
            state_next = attempts_next < 2'(MAX_ATTEMPTS) ? C_PLACE : C_STASH;
          end else begin
            state_next = C_MOVE_RD;
          end
        end
      end

      C_MOVE_RD: begin
        mfrom_next = move_from_path;
        mto_next = move_to_path;
        mslot_next = move_slot_path;
        cm_a_en = 1'b1;
        cm_a_addr = move_from_path;
        cm_b_en = 1'b1;
        cm_b_addr = move_to_path;
        state_next = C_MOVE_CHECK;
      end

      C_MOVE_CHECK: begin
        // The search saw the mirror as it was; earlier moves of this path may
        // have changed it.
        if (off_fp == '0 || (mfrom_reg ^ off_val) != mto_reg ||
            conn_lookup_pkg::free_count(mir_b_rdata) <
                conn_lookup_pkg::popcount4(conn_lookup_pkg::match_mask(mir_a_rdata, off_fp)) ||
            conn_lookup_pkg::match_mask(mir_b_rdata, off_fp) != '0 ||
            (off_fp == kfp_reg && (mto_reg == kp_reg || mto_reg == ka_reg))) begin
          attempts_next = attempts_reg + 2'd1;
          aborted_next = aborted_reg + 32'd1;
          state_next = attempts_next < 2'(MAX_ATTEMPTS) ? C_PLACE : C_STASH;
        end else if (rd_room) begin
          mfp_next = off_fp;
          mmask_next = conn_lookup_pkg::match_mask(mir_a_rdata, off_fp);
          from_fps_next = mir_a_rdata;
          to_fps_next = mir_b_rdata;
          cmd_rd_push = 1'b1;
          cmd_rd_bucket = mfrom_reg;
          state_next = C_MOVE_WAIT;
        end
      end

      C_MOVE_WAIT: begin
        if (cmd_data_fire) begin
          word_next = s_axis_table_rd_tdata;
          state_next = C_MOVE_WRITE;
        end
      end

      C_MOVE_WRITE: begin
        // One entry of the group a cycle: copied into a free slot, then cleared.
        if (wr_room) begin
          mfslot_next = conn_lookup_pkg::lowest_bit(mmask_reg);
          ns_next = conn_lookup_pkg::free_index(to_fps_reg);
          wr_push = 1'b1;
          wr_data = make_write(mto_reg, ns_next, word_reg[SLOT_W*mfslot_next+:SLOT_W]);
          to_fps_next = conn_lookup_pkg::with_fp(to_fps_reg, ns_next, mfp_reg);
          cm_a_en = 1'b1;
          cm_a_we = 1'b1;
          cm_a_addr = mto_reg;
          cm_a_wdata = to_fps_next;
          mmask_next = mmask_reg & ~(4'd1 << mfslot_next);
          state_next = C_MOVE_CLEAR;
        end
      end

      C_MOVE_CLEAR: begin
        if (wr_room) begin
          wr_push = 1'b1;
          wr_data = make_write(mfrom_reg, mfslot_reg, conn_lookup_pkg::EMPTY_SLOT);
          from_fps_next = conn_lookup_pkg::with_fp(from_fps_reg, mfslot_reg, '0);
          cm_a_en = 1'b1;
          cm_a_we = 1'b1;
          cm_a_addr = mfrom_reg;
          cm_a_wdata = from_fps_next;
          moves_next = moves_reg + 32'd1;
          if (mmask_reg != '0) begin
            state_next = C_MOVE_WRITE;
          end else begin
            mi_next = mi_reg - 4'd1;
            state_next = mi_next != '0 ? C_MOVE_RD : C_ROOT_RD;
          end
        end
      end

      C_ROOT_RD: begin
        // The root is one of the new key's buckets; the other is root ^ offset.
        cm_a_en = 1'b1;
        cm_a_addr = path_bucket[LB-1:0];
        cm_b_en = 1'b1;
        cm_b_addr = path_bucket[LB-1:0] ^ kp_reg ^ ka_reg;
        state_next = C_ROOT_EVAL;
      end

      C_ROOT_EVAL: begin
        if (!conn_lookup_pkg::has_free(mir_a_rdata) ||
            conn_lookup_pkg::match_mask(mir_b_rdata, kfp_reg) != '0) begin
          attempts_next = attempts_reg + 2'd1;
          aborted_next = aborted_reg + 32'd1;
          state_next = attempts_next < 2'(MAX_ATTEMPTS) ? C_PLACE : C_STASH;
        end else begin
          nb_next = path_bucket[LB-1:0];
          ns_next = conn_lookup_pkg::free_index(mir_a_rdata);
          nfps_next = conn_lookup_pkg::with_fp(mir_a_rdata, ns_next, kfp_reg);
          state_next = C_WRITE_NEW;
        end
      end

      C_WRITE_NEW: begin
        if (wr_room) begin
          wr_push = 1'b1;
          wr_data = make_write(nb_reg, ns_reg, new_entry);
          cm_a_en = 1'b1;
          cm_a_we = 1'b1;
          cm_a_addr = nb_reg;
          cm_a_wdata = nfps_reg;
          entries_next = entries_reg + 32'd1;
          status_next = conn_lookup_pkg::STATUS_OK;
          state_next = C_RESPOND;
        end
      end

      C_STASH: begin
        if (scount_reg >= stash_limit || !stash_has_free) begin
          status_next = conn_lookup_pkg::STATUS_FULL;
        end else begin
          stash_set = 1'b1;
          scount_next = scount_reg + 6'd1;
          status_next = conn_lookup_pkg::STATUS_OK;
        end
        state_next = C_RESPOND;
      end

      C_REFILL: begin
        cand_next = refill_cand;
        if (conn_lookup_pkg::has_free(ffps_reg)) begin
          state_next = C_REFILL_NEXT;
        end else begin
          status_next = conn_lookup_pkg::STATUS_OK;
          state_next = C_RESPOND;
        end
      end

      C_REFILL_NEXT: begin
        if (cand_reg == '0) begin
          status_next = conn_lookup_pkg::STATUS_OK;
          state_next = C_RESPOND;
        end else begin
          ridx_next = cand_low;
          cand_next = cand_reg & ~(STASH'(1) << cand_low);
          cm_a_en = 1'b1;
          cm_a_addr = stash_prim[LB*cand_low+:LB] == found_reg ? stash_alt[LB*cand_low+:LB] :
                                                                 stash_prim[LB*cand_low+:LB];
          state_next = C_REFILL_CHECK;
        end
      end

      C_REFILL_CHECK: begin
        if (conn_lookup_pkg::match_mask(mir_a_rdata, stash_fp[FP_W*ridx_reg+:FP_W]) == '0) begin
          state_next = C_REFILL_WRITE;
        end else begin
          state_next = C_REFILL_NEXT;
        end
      end

      C_REFILL_WRITE: begin
        if (wr_room) begin
          ns_next = conn_lookup_pkg::free_index(ffps_reg);
          wr_push = 1'b1;
          wr_data = make_write(found_reg, ns_next,
                               {stash_id[ID_W*ridx_reg+:ID_W], stash_key[KEY_W*ridx_reg+:KEY_W]});
          ffps_next = conn_lookup_pkg::with_fp(ffps_reg, ns_next, stash_fp[FP_W*ridx_reg+:FP_W]);
          cm_a_en = 1'b1;
          cm_a_we = 1'b1;
          cm_a_addr = found_reg;
          cm_a_wdata = ffps_next;
          stash_clr = 1'b1;
          stash_clr_idx = ridx_reg;
          scount_next = scount_reg - 6'd1;
          entries_next = entries_reg + 32'd1;
          refills_next = refills_reg + 32'd1;
          status_next = conn_lookup_pkg::STATUS_OK;
          state_next = C_RESPOND;
        end
      end

      C_RESPOND: begin
        if (sts_room) begin
          sts_push = 1'b1;
          quantum_next = QUANTUM;
          state_next = C_IDLE;
        end
      end

      default: state_next = C_IDLE;
    endcase
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      state_reg <= C_CLEAR;
      quantum_reg <= QUANTUM;
      clr_reg <= '0;
      entries_reg <= '0;
      rejected_reg <= '0;
      searched_reg <= '0;
      moves_reg <= '0;
      aborted_reg <= '0;
      refills_reg <= '0;
      scount_reg <= '0;
    end else begin
      state_reg <= state_next;
      quantum_reg <= quantum_next;
      clr_reg <= clr_next;
      entries_reg <= entries_next;
      rejected_reg <= rejected_next;
      searched_reg <= searched_next;
      moves_reg <= moves_next;
      aborted_reg <= aborted_next;
      refills_reg <= refills_next;
      scount_reg <= scount_next;
    end
    cmd_key_reg <= cmd_key_next;
    cmd_id_reg <= cmd_id_next;
    cmd_tag_reg <= cmd_tag_next;
    cmd_insert_reg <= cmd_insert_next;
    status_reg <= status_next;
    kp_reg <= kp_next;
    ka_reg <= ka_next;
    kfp_reg <= kfp_next;
    fps_p_reg <= fps_p_next;
    fps_a_reg <= fps_a_next;
    shit_reg <= shit_next;
    sidx_reg <= sidx_next;
    found_reg <= found_next;
    fmask_reg <= fmask_next;
    ffps_reg <= ffps_next;
    word_reg <= word_next;
    nb_reg <= nb_next;
    ns_reg <= ns_next;
    nfps_reg <= nfps_next;
    attempts_reg <= attempts_next;
    seed_alt_reg <= seed_alt_next;
    ncount_reg <= ncount_next;
    head_reg <= head_next;
    at_reg <= at_next;
    cur_bucket_reg <= cur_bucket_next;
    cur_depth_reg <= cur_depth_next;
    cur_need_reg <= cur_need_next;
    cur_fps_reg <= cur_fps_next;
    exp_slot_reg <= exp_slot_next;
    path_len_reg <= path_len_next;
    walk_idx_reg <= walk_idx_next;
    walk_at_reg <= walk_at_next;
    mi_reg <= mi_next;
    mfrom_reg <= mfrom_next;
    mto_reg <= mto_next;
    mslot_reg <= mslot_next;
    mfslot_reg <= mfslot_next;
    mfp_reg <= mfp_next;
    mmask_reg <= mmask_next;
    from_fps_reg <= from_fps_next;
    to_fps_reg <= to_fps_next;
    cand_reg <= cand_next;
    ridx_reg <= ridx_next;
  end

  // Stash and path registers.
  always_ff @(posedge clk) begin
    if (stash_set) begin
      stash_key[KEY_W*stash_set_idx+:KEY_W] <= cmd_key_reg;
      stash_id[ID_W*stash_set_idx+:ID_W] <= cmd_id_reg;
      stash_prim[LB*stash_set_idx+:LB] <= kp_reg;
      stash_alt[LB*stash_set_idx+:LB] <= ka_reg;
      stash_fp[FP_W*stash_set_idx+:FP_W] <= kfp_reg;
    end
    if (rst) begin
      stash_valid <= '0;
    end else begin
      if (stash_set) stash_valid[stash_set_idx] <= 1'b1;
      if (stash_clr) stash_valid[stash_clr_idx] <= 1'b0;
    end
    if (path_we) begin
      path_bucket[LB*path_widx+:LB] <= path_wbucket;
      path_slot[2*path_widx+:2] <= path_wslot;
    end
  end

  // BFS nodes: a simple dual-port RAM with a registered read.
  logic [NODE_W-1:0] nodes[BFS_MAX];
  always_ff @(posedge clk) begin
    if (node_we) nodes[node_waddr] <= node_wdata;
    node_rdata <= nodes[node_raddr];
  end

  // ---------------------------------------------------------------------------
  // Streams to the table memory and the status stream.
  wire [LB-1:0] rd_bucket = pipe_rd_push ? h7_bucket : cmd_rd_bucket;

  stream_fifo #(
      .WIDTH(conn_lookup_pkg::RD_REQ_W),
      .DEPTH(PORT_FIFO)
  ) u_rd (
      .clk(clk),
      .rst(rst),
      .s_data({{(32 - LB) {1'b0}}, rd_bucket}),
      .s_valid(pipe_rd_push || cmd_rd_push),
      .m_data(m_axis_table_rd_tdata),
      .m_valid(m_axis_table_rd_tvalid),
      .m_ready(m_axis_table_rd_tready),
      .count(rd_count)
  );

  stream_fifo #(
      .WIDTH(conn_lookup_pkg::WR_W),
      .DEPTH(PORT_FIFO)
  ) u_wr (
      .clk(clk),
      .rst(rst),
      .s_data(wr_data),
      .s_valid(wr_push),
      .m_data(m_axis_table_wr_tdata),
      .m_valid(m_axis_table_wr_tvalid),
      .m_ready(m_axis_table_wr_tready),
      .count(wr_count)
  );

  stream_fifo #(
      .WIDTH(conn_lookup_pkg::STATUS_W),
      .DEPTH(STATUS_FIFO)
  ) u_status (
      .clk(clk),
      .rst(rst),
      .s_data({status_reg, cmd_tag_reg}),
      .s_valid(sts_push),
      .m_data(m_axis_cmd_status_tdata),
      .m_valid(m_axis_cmd_status_tvalid),
      .m_ready(m_axis_cmd_status_tready),
      .count(sts_count)
  );

`ifndef SYNTHESIS
  always_ff @(posedge clk) begin
    if (!rst && pipe_rd_push && cmd_rd_push)
      $fatal(1, "conn_lookup: lookup and command read in one cycle");
  end
`endif

  assign idle = state_reg == C_IDLE &&
      !(s0_v || h1_v || h2_v || h3_v || h4_v || h5_v || h6_v || h7_v) && win_count == '0 &&
      res_count == '0 && sts_count == '0 && rd_count == '0 && wr_count == '0;
  assign table_entries = entries_reg;
  assign stash_entries = scount_reg;
  assign rejected_commands = rejected_reg;

endmodule

`resetall
