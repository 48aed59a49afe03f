// SPDX-License-Identifier: Apache-2.0
// Helpers for the Vitis C-simulation testbenches (*_csim.cpp) of the RX and
// checksum kernels. Those testbenches call the kernels' top-level functions, as
// csim_design and cosim_design need, so they are written in the C++14 that Vitis
// compiles and use nothing from host/: frames are laid out byte by byte here and
// their checksums computed the plain RFC 1071 way. CMake builds them natively
// too, so that they keep compiling and passing between Vitis runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "hls/common/hls_compat.hpp"

namespace tandem {
namespace csim {

typedef std::vector<std::uint8_t> Bytes;

constexpr std::uint32_t kRemoteIp = 0xc0000201;  // 192.0.2.1
constexpr std::uint32_t kLocalIp = 0xc0000202;   // 192.0.2.2
constexpr std::uint16_t kRemotePort = 40000;
constexpr std::uint16_t kLocalPort = 5001;
constexpr std::uint8_t kTcpFlags = 0x18;  // PSH ACK

inline void put16(Bytes& b, std::size_t at, unsigned v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

inline void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  put16(b, at, v >> 16);
  put16(b, at + 2, v & 0xffff);
}

inline unsigned get16(const Bytes& b, std::size_t at) {
  return (static_cast<unsigned>(b[at]) << 8) | b[at + 1];
}

// RFC 1071: the complement of the folded sum of [begin, end) plus `extra`.
inline unsigned checksum(const Bytes& b, std::size_t begin, std::size_t end, unsigned extra = 0) {
  unsigned long sum = extra;
  for (std::size_t i = begin; i < end; i += 2) {
    sum += (static_cast<unsigned>(b[i]) << 8) | (i + 1 < end ? b[i + 1] : 0u);
  }
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return ~static_cast<unsigned>(sum) & 0xffff;
}

// Ethernet + IPv4 (with `ip_options` bytes of NOP options) + TCP (protocol 6,
// 20-byte header) or UDP (17) + `payload` bytes. Checksums are filled when
// `fill` is true and left zero otherwise.
inline Bytes l4_frame(unsigned protocol, std::size_t ip_options, std::size_t payload, bool fill) {
  const std::size_t l4 = 14 + 20 + ip_options;
  const std::size_t l4_header = protocol == 6 ? 20 : 8;
  Bytes f(l4 + l4_header + payload, 0);
  for (std::size_t i = 0; i < 12; ++i)
    f[i] = static_cast<std::uint8_t>(0x02 + (i == 5 || i == 11));
  put16(f, 12, 0x0800);
  f[14] = static_cast<std::uint8_t>(0x40 | ((20 + ip_options) / 4));
  put16(f, 16, static_cast<unsigned>(f.size() - 14));
  put16(f, 18, 0x1234);
  put16(f, 20, 0x4000);
  f[22] = 64;
  f[23] = static_cast<std::uint8_t>(protocol);
  put32(f, 26, kRemoteIp);
  put32(f, 30, kLocalIp);
  for (std::size_t i = 0; i < ip_options; ++i)
    f[34 + i] = 1;  // NOP
  put16(f, l4, kRemotePort);
  put16(f, l4 + 2, kLocalPort);
  if (protocol == 6) {
    put32(f, l4 + 4, 0x11223344);
    put32(f, l4 + 8, 0x55667788);
    f[l4 + 12] = 0x50;
    f[l4 + 13] = kTcpFlags;
    put16(f, l4 + 14, 512);
  } else {
    put16(f, l4 + 4, static_cast<unsigned>(8 + payload));
  }
  for (std::size_t i = 0; i < payload; ++i)
    f[l4 + l4_header + i] = static_cast<std::uint8_t>(7 * i + 3);
  if (fill) {
    put16(f, 24, checksum(f, 14, l4));
    const unsigned segment = static_cast<unsigned>(f.size() - l4);
    const unsigned pseudo = (kRemoteIp >> 16) + (kRemoteIp & 0xffff) + (kLocalIp >> 16) +
                            (kLocalIp & 0xffff) + protocol + segment;
    unsigned c = checksum(f, l4, f.size(), pseudo);
    if (protocol == 17 && c == 0) c = 0xffff;
    put16(f, l4 + (protocol == 6 ? 16 : 6), c);
  }
  return f;
}

inline std::vector<hls_kernels::AxisBeat> to_beats(const Bytes& f) {
  std::vector<hls_kernels::AxisBeat> beats;
  for (std::size_t start = 0; start < f.size(); start += 64) {
    hls_kernels::AxisBeat beat;
    beat.data = 0;
    beat.keep = 0;
    beat.strb = 0;
    for (std::size_t i = 0; i < 64 && start + i < f.size(); ++i) {
      beat.data.range(8 * i + 7, 8 * i) = f[start + i];
      beat.keep[static_cast<int>(i)] = 1;
    }
    beat.strb = beat.keep;
    beat.last = start + 64 >= f.size() ? 1 : 0;
    beats.push_back(beat);
  }
  return beats;
}

inline void append(const hls_kernels::AxisBeat& beat, Bytes& out) {
  for (int i = 0; i < 64; ++i) {
    if (beat.keep[i])
      out.push_back(static_cast<std::uint8_t>(hls_kernels::beat_byte(beat.data, i)));
  }
}

// Counts and reports failed checks; main() returns the count, which csim_design
// treats as the testbench's verdict.
struct Checker {
  int failures = 0;
  void expect(bool ok, const char* what) {
    if (!ok) {
      std::printf("FAILED: %s\n", what);
      ++failures;
    }
  }
};

}  // namespace csim
}  // namespace tandem
