// SPDX-License-Identifier: Apache-2.0
// The Internet checksum on 512-bit beats: the per-lane partial sums that let a
// checksum engine take one beat per cycle. A beat's 32 big-endian 16-bit words
// are masked by the bytes that belong to the region being summed and added in a
// tree (log2(32) = 5 adder levels), and the 16-bit fold happens once per frame.
#pragma once

#include "hls/common/hls_compat.hpp"

namespace tandem {
namespace hls_kernels {

// Enough headroom for 32 words per beat over the largest frame (9 KiB = 144 beats):
// 144 * 32 * 0xffff < 2^29.
typedef ap_uint<32> CsumAcc;

// Sum of the 16-bit words of `data` whose bytes are selected by `byte_mask`
// (bit i selects byte i; byte 2k is the high byte of word k, as on the wire).
inline CsumAcc beat_word_sum(const ap_uint<kBeatBits>& data, const ap_uint<kBeatBytes>& byte_mask) {
#pragma HLS INLINE
  ap_uint<17> level0[kBeatBytes / 2];
#pragma HLS ARRAY_PARTITION variable = level0 complete
  for (int k = 0; k < kBeatBytes / 2; ++k) {
#pragma HLS UNROLL
    const unsigned hi = byte_mask[2 * k] ? beat_byte(data, 2 * k) : 0u;
    const unsigned lo = byte_mask[2 * k + 1] ? beat_byte(data, 2 * k + 1) : 0u;
    level0[k] = (hi << 8) | lo;
  }
  CsumAcc sum = 0;
  for (int k = 0; k < kBeatBytes / 2; ++k) {
#pragma HLS UNROLL
    sum = static_cast<std::uint64_t>(sum) + static_cast<std::uint64_t>(level0[k]);
  }
  return sum;
}

// Folds a wide one's-complement accumulator to 16 bits (RFC 1071 §4.1).
inline ap_uint<16> csum_fold(CsumAcc acc) {
#pragma HLS INLINE
  std::uint64_t v = acc;
  v = (v & 0xffff) + (v >> 16);
  v = (v & 0xffff) + (v >> 16);
  return static_cast<std::uint64_t>(v);
}

// Mask of the bytes of a beat that fall in [begin, end) of the frame, for the
// beat starting at frame byte `beat_start`.
inline ap_uint<kBeatBytes> region_mask(unsigned beat_start, unsigned begin, unsigned end) {
#pragma HLS INLINE
  ap_uint<kBeatBytes> mask = 0;
  for (int i = 0; i < kBeatBytes; ++i) {
#pragma HLS UNROLL
    const unsigned at = beat_start + static_cast<unsigned>(i);
    mask[i] = at >= begin && at < end;
  }
  return mask;
}

}  // namespace hls_kernels
}  // namespace tandem
