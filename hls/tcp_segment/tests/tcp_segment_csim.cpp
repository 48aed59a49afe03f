// SPDX-License-Identifier: Apache-2.0
// The testbench Vitis HLS runs in csim_design and cosim_design: it calls the top
// function tcp_segment() once per clock and checks the frames against a plain
// segmenter written here. It is C++14 and needs nothing but the kernel, so that
// Vitis's own compiler builds it; the thorough tests (DPDK, host/wire, idle
// inputs and back-pressure) are in tcp_segment_test.cpp. Exit status 0 = pass.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "hls/tcp_segment/tcp_segment.hpp"

namespace {

namespace hk = tandem::hls_kernels;
typedef std::vector<std::uint8_t> Bytes;

struct Rng {
  std::uint32_t state;
  std::uint8_t next() {
    state = state * 1664525u + 1013904223u;  // Numerical Recipes LCG
    return static_cast<std::uint8_t>(state >> 24);
  }
};

void put16(Bytes& b, std::size_t at, unsigned v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  put16(b, at, v >> 16);
  put16(b, at + 2, v & 0xffffu);
}

// RFC 1071: the one's-complement sum of [begin, end), added to `acc`.
std::uint32_t add_words(const Bytes& b, std::size_t begin, std::size_t end, std::uint32_t acc) {
  for (std::size_t i = begin; i < end; i += 2) {
    acc += static_cast<std::uint32_t>(b[i]) << 8;
    if (i + 1 < end) acc += b[i + 1];
  }
  return acc;
}

unsigned checksum(std::uint32_t acc) {
  while ((acc >> 16) != 0)
    acc = (acc & 0xffffu) + (acc >> 16);
  return ~acc & 0xffffu;
}

// Ethernet + IPv4 (20) + TCP with timestamps (32): 66 bytes.
Bytes make_template(std::uint32_t seq, unsigned ip_id, unsigned flags) {
  Bytes h(66, 0);
  for (int i = 0; i < 12; ++i)
    h[i] = static_cast<std::uint8_t>(2 + i);
  put16(h, 12, 0x0800);
  h[14] = 0x45;
  put16(h, 18, ip_id);
  put16(h, 20, 0x4000);
  h[22] = 64;
  h[23] = 6;
  put32(h, 26, 0x0a000001u);
  put32(h, 30, 0x0a000002u);
  put16(h, 34, 40000);
  put16(h, 36, 5201);
  put32(h, 38, seq);
  put32(h, 42, 0x11223344u);
  h[46] = 0x80;
  h[47] = static_cast<std::uint8_t>(flags);
  put16(h, 48, 512);
  const std::uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  for (int i = 0; i < 12; ++i)
    h[54 + i] = ts[i];
  return h;
}

std::vector<Bytes> reference(const Bytes& tmpl, const Bytes& payload, std::size_t mss) {
  std::vector<Bytes> frames;
  const std::size_t count = (payload.size() + mss - 1) / mss;
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t n = payload.size() - k * mss < mss ? payload.size() - k * mss : mss;
    Bytes f(tmpl);
    f.insert(f.end(), payload.begin() + k * mss, payload.begin() + k * mss + n);
    put16(f, 16, static_cast<unsigned>(20 + 32 + n));
    put16(f, 18, (((tmpl[18] << 8) | tmpl[19]) + k) & 0xffffu);
    put16(f, 24, 0);
    put16(f, 24, checksum(add_words(f, 14, 34, 0)));
    const std::uint32_t seq = (static_cast<std::uint32_t>(tmpl[38]) << 24) | (tmpl[39] << 16) |
                              (tmpl[40] << 8) | tmpl[41];
    put32(f, 38, static_cast<std::uint32_t>(seq + k * mss));
    unsigned flags = tmpl[47];
    if (k + 1 != count) flags &= ~0x09u;  // FIN, PSH
    if (k != 0) flags &= ~0x80u;          // CWR
    f[47] = static_cast<std::uint8_t>(flags);
    put16(f, 50, 0);
    std::uint32_t acc = add_words(f, 26, 34, 6 + static_cast<std::uint32_t>(32 + n));
    put16(f, 50, checksum(add_words(f, 34, f.size(), acc)));
    frames.push_back(f);
  }
  return frames;
}

