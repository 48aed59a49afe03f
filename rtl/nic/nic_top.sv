// SPDX-License-Identifier: Apache-2.0
// nic_top: the NIC datapath, the engines wired as the Alveo build wires the
// HLS kernels (hls/nic/nic_model.hpp), at 512 bits a beat, one clock.
//
//   RX  s_axis_rx ─► rx_parser ─┬─ beats ───────────────► checksum_rx ─┬─ beats ───► frame FIFO ──┐
//                               └─ RxParsed ─► FIFO (16) ─►┘             └─ RxParsed ─► meta FIFO ─┐ │
//                                  TCP, parse ok: lookup ─► conn_lookup ─────────────────────► join ─► m_axis_c2h[q]
//                                                                                                  └─► m_axis_c2h_meta[q]
//   TX  s_axis_h2c[q] + h2c_cmd[q] ─► job arbiter ─► checksum_tx ──┐
//       s_axis_tso_{cmd,header,payload}[q] ─► job arbiter ─► tcp_segment ─┴► frame arbiter ─► m_axis_tx
//                                    tcp_segment status ─► queue FIFO ─► m_axis_tso_status[q]
//   flow s_axis_flow_cmd ─► conn_lookup ─► m_axis_flow_status
//        conn_lookup ◄─► table_mem_model (TABLE_LATENCY cycles; HBM/DDR on the card)
//
// Host queues are modelled as a QDMA-style card exposes streaming queues: one
// set of H2C and C2H streams per host core (NUM_QUEUES, a power of two), the
// per-queue streams flattened into vectors, queue q at slice q. RX steering
// until RSS arrives: a frame whose lookup hits goes to queue
// conn_id % NUM_QUEUES, every other frame (misses, non-TCP, parse errors) to
// queue 0; the RxMeta word says which.
//
// Side words (rtl/README.md has the tables):
//   s_axis_h2c_cmd_tdata[8q +: 8]        contract tx_flag bits of the next frame
//   s_axis_tso_cmd_tdata[64q +: 64]      TsoCmdWord: [15:0] header_length,
//                                        [31:16] mss, [63:32] payload_length
//   m_axis_tso_status_tdata[8q +: 8]     contract::TxStatus of each job, in order
//   m_axis_c2h_meta_tdata[160q +: 160]   contract rx_meta_bits word
//   s_axis_flow_cmd_tdata, m_axis_flow_status_tdata: conn_lookup's command and
//                                        completion words (rtl/README.md)
//
// The RX join parks frames while their lookup is in flight: FRAME_FIFO_DEPTH
// beats (a 9018-byte frame, 141 beats, plus a beat per cycle of lookup
// latency) and META_FIFO_DEPTH frames (one-beat frames arriving during the
// lookup latency). The defaults follow MAX_TABLE_LATENCY; see nic_rx_steer.
//
// `idle` is high when nothing is in flight anywhere: no frame between the wire
// and a host queue or between a host queue and the wire, no job or flow
// command unanswered. The sim backend stops clocking on it.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nic_top #(
    parameter int DATA_W = 512,
    parameter int KEEP_W = DATA_W / 8,
    parameter int NUM_QUEUES = 2,
    // Flow-table memory read latency in cycles (table_mem_model).
    parameter int TABLE_LATENCY = 50,
    // The longest latency cfg_table_latency will set: the RX join's FIFOs are
    // sized for it (the sim backend's model sweeps 1 .. 200).
    parameter int MAX_TABLE_LATENCY = TABLE_LATENCY,
    // Largest frame the RX path accepts (rx_parser: larger frames are flagged).
    parameter int MAX_FRAME_LENGTH = 9018,
    // log2 of the flow table's buckets (4 slots each): capacity 4 << TABLE_ADDR_W.
    parameter int TABLE_ADDR_W = 14,
    parameter int FRAME_FIFO_DEPTH =
        nic_pkg::pow2_at_least(MAX_FRAME_LENGTH / 64 + 1 + MAX_TABLE_LATENCY + 64),
    parameter int META_FIFO_DEPTH = nic_pkg::pow2_at_least(MAX_TABLE_LATENCY + 64)
) (
    input wire clk,
    input wire rst,

    // Wire RX (from the MAC)
    input  wire  [DATA_W-1:0] s_axis_rx_tdata,
    input  wire  [KEEP_W-1:0] s_axis_rx_tkeep,
    input  wire               s_axis_rx_tlast,
    input  wire               s_axis_rx_tvalid,
    output logic              s_axis_rx_tready,

    // Wire TX (to the MAC)
    output logic [DATA_W-1:0] m_axis_tx_tdata,
    output logic [KEEP_W-1:0] m_axis_tx_tkeep,
    output logic              m_axis_tx_tlast,
    output logic              m_axis_tx_tvalid,
    input  wire               m_axis_tx_tready,

    // H2C plain frames, per queue
    input  wire  [NUM_QUEUES*DATA_W-1:0] s_axis_h2c_tdata,
    input  wire  [NUM_QUEUES*KEEP_W-1:0] s_axis_h2c_tkeep,
    input  wire  [        NUM_QUEUES-1:0] s_axis_h2c_tlast,
    input  wire  [        NUM_QUEUES-1:0] s_axis_h2c_tvalid,
    output logic [        NUM_QUEUES-1:0] s_axis_h2c_tready,
    input  wire  [      NUM_QUEUES*8-1:0] s_axis_h2c_cmd_tdata,
    input  wire  [        NUM_QUEUES-1:0] s_axis_h2c_cmd_tvalid,
    output logic [        NUM_QUEUES-1:0] s_axis_h2c_cmd_tready,

    // H2C TSO jobs, per queue
    input  wire  [     NUM_QUEUES*64-1:0] s_axis_tso_cmd_tdata,
    input  wire  [        NUM_QUEUES-1:0] s_axis_tso_cmd_tvalid,
    output logic [        NUM_QUEUES-1:0] s_axis_tso_cmd_tready,
    input  wire  [NUM_QUEUES*DATA_W-1:0] s_axis_tso_header_tdata,
    input  wire  [NUM_QUEUES*KEEP_W-1:0] s_axis_tso_header_tkeep,
    input  wire  [        NUM_QUEUES-1:0] s_axis_tso_header_tlast,
    input  wire  [        NUM_QUEUES-1:0] s_axis_tso_header_tvalid,
    output logic [        NUM_QUEUES-1:0] s_axis_tso_header_tready,
    input  wire  [NUM_QUEUES*DATA_W-1:0] s_axis_tso_payload_tdata,
    input  wire  [NUM_QUEUES*KEEP_W-1:0] s_axis_tso_payload_tkeep,
    input  wire  [        NUM_QUEUES-1:0] s_axis_tso_payload_tlast,
    input  wire  [        NUM_QUEUES-1:0] s_axis_tso_payload_tvalid,
    output logic [        NUM_QUEUES-1:0] s_axis_tso_payload_tready,
    output logic [      NUM_QUEUES*8-1:0] m_axis_tso_status_tdata,
    output logic [        NUM_QUEUES-1:0] m_axis_tso_status_tvalid,
    input  wire  [        NUM_QUEUES-1:0] m_axis_tso_status_tready,

    // C2H RX completions, per queue
    output logic [NUM_QUEUES*DATA_W-1:0] m_axis_c2h_tdata,
    output logic [NUM_QUEUES*KEEP_W-1:0] m_axis_c2h_tkeep,
    output logic [        NUM_QUEUES-1:0] m_axis_c2h_tlast,
    output logic [        NUM_QUEUES-1:0] m_axis_c2h_tvalid,
    input  wire  [        NUM_QUEUES-1:0] m_axis_c2h_tready,
    output logic [NUM_QUEUES*tandem_pkg::RX_META_W-1:0] m_axis_c2h_meta_tdata,
    output logic [                        NUM_QUEUES-1:0] m_axis_c2h_meta_tvalid,
    input  wire  [                        NUM_QUEUES-1:0] m_axis_c2h_meta_tready,

    // Flow-table commands and their completions
    input  wire  [conn_lookup_pkg::CMD_W-1:0] s_axis_flow_cmd_tdata,
    input  wire                   s_axis_flow_cmd_tvalid,
    output logic                  s_axis_flow_cmd_tready,
    output logic [conn_lookup_pkg::STATUS_W-1:0] m_axis_flow_status_tdata,
    output logic                  m_axis_flow_status_tvalid,
    input  wire                   m_axis_flow_status_tready,

    // Flow-table memory latency in cycles, 0 for TABLE_LATENCY; change it only
    // while idle (simulation: table_mem_model).
    input wire [15:0] cfg_table_latency,

    output logic idle,
    // Frames checksum_tx could not fill as asked (sent unchanged), and TSO
    // payload streams whose tlast disagreed with the job: both host bugs.
    output logic [31:0] tx_unparsed_frames,
    output logic [31:0] tso_framing_errors,
    // Frames from the wire whose RxMeta says parse status other than ok, and
    // whose IPv4 header or TCP/UDP/ICMP checksum is bad (hls/nic's
    // rx_parse_errors and rx_checksum_bad): delivered flagged, counted here.
    output logic [31:0] rx_parse_errors,
    output logic [31:0] rx_checksum_bad
);

  localparam int PARSED_W = tandem_pkg::RX_PARSED_W;
  localparam int QID_W = $clog2(NUM_QUEUES > 1 ? NUM_QUEUES : 2);
  // Jobs whose status is still to come back from tcp_segment (its job FIFO
  // plus the stages around it hold far fewer).
  localparam int TSO_QID_DEPTH = 16;
  // RxParsed words between rx_parser and checksum_rx (see u_rx_parsed_fifo).
  localparam int RX_PARSED_FIFO_DEPTH = 16;

  if (DATA_W != 512) begin : g_bad_data_w
    $fatal(1, "nic_top: DATA_W must be 512 (the engines' header windows are 64-byte beats)");
  end
  if (KEEP_W != DATA_W / 8) begin : g_bad_keep_w
    $fatal(1, "nic_top: KEEP_W must be DATA_W / 8");
  end
  if (NUM_QUEUES < 1 || NUM_QUEUES > 4096 || (NUM_QUEUES & (NUM_QUEUES - 1)) != 0) begin : g_bad_q
    $fatal(1, "nic_top: NUM_QUEUES must be a power of two in 1 .. 4096");
  end
  if (TABLE_LATENCY < 1 || MAX_TABLE_LATENCY < TABLE_LATENCY) begin : g_bad_latency
    $fatal(1, "nic_top: TABLE_LATENCY must be at least 1 cycle, MAX_TABLE_LATENCY at least that");
  end
  if (FRAME_FIFO_DEPTH < MAX_FRAME_LENGTH / 64 + 2) begin : g_bad_frame_fifo
    $fatal(1, "nic_top: FRAME_FIFO_DEPTH must hold the largest frame");
  end

  // ---------------------------------------------------------------------------
  // RX: wire -> rx_parser -> checksum_rx -> join with conn_lookup -> host queue

  logic [DATA_W-1:0] parser2csum_tdata;
  logic [KEEP_W-1:0] parser2csum_tkeep;
  logic parser2csum_tlast, parser2csum_tvalid, parser2csum_tready;
  logic [PARSED_W-1:0] parser2csum_parsed_tdata;
  logic parser2csum_parsed_tvalid, parser2csum_parsed_tready;

  rx_parser #(
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W),
      .PARSED_W(PARSED_W),
      .MAX_FRAME_LENGTH(MAX_FRAME_LENGTH)
  ) u_rx_parser (
      .clk(clk),
      .rst(rst),
      .s_axis_rx_tdata(s_axis_rx_tdata),
      .s_axis_rx_tkeep(s_axis_rx_tkeep),
      .s_axis_rx_tlast(s_axis_rx_tlast),
      .s_axis_rx_tvalid(s_axis_rx_tvalid),
      .s_axis_rx_tready(s_axis_rx_tready),
      .m_axis_rx_tdata(parser2csum_tdata),
      .m_axis_rx_tkeep(parser2csum_tkeep),
      .m_axis_rx_tlast(parser2csum_tlast),
      .m_axis_rx_tvalid(parser2csum_tvalid),
      .m_axis_rx_tready(parser2csum_tready),
      .m_axis_parsed_tdata(parser2csum_parsed_tdata),
      .m_axis_parsed_tvalid(parser2csum_parsed_tvalid),
      .m_axis_parsed_tready(parser2csum_parsed_tready)
  );

  // rx_parser's RxParsed leaves 3 cycles after a frame's last beat, and
  // checksum_rx takes it only once the frame's sums are through its own
  // pipeline (about 11 cycles): rx_parser's own 4-word FIFO would stop the
  // wire after four one-beat frames. This FIFO holds the RxParsed words of
  // the frames in between, so one-beat frames flow one per cycle.
  logic [PARSED_W-1:0] parsed2csum_tdata;
  logic parsed2csum_tvalid, parsed2csum_tready;

  nic_fifo #(
      .WIDTH(PARSED_W),
      .DEPTH(RX_PARSED_FIFO_DEPTH)
  ) u_rx_parsed_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(parser2csum_parsed_tdata),
      .s_valid(parser2csum_parsed_tvalid),
      .s_ready(parser2csum_parsed_tready),
      .m_data(parsed2csum_tdata),
      .m_valid(parsed2csum_tvalid),
      .m_ready(parsed2csum_tready)
  );

  logic [DATA_W-1:0] csum2steer_tdata;
  logic [KEEP_W-1:0] csum2steer_tkeep;
  logic csum2steer_tlast, csum2steer_tvalid, csum2steer_tready;
  logic [PARSED_W-1:0] csum2steer_parsed_tdata;
  logic csum2steer_parsed_tvalid, csum2steer_parsed_tready;

  checksum_rx #(
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W),
      .PARSED_W(PARSED_W)
  ) u_checksum_rx (
      .clk(clk),
      .rst(rst),
      .s_axis_rx_tdata(parser2csum_tdata),
      .s_axis_rx_tkeep(parser2csum_tkeep),
      .s_axis_rx_tlast(parser2csum_tlast),
      .s_axis_rx_tvalid(parser2csum_tvalid),
      .s_axis_rx_tready(parser2csum_tready),
      .s_axis_parsed_tdata(parsed2csum_tdata),
      .s_axis_parsed_tvalid(parsed2csum_tvalid),
      .s_axis_parsed_tready(parsed2csum_tready),
      .m_axis_rx_tdata(csum2steer_tdata),
      .m_axis_rx_tkeep(csum2steer_tkeep),
      .m_axis_rx_tlast(csum2steer_tlast),
      .m_axis_rx_tvalid(csum2steer_tvalid),
      .m_axis_rx_tready(csum2steer_tready),
      .m_axis_parsed_tdata(csum2steer_parsed_tdata),
      .m_axis_parsed_tvalid(csum2steer_parsed_tvalid),
      .m_axis_parsed_tready(csum2steer_parsed_tready)
  );

  logic [95:0] steer2lookup_key;
  logic [15:0] steer2lookup_tag;
  logic steer2lookup_tvalid, steer2lookup_tready;
  logic [15:0] lookup2steer_tag;
  logic [31:0] lookup2steer_conn_id;
  logic lookup2steer_tvalid, lookup2steer_tready;

  nic_rx_steer #(
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W),
      .PARSED_W(PARSED_W),
      .NUM_QUEUES(NUM_QUEUES),
      .MAX_FRAME_LENGTH(MAX_FRAME_LENGTH),
      .FRAME_FIFO_DEPTH(FRAME_FIFO_DEPTH),
      .META_FIFO_DEPTH(META_FIFO_DEPTH)
  ) u_rx_steer (
      .clk(clk),
      .rst(rst),
      .s_axis_rx_tdata(csum2steer_tdata),
      .s_axis_rx_tkeep(csum2steer_tkeep),
      .s_axis_rx_tlast(csum2steer_tlast),
      .s_axis_rx_tvalid(csum2steer_tvalid),
      .s_axis_rx_tready(csum2steer_tready),
      .s_axis_parsed_tdata(csum2steer_parsed_tdata),
      .s_axis_parsed_tvalid(csum2steer_parsed_tvalid),
      .s_axis_parsed_tready(csum2steer_parsed_tready),
      .m_axis_lookup_key(steer2lookup_key),
      .m_axis_lookup_tag(steer2lookup_tag),
      .m_axis_lookup_tvalid(steer2lookup_tvalid),
      .m_axis_lookup_tready(steer2lookup_tready),
      .s_axis_result_tag(lookup2steer_tag),
      .s_axis_result_conn_id(lookup2steer_conn_id),
      .s_axis_result_tvalid(lookup2steer_tvalid),
      .s_axis_result_tready(lookup2steer_tready),
      .m_axis_c2h_tdata(m_axis_c2h_tdata),
      .m_axis_c2h_tkeep(m_axis_c2h_tkeep),
      .m_axis_c2h_tlast(m_axis_c2h_tlast),
      .m_axis_c2h_tvalid(m_axis_c2h_tvalid),
      .m_axis_c2h_tready(m_axis_c2h_tready),
      .m_axis_c2h_meta_tdata(m_axis_c2h_meta_tdata),
      .m_axis_c2h_meta_tvalid(m_axis_c2h_meta_tvalid),
      .m_axis_c2h_meta_tready(m_axis_c2h_meta_tready)
  );

  // Flow table: conn_lookup and the memory behind it. The lookup request is
  // {tag, key} and the result {conn_id, tag}, first field at bit 0
  // (conn_lookup_pkg); nic_rx_steer makes and takes them.
  logic [conn_lookup_pkg::RESULT_W-1:0] lookup2steer_tdata;
  assign lookup2steer_tag = lookup2steer_tdata[conn_lookup_pkg::TAG_W-1:0];
  assign lookup2steer_conn_id =
      lookup2steer_tdata[conn_lookup_pkg::RESULT_ID_LSB+:conn_lookup_pkg::ID_W];

  logic [conn_lookup_pkg::RD_REQ_W-1:0] table_rd_req;
  logic table_rd_req_tvalid, table_rd_req_tready;
  logic [conn_lookup_pkg::BUCKET_W-1:0] table_rd_data;
  logic table_rd_data_tvalid, table_rd_data_tready;
  logic [conn_lookup_pkg::WR_W-1:0] table_wr;
  logic table_wr_tvalid, table_wr_tready;
  /* verilator lint_off UNUSEDSIGNAL */
  // Counters and backdoors for the engine's own tests.
  logic lookup_idle, table_idle;
  logic [31:0] lookup_table_entries, lookup_rejected;
  logic [5:0] lookup_stash_entries;
  logic [63:0] table_reads, table_writes;
  logic [conn_lookup_pkg::BUCKET_W-1:0] table_dbg_word;
  /* verilator lint_on UNUSEDSIGNAL */

  conn_lookup #(
      .LOG2_BUCKETS(TABLE_ADDR_W)
  ) u_conn_lookup (
      .clk(clk),
      .rst(rst),
      .s_axis_lookup_tdata({steer2lookup_tag, steer2lookup_key}),
      .s_axis_lookup_tvalid(steer2lookup_tvalid),
      .s_axis_lookup_tready(steer2lookup_tready),
      .m_axis_result_tdata(lookup2steer_tdata),
      .m_axis_result_tvalid(lookup2steer_tvalid),
      .m_axis_result_tready(lookup2steer_tready),
      .s_axis_cmd_tdata(s_axis_flow_cmd_tdata),
      .s_axis_cmd_tvalid(s_axis_flow_cmd_tvalid),
      .s_axis_cmd_tready(s_axis_flow_cmd_tready),
      .m_axis_cmd_status_tdata(m_axis_flow_status_tdata),
      .m_axis_cmd_status_tvalid(m_axis_flow_status_tvalid),
      .m_axis_cmd_status_tready(m_axis_flow_status_tready),
      .m_axis_table_rd_tdata(table_rd_req),
      .m_axis_table_rd_tvalid(table_rd_req_tvalid),
      .m_axis_table_rd_tready(table_rd_req_tready),
      .s_axis_table_rd_tdata(table_rd_data),
      .s_axis_table_rd_tvalid(table_rd_data_tvalid),
      .s_axis_table_rd_tready(table_rd_data_tready),
      .m_axis_table_wr_tdata(table_wr),
      .m_axis_table_wr_tvalid(table_wr_tvalid),
      .m_axis_table_wr_tready(table_wr_tready),
      .cfg_stash_entries(6'd32),
      .cfg_bfs_nodes(10'd512),
      .idle(lookup_idle),
      .table_entries(lookup_table_entries),
      .stash_entries(lookup_stash_entries),
      .rejected_commands(lookup_rejected)
  );

  table_mem_model #(
      .LOG2_BUCKETS(TABLE_ADDR_W),
      .LATENCY(TABLE_LATENCY)
  ) u_table (
      .clk(clk),
      .rst(rst),
      .cfg_latency(cfg_table_latency),
      .s_axis_rd_tdata(table_rd_req),
      .s_axis_rd_tvalid(table_rd_req_tvalid),
      .s_axis_rd_tready(table_rd_req_tready),
      .m_axis_rd_tdata(table_rd_data),
      .m_axis_rd_tvalid(table_rd_data_tvalid),
      .m_axis_rd_tready(table_rd_data_tready),
      .s_axis_wr_tdata(table_wr),
      .s_axis_wr_tvalid(table_wr_tvalid),
      .s_axis_wr_tready(table_wr_tready),
      .idle(table_idle),
      .reads(table_reads),
      .writes(table_writes),
      .dbg_bucket('0),
      .dbg_word(table_dbg_word)
  );

  // ---------------------------------------------------------------------------
  // TX plain frames: per-queue H2C -> job arbiter -> checksum_tx

  logic frame_arb_idle, tso_arb_idle;
  logic [7:0] arb2csum_cmd_tdata;
  logic arb2csum_cmd_tvalid, arb2csum_cmd_tready;
  logic [DATA_W-1:0] arb2csum_tdata;
  logic [KEEP_W-1:0] arb2csum_tkeep;
  logic arb2csum_tlast, arb2csum_tvalid, arb2csum_tready;
  // A plain frame has no second stream and no answer to route back.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [QID_W-1:0] frame_arb_qid;
  logic [DATA_W-1:0] frame_arb_b_tdata;
  logic [KEEP_W-1:0] frame_arb_b_tkeep;
  logic frame_arb_b_tlast, frame_arb_b_tvalid;
  logic [NUM_QUEUES-1:0] frame_arb_b_tready;
  /* verilator lint_on UNUSEDSIGNAL */

  nic_job_arb #(
      .N(NUM_QUEUES),
      .CMD_W(8),
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W),
      .HAS_B(1'b0)
  ) u_frame_job_arb (
      .clk(clk),
      .rst(rst),
      .s_axis_cmd_tdata(s_axis_h2c_cmd_tdata),
      .s_axis_cmd_tvalid(s_axis_h2c_cmd_tvalid),
      .s_axis_cmd_tready(s_axis_h2c_cmd_tready),
      .s_axis_a_tdata(s_axis_h2c_tdata),
      .s_axis_a_tkeep(s_axis_h2c_tkeep),
      .s_axis_a_tlast(s_axis_h2c_tlast),
      .s_axis_a_tvalid(s_axis_h2c_tvalid),
      .s_axis_a_tready(s_axis_h2c_tready),
      .s_axis_b_tdata('0),
      .s_axis_b_tkeep('0),
      .s_axis_b_tlast('0),
      .s_axis_b_tvalid('0),
      .s_axis_b_tready(frame_arb_b_tready),
      .m_axis_cmd_tdata(arb2csum_cmd_tdata),
      .m_axis_cmd_qid(frame_arb_qid),
      .m_axis_cmd_tvalid(arb2csum_cmd_tvalid),
      .m_axis_cmd_tready(arb2csum_cmd_tready),
      .m_axis_a_tdata(arb2csum_tdata),
      .m_axis_a_tkeep(arb2csum_tkeep),
      .m_axis_a_tlast(arb2csum_tlast),
      .m_axis_a_tvalid(arb2csum_tvalid),
      .m_axis_a_tready(arb2csum_tready),
      .m_axis_b_tdata(frame_arb_b_tdata),
      .m_axis_b_tkeep(frame_arb_b_tkeep),
      .m_axis_b_tlast(frame_arb_b_tlast),
      .m_axis_b_tvalid(frame_arb_b_tvalid),
      .m_axis_b_tready(1'b0),
      .idle(frame_arb_idle)
  );

  logic [DATA_W-1:0] csum2arb_tdata;
  logic [KEEP_W-1:0] csum2arb_tkeep;
  logic csum2arb_tlast, csum2arb_tvalid, csum2arb_tready;

  checksum_tx #(
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W)
  ) u_checksum_tx (
      .clk(clk),
      .rst(rst),
      .s_axis_tx_tdata(arb2csum_tdata),
      .s_axis_tx_tkeep(arb2csum_tkeep),
      .s_axis_tx_tlast(arb2csum_tlast),
      .s_axis_tx_tvalid(arb2csum_tvalid),
      .s_axis_tx_tready(arb2csum_tready),
      .s_axis_tx_cmd_tdata(arb2csum_cmd_tdata),
      .s_axis_tx_cmd_tvalid(arb2csum_cmd_tvalid),
      .s_axis_tx_cmd_tready(arb2csum_cmd_tready),
      .m_axis_tx_tdata(csum2arb_tdata),
      .m_axis_tx_tkeep(csum2arb_tkeep),
      .m_axis_tx_tlast(csum2arb_tlast),
      .m_axis_tx_tvalid(csum2arb_tvalid),
      .m_axis_tx_tready(csum2arb_tready),
      .unparsed_frames(tx_unparsed_frames)
  );

  // ---------------------------------------------------------------------------
  // TX TSO jobs: per-queue H2C -> job arbiter -> tcp_segment; statuses back to
  // the queue that posted the job, through a FIFO of queue numbers in job order

  logic [63:0] arb2tso_cmd_tdata;
  logic [QID_W-1:0] arb2tso_cmd_qid;
  logic arb2tso_cmd_tvalid, arb2tso_cmd_tready;
  logic [DATA_W-1:0] arb2tso_header_tdata, arb2tso_payload_tdata;
  logic [KEEP_W-1:0] arb2tso_header_tkeep, arb2tso_payload_tkeep;
  logic arb2tso_header_tlast, arb2tso_header_tvalid, arb2tso_header_tready;
  logic arb2tso_payload_tlast, arb2tso_payload_tvalid, arb2tso_payload_tready;
  logic tso_cmd_tready, qid_in_ready;

  nic_job_arb #(
      .N(NUM_QUEUES),
      .CMD_W(64),
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W),
      .HAS_B(1'b1),
      .B_LEN_LSB(32),
      .B_LEN_W(32)
  ) u_tso_job_arb (
      .clk(clk),
      .rst(rst),
      .s_axis_cmd_tdata(s_axis_tso_cmd_tdata),
      .s_axis_cmd_tvalid(s_axis_tso_cmd_tvalid),
      .s_axis_cmd_tready(s_axis_tso_cmd_tready),
      .s_axis_a_tdata(s_axis_tso_header_tdata),
      .s_axis_a_tkeep(s_axis_tso_header_tkeep),
      .s_axis_a_tlast(s_axis_tso_header_tlast),
      .s_axis_a_tvalid(s_axis_tso_header_tvalid),
      .s_axis_a_tready(s_axis_tso_header_tready),
      .s_axis_b_tdata(s_axis_tso_payload_tdata),
      .s_axis_b_tkeep(s_axis_tso_payload_tkeep),
      .s_axis_b_tlast(s_axis_tso_payload_tlast),
      .s_axis_b_tvalid(s_axis_tso_payload_tvalid),
      .s_axis_b_tready(s_axis_tso_payload_tready),
      .m_axis_cmd_tdata(arb2tso_cmd_tdata),
      .m_axis_cmd_qid(arb2tso_cmd_qid),
      .m_axis_cmd_tvalid(arb2tso_cmd_tvalid),
      .m_axis_cmd_tready(arb2tso_cmd_tready),
      .m_axis_a_tdata(arb2tso_header_tdata),
      .m_axis_a_tkeep(arb2tso_header_tkeep),
      .m_axis_a_tlast(arb2tso_header_tlast),
      .m_axis_a_tvalid(arb2tso_header_tvalid),
      .m_axis_a_tready(arb2tso_header_tready),
      .m_axis_b_tdata(arb2tso_payload_tdata),
      .m_axis_b_tkeep(arb2tso_payload_tkeep),
      .m_axis_b_tlast(arb2tso_payload_tlast),
      .m_axis_b_tvalid(arb2tso_payload_tvalid),
      .m_axis_b_tready(arb2tso_payload_tready),
      .idle(tso_arb_idle)
  );

  // A job enters tcp_segment only with room to remember its queue.
  assign arb2tso_cmd_tready = tso_cmd_tready && qid_in_ready;

  logic [DATA_W-1:0] tso2arb_tdata;
  logic [KEEP_W-1:0] tso2arb_tkeep;
  logic tso2arb_tlast, tso2arb_tvalid, tso2arb_tready;
  logic [7:0] tso_status_tdata;
  logic tso_status_tvalid, tso_status_tready;
  logic tso_idle;

  tcp_segment #(
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W)
  ) u_tcp_segment (
      .clk(clk),
      .rst(rst),
      .s_axis_cmd_tdata(arb2tso_cmd_tdata),
      .s_axis_cmd_tvalid(arb2tso_cmd_tvalid && qid_in_ready),
      .s_axis_cmd_tready(tso_cmd_tready),
      .s_axis_header_tdata(arb2tso_header_tdata),
      .s_axis_header_tkeep(arb2tso_header_tkeep),
      .s_axis_header_tlast(arb2tso_header_tlast),
      .s_axis_header_tvalid(arb2tso_header_tvalid),
      .s_axis_header_tready(arb2tso_header_tready),
      .s_axis_payload_tdata(arb2tso_payload_tdata),
      .s_axis_payload_tkeep(arb2tso_payload_tkeep),
      .s_axis_payload_tlast(arb2tso_payload_tlast),
      .s_axis_payload_tvalid(arb2tso_payload_tvalid),
      .s_axis_payload_tready(arb2tso_payload_tready),
      .m_axis_tx_tdata(tso2arb_tdata),
      .m_axis_tx_tkeep(tso2arb_tkeep),
      .m_axis_tx_tlast(tso2arb_tlast),
      .m_axis_tx_tvalid(tso2arb_tvalid),
      .m_axis_tx_tready(tso2arb_tready),
      .m_axis_status_tdata(tso_status_tdata),
      .m_axis_status_tvalid(tso_status_tvalid),
      .m_axis_status_tready(tso_status_tready),
      .idle(tso_idle),
      .payload_framing_errors(tso_framing_errors)
  );

  logic [QID_W-1:0] status_qid;
  logic status_qid_valid;
  wire status_fire = tso_status_tvalid && tso_status_tready;

  nic_fifo #(
      .WIDTH(QID_W),
      .DEPTH(TSO_QID_DEPTH)
  ) u_tso_qid_fifo (
      .clk(clk),
      .rst(rst),
      .s_data(arb2tso_cmd_qid),
      .s_valid(arb2tso_cmd_tvalid && tso_cmd_tready),
      .s_ready(qid_in_ready),
      .m_data(status_qid),
      .m_valid(status_qid_valid),
      .m_ready(status_fire)
  );

  assign tso_status_tready = status_qid_valid && m_axis_tso_status_tready[status_qid];
  for (genvar q = 0; q < NUM_QUEUES; q++) begin : g_tso_status
    assign m_axis_tso_status_tdata[q*8+:8] = tso_status_tdata;
    assign m_axis_tso_status_tvalid[q] =
        tso_status_tvalid && status_qid_valid && status_qid == QID_W'(q);
  end

  // ---------------------------------------------------------------------------
  // TX merge: whole frames from checksum_tx and tcp_segment onto the wire

  nic_frame_arb #(
      .N(2),
      .DATA_W(DATA_W),
      .KEEP_W(KEEP_W)
  ) u_tx_arb (
      .clk(clk),
      .rst(rst),
      .s_axis_tdata({tso2arb_tdata, csum2arb_tdata}),
      .s_axis_tkeep({tso2arb_tkeep, csum2arb_tkeep}),
      .s_axis_tlast({tso2arb_tlast, csum2arb_tlast}),
      .s_axis_tvalid({tso2arb_tvalid, csum2arb_tvalid}),
      .s_axis_tready({tso2arb_tready, csum2arb_tready}),
      .m_axis_tdata(m_axis_tx_tdata),
      .m_axis_tkeep(m_axis_tx_tkeep),
      .m_axis_tlast(m_axis_tx_tlast),
      .m_axis_tvalid(m_axis_tx_tvalid),
      .m_axis_tready(m_axis_tx_tready)
  );

  // ---------------------------------------------------------------------------
  // Work in flight, for `idle`: frames counted in at the first interface they
  // cross and out at the last one, jobs and commands until they are answered.

  localparam int INFLIGHT_W = 16;
  logic [INFLIGHT_W-1:0] rx_inflight, tx_inflight, flow_inflight;

  wire rx_in = s_axis_rx_tvalid && s_axis_rx_tready && s_axis_rx_tlast;
  wire rx_out = |(m_axis_c2h_tvalid & m_axis_c2h_tready & m_axis_c2h_tlast);
  wire tx_in = arb2csum_tvalid && arb2csum_tready && arb2csum_tlast;
  wire tx_csum_out = csum2arb_tvalid && csum2arb_tready && csum2arb_tlast;
  wire flow_in = s_axis_flow_cmd_tvalid && s_axis_flow_cmd_tready;
  wire flow_out = m_axis_flow_status_tvalid && m_axis_flow_status_tready;
  // Frames between an engine's output and the wire: the merge register.
  logic merge_busy;

  always_ff @(posedge clk) begin
    if (rst) begin
      rx_inflight <= '0;
      tx_inflight <= '0;
      flow_inflight <= '0;
    end else begin
      rx_inflight <= rx_inflight + INFLIGHT_W'(rx_in) - INFLIGHT_W'(rx_out);
      tx_inflight <= tx_inflight + INFLIGHT_W'(tx_in) - INFLIGHT_W'(tx_csum_out);
      flow_inflight <= flow_inflight + INFLIGHT_W'(flow_in) - INFLIGHT_W'(flow_out);
    end
  end

  assign merge_busy = m_axis_tx_tvalid || csum2arb_tvalid || tso2arb_tvalid;
  assign idle = rx_inflight == '0 && lookup_idle && tx_inflight == '0 && flow_inflight == '0 && tso_idle &&
      frame_arb_idle && tso_arb_idle && !status_qid_valid && !merge_busy &&
      !(|m_axis_c2h_meta_tvalid) && !(|m_axis_c2h_tvalid);

  // ---------------------------------------------------------------------------
  // Bad input from the wire, counted once per frame as checksum_rx's RxParsed
  // word leaves it (as hls/nic counts): such frames are not dropped here but
  // go to the host flagged (the RxMeta parse and checksum fields), which drops
  // or answers them; the counters say how many there were.

  wire [2:0] csum_parse = csum2steer_parsed_tdata[tandem_pkg::RXM_PARSE_LSB+:tandem_pkg::RXM_PARSE_W];
  wire csum_parse_error = csum_parse != tandem_pkg::PARSE_OK;
  wire csum_bad = csum2steer_parsed_tdata[tandem_pkg::RXM_L3_CHECKSUM_LSB+:2] == tandem_pkg::CSUM_BAD ||
      csum2steer_parsed_tdata[tandem_pkg::RXM_L4_CHECKSUM_LSB+:2] == tandem_pkg::CSUM_BAD;
  wire csum_parsed_fire = csum2steer_parsed_tvalid && csum2steer_parsed_tready;

  always_ff @(posedge clk) begin
    if (rst) begin
      rx_parse_errors <= '0;
      rx_checksum_bad <= '0;
    end else if (csum_parsed_fire) begin
      if (csum_parse_error) rx_parse_errors <= rx_parse_errors + 32'd1;
      if (csum_bad) rx_checksum_bad <= rx_checksum_bad + 32'd1;
    end
  end

endmodule

`resetall
