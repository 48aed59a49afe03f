// SPDX-License-Identifier: Apache-2.0
// Native-only glue between byte buffers and AXI4-Stream beats, for testbenches and
// the backends that run the kernels as C++ (soft, tap). Not synthesized.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "hls/common/hls_compat.hpp"

namespace tandem::hls_kernels {

// Splits a frame into 64-byte beats: byte i of the frame is lane i % 64 of beat
// i / 64, tkeep marks the valid lanes, tlast the final beat. An empty frame
// gives no beats.
inline std::vector<AxisBeat> to_beats(std::span<const std::byte> frame) {
  std::vector<AxisBeat> beats;
  beats.reserve((frame.size() + kBeatBytes - 1) / kBeatBytes);
  for (std::size_t start = 0; start < frame.size(); start += kBeatBytes) {
    AxisBeat beat{};
    const std::size_t n = std::min<std::size_t>(kBeatBytes, frame.size() - start);
#if TANDEM_HLS_VITIS
    for (std::size_t i = 0; i < n; ++i) {
      beat.data.range(8 * i + 7, 8 * i) = static_cast<unsigned>(frame[start + i]);
      beat.keep[static_cast<int>(i)] = true;
    }
#else
    // A word at a time: a byte-range assignment rewrites all 512 bits, and the
    // soft NIC converts every frame it carries (this was most of its time).
    for (std::size_t w = 0; w * 8 < n; ++w) {
      std::uint64_t word = 0;
      for (std::size_t b = 0; b < 8 && w * 8 + b < n; ++b)
        word |= static_cast<std::uint64_t>(frame[start + w * 8 + b]) << (8 * b);
      beat.data.set_word(static_cast<int>(w), word);
    }
    beat.keep = n == kBeatBytes ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
#endif
    beat.last = start + n == frame.size();
    beats.push_back(beat);
  }
  return beats;
}

// Appends the valid bytes of one beat (lanes whose tkeep bit is set, in lane
// order) to `out`.
inline void append_beat(const AxisBeat& beat, std::vector<std::byte>& out) {
  for (int i = 0; i < kBeatBytes; ++i) {
    if (beat.keep[i]) out.push_back(static_cast<std::byte>(beat_byte(beat.data, i)));
  }
}

}  // namespace tandem::hls_kernels
