// SPDX-License-Identifier: Apache-2.0
// Native throughput of the checksum and parsing kernels compiled as C++ (what the
// soft and tap backends run): rx_parser, checksum_rx and checksum_tx on
// back-to-back TCP frames of 64, 1518 and 9000 bytes. Prints wall-clock bytes/s
// and frames/s, and the simulated cycles per frame (the hardware figure: at one
// beat per cycle a frame costs ceil(size / 64) cycles).
//
//   build/<dir>/bench/bench_hls_rx [seconds per measurement, default 0.5]
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <span>
#include <vector>

#include "contract/nic_contract.hpp"
#include "hls/checksum/checksum.hpp"
#include "hls/common/beats.hpp"
#include "hls/rx_parser/rx_parser.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"

namespace {

using namespace tandem;
using hls_kernels::AxisBeat;
using hls_kernels::RxParsed;
using Clock = std::chrono::steady_clock;

// An Ethernet/IPv4/TCP frame of exactly `size` bytes (>= 54). Checksums are
// computed (`software`) for the RX kernels and left zero for checksum_tx.
std::vector<std::byte> tcp_frame(std::mt19937_64& rng, std::size_t size, wire::ChecksumMode mode) {
  std::vector<std::byte> f(size);
  for (auto& b : f)
    b = static_cast<std::byte>(rng());
  const wire::MutableByteSpan bytes(f);
  wire::EthernetRepr{
      {{2, 0, 0, 0, 0, 2}}, {{2, 0, 0, 0, 0, 1}}, static_cast<std::uint16_t>(wire::EtherType::ipv4)}
      .emit(bytes);
  wire::Ipv4Repr ip;
  ip.src = wire::Ipv4Address::from_octets(10, 0, 0, 1);
  ip.dst = wire::Ipv4Address::from_octets(10, 0, 0, 2);
  ip.protocol = static_cast<std::uint8_t>(wire::IpProtocol::tcp);
  ip.payload_len = static_cast<std::uint16_t>(size - 34);
  ip.emit(bytes.subspan(14), mode);
  wire::TcpRepr tcp;
  tcp.src_port = 40000;
  tcp.dst_port = 80;
  tcp.seq = wire::SeqNum(static_cast<std::uint32_t>(rng()));
  tcp.flags = 0x18;
  tcp.window = 512;
  tcp.payload_len = size - 54;
  tcp.emit(bytes.subspan(34), ip.src, ip.dst, mode);
  return f;
}

struct Result {
  double seconds = 0;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t cycles = 0;
};

void print(const char* kernel, std::size_t size, const Result& r) {
  const double frames_per_s = static_cast<double>(r.frames) / r.seconds;
  const double bytes_per_s = static_cast<double>(r.bytes) / r.seconds;
  std::printf(
      "%-12s %5zu B %12.0f frames/s %12.0f bytes/s (%6.3f Gbit/s) %8.2f cycles/frame"
      " (%zu beats)\n",
      kernel, size, frames_per_s, bytes_per_s, 8 * bytes_per_s / 1e9,
      static_cast<double>(r.cycles) / static_cast<double>(r.frames), (size + 63) / 64);
}

// Runs `batch` (fed whole into the input streams, drained every cycle) again and
// again until `budget` seconds have passed; only the kernel's cycles are timed
// along with the stream traffic they cause.
template <typename Batch>
Result measure(double budget, std::size_t frame_size, std::size_t frames_per_batch, Batch batch) {
  Result r;
  const auto start = Clock::now();
  do {
    r.cycles += batch();
    r.frames += frames_per_batch;
    r.bytes += frames_per_batch * frame_size;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (r.seconds < budget);
  return r;
}

void run(double budget) {
  std::mt19937_64 rng(1);
  std::printf(
      "native C++ kernels, back-to-back TCP frames, %.2f s per measurement; cycles are\n"
      "simulated clock cycles (checksum_tx's include one frame of store-and-forward\n"
      "latency per batch of ~1 MB)\n",
      budget);
  for (std::size_t size : {64, 1518, 9000}) {
    // About 1 MB of frames per batch, at least 16 frames.
    const std::size_t count = std::max<std::size_t>(16, (1u << 20) / size);
    std::vector<AxisBeat> rx_beats, tx_beats;
    for (std::size_t i = 0; i < count; ++i) {
      for (const auto& b :
           hls_kernels::to_beats(tcp_frame(rng, size, wire::ChecksumMode::software)))
        rx_beats.push_back(b);
      for (const auto& b :
           hls_kernels::to_beats(tcp_frame(rng, size, wire::ChecksumMode::offloaded)))
        tx_beats.push_back(b);
    }

    // rx_parser
    std::vector<RxParsed> parsed;
    const Result parser = measure(budget, size, count, [&] {
      hls_kernels::RxParser kernel;
      hls::stream<AxisBeat> in, out;
      hls::stream<RxParsed> meta;
      for (const auto& b : rx_beats)
        in.write(b);
      std::uint64_t cycles = 0;
      parsed.clear();
      while (parsed.size() < count) {
        kernel.step(in, out, meta);
        ++cycles;
        if (!out.empty()) out.read();
        if (!meta.empty()) parsed.push_back(meta.read());
      }
      return cycles;
    });
    print("rx_parser", size, parser);

    // checksum_rx, given rx_parser's RxParsed words
    const Result verify = measure(budget, size, count, [&] {
      hls_kernels::ChecksumRx kernel;
      hls::stream<AxisBeat> in, out;
      hls::stream<RxParsed> meta_in, meta_out;
      for (const auto& b : rx_beats)
        in.write(b);
      for (const auto& p : parsed)
        meta_in.write(p);
      std::uint64_t cycles = 0;
      std::size_t done = 0;
      while (done < count) {
        kernel.step(in, meta_in, out, meta_out);
        ++cycles;
        if (!out.empty()) out.read();
        if (!meta_out.empty()) {
          if (meta_out.read().meta.l4_checksum != contract::ChecksumStatus::good) {
            std::fprintf(stderr, "checksum_rx: a good frame did not verify\n");
            std::exit(1);
          }
          ++done;
        }
      }
      return cycles;
    });
    print("checksum_rx", size, verify);

    // checksum_tx, both checksums filled
    const Result insert = measure(budget, size, count, [&] {
      hls_kernels::ChecksumTx kernel;
      hls::stream<AxisBeat> in, out;
      hls::stream<hls_kernels::TxCsumCmd> cmd;
      for (const auto& b : tx_beats)
        in.write(b);
      for (std::size_t i = 0; i < count; ++i) {
        cmd.write(contract::tx_flag::fill_ipv4_checksum | contract::tx_flag::fill_l4_checksum);
      }
      std::uint64_t cycles = 0;
      std::size_t done = 0;
      while (done < count) {
        kernel.step(in, cmd, out);
        ++cycles;
        if (!out.empty() && out.read().last == 1) ++done;
      }
      return cycles;
    });
    print("checksum_tx", size, insert);
  }
}

}  // namespace

int main(int argc, char** argv) {
  double budget = 0.5;
  if (argc > 1) {
    char* end = nullptr;
    budget = std::strtod(argv[1], &end);
    if (end == argv[1] || *end != '\0' || !(budget > 0)) {
      std::fprintf(stderr, "usage: %s [seconds per measurement]\n", argv[0]);
      return 2;
    }
  }
  try {
    run(budget);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_hls_rx: %s\n", e.what());
    return 1;
  }
  return 0;
}
