// SPDX-License-Identifier: Apache-2.0
// The TSO kernel (hls/tcp_segment) on 64 KiB jobs at MSS 536, 1448 and 8960, with
// a 66-byte template (IPv4 + TCP with timestamps), no idle input and no
// back-pressure. Prints, per MSS:
//   - simulated cycles for one job alone (job word to idle: includes waiting for
//     the first segment's checksum) and per job when jobs come back to back;
//   - output beats per cycle back to back, and what that is at 322 MHz: bus
//     Gbit/s (beats x 512 bits) and frame Gbit/s (valid bytes only);
//   - native throughput of the C++ model (payload bytes per wall-clock second),
//     the figure the soft and tap backends live with.
//
//   build/<dir>/bench/bench_hls_tso [jobs per measurement, default 256]
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <vector>

#include "contract/nic_contract.hpp"
#include "hls/tcp_segment/tcp_segment.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"

namespace {

using namespace tandem;
using hls_kernels::AxisBeat;
using Clock = std::chrono::steady_clock;

constexpr double kClockHz = 322e6;

std::vector<std::byte> make_template() {
  std::vector<std::byte> h(14 + 20 + 32);
  const wire::MutableByteSpan b(h);
  wire::EthernetRepr{
      {{2, 0, 0, 0, 0, 2}}, {{2, 0, 0, 0, 0, 1}}, static_cast<std::uint16_t>(wire::EtherType::ipv4)}
      .emit(b);
  wire::store_u8(b, 14, 0x45);
  wire::store_be16(b, 18, 0x1234);
  wire::store_be16(b, 20, 0x4000);
  wire::store_u8(b, 22, 64);
  wire::store_u8(b, 23, static_cast<std::uint8_t>(wire::IpProtocol::tcp));
  wire::store_be32(b, 26, wire::Ipv4Address::from_octets(10, 0, 0, 1).value);
  wire::store_be32(b, 30, wire::Ipv4Address::from_octets(10, 0, 0, 2).value);
  wire::TcpRepr tcp;
  tcp.src_port = 40000;
  tcp.dst_port = 5201;
  tcp.seq = wire::SeqNum(1);
  tcp.ack = wire::SeqNum(1);
  tcp.flags = wire::tcp_flag::ack | wire::tcp_flag::psh;
  tcp.window = 512;
  tcp.options.timestamps = wire::TcpTimestamps{1, 2};
  tcp.emit(b.subspan(34), {}, {}, wire::ChecksumMode::offloaded);
  return h;
}

std::vector<AxisBeat> to_beats(const std::vector<std::byte>& bytes) {
  std::vector<AxisBeat> beats;
  for (std::size_t at = 0; at < bytes.size(); at += 64) {
    AxisBeat beat{};
    const std::size_t n = std::min<std::size_t>(64, bytes.size() - at);
    for (std::size_t i = 0; i < n; ++i) {
      beat.data.range(static_cast<int>(8 * i + 7), static_cast<int>(8 * i)) =
          static_cast<unsigned>(bytes[at + i]);
    }
    beat.keep = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    beat.last = at + n == bytes.size();
    beats.push_back(beat);
  }
  return beats;
}

struct Result {
  std::uint64_t cycles = 0;
  std::uint64_t beats = 0;
  std::uint64_t frame_bytes = 0;
  std::uint64_t frames = 0;
  double seconds = 0;
};

// `jobs` 64 KiB jobs, all queued before the first cycle, stepped until idle.
Result run(std::size_t jobs, std::uint16_t mss, const std::vector<AxisBeat>& header,
           const std::vector<AxisBeat>& payload) {
  hls_kernels::TcpSegment kernel;
  hls::stream<hls_kernels::TsoCmdWord> cmd;
  hls::stream<AxisBeat> header_in;
  hls::stream<AxisBeat> payload_in;
  hls::stream<AxisBeat> tx;
  hls::stream<hls_kernels::TxStatusWord> status;
  contract::TsoJob job;
  job.header_length = 66;
  job.payload_length = contract::kTsoMaxPayload;
  job.mss = mss;
  for (std::size_t j = 0; j < jobs; ++j) {
    cmd.write(hls_kernels::pack_tso_job(job));
    for (const auto& b : header)
      header_in.write(b);
    for (const auto& b : payload)
      payload_in.write(b);
  }
  Result r;
  std::size_t answered = 0;
  const auto start = Clock::now();
  while (answered < jobs || !kernel.idle()) {
    kernel.step(cmd, header_in, payload_in, tx, status);
    ++r.cycles;
    while (!tx.empty()) {
      const AxisBeat beat = tx.read();
      ++r.beats;
      r.frame_bytes += static_cast<std::uint64_t>(__builtin_popcountll(beat.keep.to_uint64()));
      if (beat.last != 0) ++r.frames;
    }
    while (!status.empty()) {
      if (status.read() != 0) {
        std::fprintf(stderr, "job refused\n");
        std::exit(1);
      }
      ++answered;
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace

int run(int argc, char** argv) {
  const std::size_t jobs = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  if (jobs == 0) {
    std::fprintf(stderr, "usage: %s [jobs per measurement > 0]\n", argv[0]);
    return 2;
  }
  std::mt19937_64 rng(1);
  std::vector<std::byte> payload(contract::kTsoMaxPayload);
  for (auto& b : payload)
    b = static_cast<std::byte>(rng());
  const std::vector<AxisBeat> header_beats = to_beats(make_template());
  const std::vector<AxisBeat> payload_beats = to_beats(payload);

  std::printf("tcp_segment: 64 KiB jobs, 66-byte template, %zu jobs back to back, %.0f MHz\n", jobs,
              kClockHz / 1e6);
  std::printf("%6s %8s %11s %11s %11s %10s %10s %14s\n", "MSS", "frames", "cycles/job",
              "cycles/job", "beats/cyc", "bus", "frames", "native");
  std::printf("%6s %8s %11s %11s %11s %10s %10s %14s\n", "", "per job", "(alone)", "(stream)",
              "(stream)", "Gbit/s", "Gbit/s", "payload B/s");
  for (std::uint16_t mss : {536, 1448, 8960}) {
    const Result alone = run(1, mss, header_beats, payload_beats);
    const Result stream = run(jobs, mss, header_beats, payload_beats);
    const double beats_per_cycle =
        static_cast<double>(stream.beats) / static_cast<double>(stream.cycles);
    const double bus_gbps = beats_per_cycle * 512 * kClockHz / 1e9;
    const double frame_gbps = static_cast<double>(stream.frame_bytes) * 8 * kClockHz /
                              static_cast<double>(stream.cycles) / 1e9;
    const double native = static_cast<double>(jobs * contract::kTsoMaxPayload) / stream.seconds;
    std::printf("%6u %8llu %11llu %11.1f %11.4f %10.1f %10.1f %14.3e\n", mss,
                static_cast<unsigned long long>(stream.frames / jobs),
                static_cast<unsigned long long>(alone.cycles),
                static_cast<double>(stream.cycles) / static_cast<double>(jobs), beats_per_cycle,
                bus_gbps, frame_gbps, native);
  }
  return 0;
}

int main(int argc, char** argv) {
  // A benchmark that cannot allocate or hits a kernel bug says so and fails.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
