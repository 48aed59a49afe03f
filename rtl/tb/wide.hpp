// SPDX-License-Identifier: Apache-2.0
// Moving 512-bit beats between the HLS kernels' ap_uint<> and Verilator's wide
// ports (VlWide<N>: N 32-bit words, word 0 holding bits 31:0), so that one set
// of vectors drives both sides of a C/RTL equivalence test.
#pragma once

#include <verilated.h>

#include "hls/common/hls_compat.hpp"

namespace tandem::rtl_tb {

template <std::size_t Words, int W>
void to_wide(VlWide<Words>& out, const ap_uint<W>& value) {
  static_assert(W <= static_cast<int>(Words) * 32, "port narrower than the value");
  for (std::size_t i = 0; i < Words; ++i) {
    const int lo = static_cast<int>(i) * 32;
    out[i] = lo < W ? static_cast<std::uint32_t>((value >> lo).to_uint64() & 0xffffffffu) : 0u;
  }
}

template <int W, std::size_t Words>
ap_uint<W> from_wide(const VlWide<Words>& in) {
  ap_uint<W> value;
  for (std::size_t i = 0; i < Words; ++i) {
    const int lo = static_cast<int>(i) * 32;
    if (lo >= W) break;
    const int hi = std::min(W - 1, lo + 31);
    value.range(hi, lo) = ap_uint<32>(in[i]);
  }
  return value;
}

}  // namespace tandem::rtl_tb
