// SPDX-License-Identifier: Apache-2.0
// conn_lookup_tb: what the C/RTL equivalence test verilates, conn_lookup
// against table_mem_model (its off-chip table), with the engine's four
// streams and settings brought out, and backdoors for the end-of-run
// comparison with the HLS model: the table word and the engine's mirror word
// of dbg_bucket, the memory's read and write counts, and the engine's search
// counters (hls counters()). Simulation only.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module conn_lookup_tb #(
    parameter int LOG2_BUCKETS = 10,
    parameter int LATENCY = 1
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

    input wire [ 5:0] cfg_stash_entries,
    input wire [ 9:0] cfg_bfs_nodes,
    input wire [15:0] cfg_latency,

    // Engine idle and no read in flight in the memory or on its ports.
    output logic        idle,
    output logic [31:0] table_entries,
    output logic [ 5:0] stash_entries,
    output logic [31:0] rejected_commands,
    output logic [31:0] search_nodes,
    output logic [31:0] moves,
    output logic [31:0] aborted_paths,
    output logic [31:0] stash_refills,
    output logic [63:0] mem_reads,
    output logic [63:0] mem_writes,

    input  wire  [                LOG2_BUCKETS-1:0] dbg_bucket,
    output logic [conn_lookup_pkg::BUCKET_W-1:0] dbg_table_word,
    output logic [   conn_lookup_pkg::FPS_W-1:0] dbg_mirror_word
);

  logic [conn_lookup_pkg::RD_REQ_W-1:0] rd_tdata;
  logic rd_tvalid, rd_tready;
  logic [conn_lookup_pkg::BUCKET_W-1:0] data_tdata;
  logic data_tvalid, data_tready;
  logic [conn_lookup_pkg::WR_W-1:0] wr_tdata;
  logic wr_tvalid, wr_tready;
  logic engine_idle, mem_idle;

  conn_lookup #(
      .LOG2_BUCKETS(LOG2_BUCKETS)
  ) u_engine (
      .clk(clk),
      .rst(rst),
      .s_axis_lookup_tdata(s_axis_lookup_tdata),
      .s_axis_lookup_tvalid(s_axis_lookup_tvalid),
      .s_axis_lookup_tready(s_axis_lookup_tready),
      .m_axis_result_tdata(m_axis_result_tdata),
      .m_axis_result_tvalid(m_axis_result_tvalid),
      .m_axis_result_tready(m_axis_result_tready),
      .s_axis_cmd_tdata(s_axis_cmd_tdata),
      .s_axis_cmd_tvalid(s_axis_cmd_tvalid),
      .s_axis_cmd_tready(s_axis_cmd_tready),
      .m_axis_cmd_status_tdata(m_axis_cmd_status_tdata),
      .m_axis_cmd_status_tvalid(m_axis_cmd_status_tvalid),
      .m_axis_cmd_status_tready(m_axis_cmd_status_tready),
      .m_axis_table_rd_tdata(rd_tdata),
      .m_axis_table_rd_tvalid(rd_tvalid),
      .m_axis_table_rd_tready(rd_tready),
      .s_axis_table_rd_tdata(data_tdata),
      .s_axis_table_rd_tvalid(data_tvalid),
      .s_axis_table_rd_tready(data_tready),
      .m_axis_table_wr_tdata(wr_tdata),
      .m_axis_table_wr_tvalid(wr_tvalid),
      .m_axis_table_wr_tready(wr_tready),
      .cfg_stash_entries(cfg_stash_entries),
      .cfg_bfs_nodes(cfg_bfs_nodes),
      .idle(engine_idle),
      .table_entries(table_entries),
      .stash_entries(stash_entries),
      .rejected_commands(rejected_commands)
  );

  table_mem_model #(
      .LOG2_BUCKETS(LOG2_BUCKETS),
      .LATENCY(LATENCY)
  ) u_mem (
      .clk(clk),
      .rst(rst),
      .cfg_latency(cfg_latency),
      .s_axis_rd_tdata(rd_tdata),
      .s_axis_rd_tvalid(rd_tvalid),
      .s_axis_rd_tready(rd_tready),
      .m_axis_rd_tdata(data_tdata),
      .m_axis_rd_tvalid(data_tvalid),
      .m_axis_rd_tready(data_tready),
      .s_axis_wr_tdata(wr_tdata),
      .s_axis_wr_tvalid(wr_tvalid),
      .s_axis_wr_tready(wr_tready),
      .idle(mem_idle),
      .reads(mem_reads),
      .writes(mem_writes),
      .dbg_bucket(dbg_bucket),
      .dbg_word(dbg_table_word)
  );

  assign idle = engine_idle && mem_idle && !data_tvalid;
  assign dbg_mirror_word = u_engine.u_mirror.mem[dbg_bucket];
  assign search_nodes = u_engine.searched_reg;
  assign moves = u_engine.moves_reg;
  assign aborted_paths = u_engine.aborted_reg;
  assign stash_refills = u_engine.refills_reg;

endmodule

`resetall
