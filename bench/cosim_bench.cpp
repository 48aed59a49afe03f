// SPDX-License-Identifier: Apache-2.0
// bench_cosim: the RTL datapath (rtl/nic/nic_top) under Verilator through the
// sim backend, back to back with no back-pressure: cycles per frame on RX and
// TX for each frame size and for 64 KiB TSO jobs, converted to Gbit/s and to
// percent of 100 GbE line rate at 322 MHz (20 bytes of preamble, IFG and FCS
// per frame on the wire); lookups per cycle at table latencies 1, 50, 200;
// and how many frames the co-simulation runs per wall-clock second.
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "contract/nic_contract.hpp"
#include "sim/verilator/sim_device.hpp"

namespace {

using namespace tandem;
namespace c = tandem::contract;

constexpr double kClockHz = 322.265625e6;  // 100 GbE CMAC clock on the card
constexpr double kLineBitsPerSecond = 100e9;
constexpr std::size_t kWireOverhead = 20;  // preamble 8 + IFG 12 (+ FCS 4 in the frame's 64)

using Clock = std::chrono::steady_clock;

// A device whose wire goes nowhere: RX is fed straight into the model.
std::unique_ptr<sim::SimDevice> make_device() {
  return std::make_unique<sim::SimDevice>(std::make_unique<sim::PcapPort>("", ""));
}

// An Ethernet/IPv4/TCP frame of `size` bytes (no FCS) from 10.0.0.1:p to
// 10.0.0.2:80, checksums left for the NIC; `size` counts the FCS the MAC adds
// on the wire, as frame sizes are usually quoted.
std::vector<std::byte> tcp_frame(std::size_t size, std::uint16_t src_port) {
  const std::size_t len = size - 4;
  std::vector<std::byte> f(len);
  auto put16 = [&](std::size_t at, unsigned v) {
    f[at] = std::byte(v >> 8);
    f[at + 1] = std::byte(v & 0xff);
  };
  for (std::size_t i = 0; i < 12; ++i)
    f[i] = std::byte(0x02);
  put16(12, 0x0800);
  f[14] = std::byte{0x45};
  put16(16, static_cast<unsigned>(len - 14));
  f[22] = std::byte{64};
  f[23] = std::byte{6};
  put16(26, 0x0a00);
  put16(28, 0x0001);
  put16(30, 0x0a00);
  put16(32, 0x0002);
  put16(34, src_port);
  put16(36, 80);
  f[46] = std::byte{0x50};
  f[47] = std::byte{0x10};
  put16(48, 1024);
  for (std::size_t i = 54; i < len; ++i)
    f[i] = std::byte(i * 7);
  return f;
}

struct Row {
  double cycles_per_frame;
  double frames_per_wall_second;
};

void print_rate(const char* what, std::size_t size, const Row& r) {
  const double frames_per_second = kClockHz / r.cycles_per_frame;
  const double gbps = frames_per_second * static_cast<double>(size) * 8 / 1e9;
  const double line_fps = kLineBitsPerSecond / (8.0 * static_cast<double>(size + kWireOverhead));
  std::printf(
      "%-4s %6zu B  %8.2f cyc/frame  %8.1f Gbit/s  %7.1f %% of line rate  %9.0f frames/s wall\n",
      what, size, r.cycles_per_frame, gbps, 100.0 * frames_per_second / line_fps,
      r.frames_per_wall_second);
}

Row rx_run(std::size_t size, int frames) {
  auto d = make_device();
  const auto f = tcp_frame(size, 40000);
  for (int i = 0; i < frames; ++i)
    d->on_wire_frame(f, Instant{});
  const std::uint64_t start = d->cycles();
  const auto t0 = Clock::now();
  d->run_until_idle();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return {static_cast<double>(d->cycles() - start) / frames, frames / wall};
}

Row tx_run(std::size_t size, int frames) {
  auto d = make_device();
  const auto f = tcp_frame(size, 40000);
  for (int i = 0; i < frames; ++i)
    d->send_frame(0, f, c::tx_flag::fill_ipv4_checksum | c::tx_flag::fill_l4_checksum);
  const std::uint64_t start = d->cycles();
  const auto t0 = Clock::now();
  d->run_until_idle();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return {static_cast<double>(d->cycles() - start) / frames, frames / wall};
}

void tso_run(std::uint16_t mss, int jobs) {
  auto d = make_device();
  const auto header = tcp_frame(58, 40000);  // 54-byte template
  std::vector<std::byte> payload(c::kTsoMaxPayload);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = std::byte(i);
  const std::array<dev::ByteSpan, 1> pieces{dev::ByteSpan(payload)};
  const std::uint64_t start = d->cycles();
  const auto t0 = Clock::now();
  for (int j = 0; j < jobs; ++j)
    d->send_tso(0, dev::ByteSpan(header).first(54), pieces, mss);
  d->run_until_idle();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double segments = static_cast<double>(d->counters().tx_frames);
  const double cycles = static_cast<double>(d->cycles() - start);
  const std::size_t frame = 54 + mss;
  const double bytes = static_cast<double>(jobs) * (payload.size() + 54.0 * segments / jobs);
  const double gbps = bytes * 8 * kClockHz / cycles / 1e9;
  const double line =
      kLineBitsPerSecond * (static_cast<double>(frame) / (frame + 4 + kWireOverhead));
  std::printf(
      "TSO  64 KiB mss %5u: %6.0f segments/job  %8.2f cyc/segment  %8.1f Gbit/s  %7.1f %% of line "
      "rate  %9.0f segments/s wall\n",
      mss, segments / jobs, cycles / segments, gbps, 100.0 * gbps * 1e9 / line, segments / wall);
}

void lookup_run(std::uint16_t latency, int frames) {
  auto d = make_device();
  d->set_table_latency(latency);
  // Half the flows are known, so lookups both hit (one memory read) and miss.
  for (std::uint32_t i = 0; i < 64; ++i) {
    c::FlowCommand cmd;
    cmd.key = c::FlowKey4{0x0a000001, 0x0a000002, static_cast<std::uint16_t>(40000 + 2 * i), 80};
    cmd.conn_id = i;
    cmd.tag = i;
    d->submit_flow_command(cmd);
    std::array<c::FlowCompletion, 1> done{};
    d->poll_flow_completions(done);
  }
  std::vector<std::vector<std::byte>> f;
  f.reserve(128);
  for (int i = 0; i < 128; ++i)
    f.push_back(tcp_frame(64, static_cast<std::uint16_t>(40000 + i)));
  for (int i = 0; i < frames; ++i)
    d->on_wire_frame(f[static_cast<std::size_t>(i) % f.size()], Instant{});
  const std::uint64_t start = d->cycles();
  d->run_until_idle();
  const double cycles = static_cast<double>(d->cycles() - start);
  std::printf("lookup latency %3u cycles: %6.3f lookups/cycle (64 B frames, one lookup each)\n",
              latency, frames / cycles);
}

}  // namespace

int main() {
  std::printf("nic_top under Verilator, %u host queues, clock %.2f MHz, no back-pressure\n",
              sim::SimDevice::queues(), kClockHz / 1e6);
  std::printf(
      "frame size includes the 4-byte FCS; line rate counts 20 B preamble+IFG per frame\n\n");
  static constexpr std::array<std::size_t, 8> kSizes{64, 128, 256, 512, 1024, 1518, 4096, 9000};
  for (const std::size_t size : kSizes) {
    const int frames = size <= 512 ? 4000 : size <= 1518 ? 1500 : 400;
    print_rate("RX", size, rx_run(size, frames));
  }
  std::printf("\n");
  for (const std::size_t size : kSizes) {
    const int frames = size <= 512 ? 4000 : size <= 1518 ? 1500 : 400;
    print_rate("TX", size, tx_run(size, frames));
  }
  std::printf("\n");
  tso_run(1448, 8);
  tso_run(8960, 8);
  std::printf("\n");
  for (const std::uint16_t latency : {1, 50, 200})
    lookup_run(latency, 4000);
  return 0;
}