void send(hls::stream<hk::AxisBeat>& s, const Bytes& b) {
  for (std::size_t at = 0; at < b.size(); at += hk::kBeatBytes) {
    hk::AxisBeat beat;
    beat.data = 0;
    beat.keep = 0;
    const std::size_t n = b.size() - at < 64 ? b.size() - at : 64;
    for (std::size_t i = 0; i < n; ++i) {
      beat.data.range(8 * i + 7, 8 * i) = b[at + i];
      beat.keep[static_cast<int>(i)] = 1;
    }
    beat.strb = beat.keep;
    beat.user = 0;
    beat.id = 0;
    beat.dest = 0;
    beat.last = at + n == b.size() ? 1 : 0;
    s.write(beat);
  }
}

}  // namespace

int main() {
  struct JobSpec {
    std::size_t payload;
    unsigned mss;
    std::uint32_t seq;
    unsigned flags;
  };
  const JobSpec specs[] = {
      {65536, 1448, 0xfffff000u, 0x98},  // ACK PSH CWR, sequence wraps
      {3000, 536, 1, 0x19},              // ACK PSH FIN
      {200, 7, 77, 0x10},
      {9000, 8960, 123456, 0x18},
      {1000, 1448, 5, 0x11},  // below one MSS
  };
  hls::stream<hk::TsoCmdWord> cmd;
  hls::stream<hk::AxisBeat> header;
  hls::stream<hk::AxisBeat> payload;
  hls::stream<hk::AxisBeat> tx;
  hls::stream<hk::TxStatusWord> status;

  Rng rng = {12345};
  std::vector<Bytes> want;
  const std::size_t jobs = sizeof(specs) / sizeof(specs[0]);
  for (std::size_t j = 0; j < jobs; ++j) {
    const Bytes tmpl =
        make_template(specs[j].seq, 0xfff0u + static_cast<unsigned>(j), specs[j].flags);
    Bytes data(specs[j].payload);
    for (std::size_t i = 0; i < data.size(); ++i)
      data[i] = rng.next();
    tandem::contract::TsoJob job;
    job.header_length = static_cast<std::uint16_t>(tmpl.size());
    job.payload_length = static_cast<std::uint32_t>(data.size());
    job.mss = static_cast<std::uint16_t>(specs[j].mss);
    cmd.write(hk::pack_tso_job(job));
    send(header, tmpl);
    send(payload, data);
    const std::vector<Bytes> frames = reference(tmpl, data, specs[j].mss);
    want.insert(want.end(), frames.begin(), frames.end());
  }

  std::vector<Bytes> got;
  Bytes partial;
  std::size_t statuses = 0;
  int errors = 0;
  for (long cycle = 0; cycle < 200000 && (statuses < jobs || got.size() < want.size()); ++cycle) {
    tcp_segment(cmd, header, payload, tx, status);
    while (!tx.empty()) {
      const hk::AxisBeat beat = tx.read();
      for (int i = 0; i < hk::kBeatBytes; ++i) {
        if (beat.keep[i]) partial.push_back(static_cast<std::uint8_t>(hk::beat_byte(beat.data, i)));
      }
      if (beat.last != 0) {
        got.push_back(partial);
        partial.clear();
      }
    }
    while (!status.empty()) {
      if (status.read() != 0) ++errors;
      ++statuses;
    }
  }
  if (statuses != jobs || got.size() != want.size()) {
    std::printf("tcp_segment csim: %zu of %zu statuses, %zu of %zu frames\n", statuses, jobs,
                got.size(), want.size());
    return 1;
  }
  for (std::size_t f = 0; f < want.size(); ++f) {
    if (got[f] != want[f]) {
      std::printf("tcp_segment csim: frame %zu differs\n", f);
      ++errors;
    }
  }
  std::printf("tcp_segment csim: %zu frames, %s\n", got.size(), errors == 0 ? "PASS" : "FAIL");
  return errors == 0 ? 0 : 1;
}
