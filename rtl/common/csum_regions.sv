// SPDX-License-Identifier: Apache-2.0
// csum_regions: the sum pipeline checksum_rx and checksum_tx share. Each beat
// comes with two byte masks, the lanes of the frame's IPv4 header and of its
// L4 segment (the engine chooses them: checksum_tx leaves out the fields it
// fills), the beat's byte count, whether it is the frame's first beat, and
// SIDE_W bits of the engine's own that travel beside it. LATENCY =
// log2(DATA_W / 16) cycles later (5 at 512 bits) the beat comes out with the
// frame's running totals, this beat included:
//   out_header_sum, out_segment_sum  the one's-complement sums of the masked
//                                    16-bit words (32 bits, wrapping as the
//                                    kernels' CsumAcc; folded by the engine)
//   out_length                       the frame's bytes so far, saturating at
//                                    0xffff
// all restarted at a first beat. The engine latches the totals at the beat it
// decides on (checksum_rx: the last; checksum_tx: the last, or the beat that
// makes the frame too long to hold).
//
//   in ─► csum_beat (header) ──┐
//      └► csum_beat (segment) ─┼─► accumulate ─► out
//      └► side delay (LATENCY) ┘
//
// Like csum_beat it never stalls: a beat in comes out LATENCY cycles later.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module csum_regions #(
    parameter int DATA_W = 512,
    parameter int SIDE_W = 1
) (
    input wire clk,
    input wire rst,

    input wire                in_valid,
    input wire [  DATA_W-1:0] in_data,
    input wire [DATA_W/8-1:0] in_header_mask,
    input wire [DATA_W/8-1:0] in_segment_mask,
    input wire [         6:0] in_bytes,
    input wire                in_first,
    input wire [  SIDE_W-1:0] in_side,

    output logic              out_valid,
    output logic              out_first,
    output logic [SIDE_W-1:0] out_side,
    output logic [      31:0] out_header_sum,
    output logic [      31:0] out_segment_sum,
    output logic [      15:0] out_length
);

  // The cycles from a beat in to its totals out: csum_beat's adder levels.
  localparam int LATENCY = $clog2(DATA_W / 16);
  localparam int SUM_W = 16 + LATENCY;
  // Beside the beat through the trees, LSB first: first, byte count, side.
  localparam int DELAY_W = 1 + 7 + SIDE_W;

  if (DATA_W != 512) begin : g_bad_data_w
    $fatal(1, "csum_regions: DATA_W must be 512 (byte counts are 7 bits)");
  end
  if (SIDE_W < 1) begin : g_bad_side_w
    $fatal(1, "csum_regions: SIDE_W must be positive");
  end

  logic [SUM_W-1:0] header_part, segment_part;

  csum_beat #(
      .DATA_W(DATA_W),
      .SUM_W (SUM_W)
  ) header_tree (
      .clk(clk),
      .data(in_data),
      .byte_mask(in_header_mask),
      .sum(header_part)
  );

  csum_beat #(
      .DATA_W(DATA_W),
      .SUM_W (SUM_W)
  ) segment_tree (
      .clk(clk),
      .data(in_data),
      .byte_mask(in_segment_mask),
      .sum(segment_part)
  );

  logic [LATENCY-1:0] valid_pipe;
  logic [LATENCY*DELAY_W-1:0] delay_pipe;
  always_ff @(posedge clk) begin
    delay_pipe <= {delay_pipe[(LATENCY-1)*DELAY_W-1:0], in_side, in_bytes, in_first};
    if (rst) valid_pipe <= '0;
    else valid_pipe <= {valid_pipe[LATENCY-2:0], in_valid};
  end

  wire [DELAY_W-1:0] delayed = delay_pipe[(LATENCY-1)*DELAY_W+:DELAY_W];
  wire first = delayed[0];
  wire [6:0] bytes = delayed[7:1];

  logic [31:0] acc_header, acc_segment;
  logic [15:0] acc_length;

  wire [16:0] length_sum = {1'b0, first ? 16'd0 : acc_length} + 17'(bytes);

  assign out_valid = valid_pipe[LATENCY-1];
  assign out_first = first;
  assign out_side = delayed[DELAY_W-1-:SIDE_W];
  assign out_header_sum = (first ? 32'd0 : acc_header) + 32'(header_part);
  assign out_segment_sum = (first ? 32'd0 : acc_segment) + 32'(segment_part);
  assign out_length = length_sum[16] ? 16'hffff : length_sum[15:0];

  always_ff @(posedge clk) begin
    if (out_valid) begin
      acc_header <= out_header_sum;
      acc_segment <= out_segment_sum;
      acc_length <= out_length;
    end
  end

endmodule

`resetall
