// SPDX-License-Identifier: Apache-2.0
// csum_beat: the Internet checksum's per-lane partial sum of one beat
// (hls/common/csum.hpp beat_word_sum), pipelined. The beat's DATA_W/16
// big-endian 16-bit words, each byte masked by byte_mask, are added in a
// balanced tree of LATENCY = log2(DATA_W/16) adder levels with a register
// after every level, so the sum of the beat presented in cycle t is on `sum`
// in cycle t+LATENCY (5 for 512 bits). A register per level costs flip-flops
// that a LUT's pair of them provides anyway, gives every adder a carry chain
// of its own within one cycle at 322 MHz, and keeps synthesis from merging the
// tree into one multi-operand adder built from LUTs (yosys's alumacc does that
// to nested combinational additions). Nothing is folded here: the one's-
// complement fold happens once per frame on the wide accumulator.
//
// There is no enable: the engines around it never stall a beat once it is in
// their pipeline (they take a beat only when there is room at the end), so the
// tree simply runs every cycle and the caller carries a valid bit beside it.
//
// Byte i of the beat is data[8i+7:8i] (the first byte of the frame in the
// lowest lane, as AXI4-Stream has it), and byte 2k is the high byte of word k,
// as on the wire.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module csum_beat #(
    parameter int DATA_W = 512,
    parameter int SUM_W = 16 + $clog2(DATA_W / 16)
) (
    input wire clk,
    input wire [DATA_W-1:0] data,
    input wire [DATA_W/8-1:0] byte_mask,
    output logic [SUM_W-1:0] sum
);

  localparam int WORDS = DATA_W / 16;
  localparam int LEVELS = $clog2(WORDS);

  if (DATA_W < 64 || DATA_W % 16 != 0 || (WORDS & (WORDS - 1)) != 0) begin : g_bad_width
    $fatal(1, "csum_beat: DATA_W must be 16 times a power of two, at least 64");
  end
  if (SUM_W < 16 + LEVELS) begin : g_bad_sum_width
    $fatal(1, "csum_beat: SUM_W too narrow for the sum of DATA_W/16 words");
  end

  // Level 0 holds the masked words, level l the WORDS >> l sums of pairs of
  // level l-1; each level is a vector of its own so that Verilator sees no
  // signal feeding itself.
  for (genvar l = 0; l <= LEVELS; l++) begin : g_level
    localparam int N = WORDS >> l;
    logic [N*SUM_W-1:0] s;
    if (l == 0) begin : g_words
      for (genvar k = 0; k < N; k++) begin : g_word
        wire [7:0] hi = data[16*k+:8] & {8{byte_mask[2*k]}};
        wire [7:0] lo = data[16*k+8+:8] & {8{byte_mask[2*k+1]}};
        assign s[k*SUM_W+:SUM_W] = {{(SUM_W - 16) {1'b0}}, hi, lo};
      end
    end else begin : g_sums
      for (genvar k = 0; k < N; k++) begin : g_node
        always_ff @(posedge clk) begin
          s[k*SUM_W+:SUM_W] <= g_level[l-1].s[2*k*SUM_W+:SUM_W] +
                               g_level[l-1].s[(2*k+1)*SUM_W+:SUM_W];
        end
      end
    end
  end

  assign sum = g_level[LEVELS].s;

endmodule

`resetall
