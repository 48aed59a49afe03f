// SPDX-License-Identifier: Apache-2.0
// bench_cosim: the RTL datapath (rtl/nic/nic_top) under Verilator through the
// sim backend, back to back with no back-pressure:
//   - cycles per frame on RX and TX for each frame size, and per 64 KiB TSO
//     job, converted to Gbit/s and to percent of 100 GbE line rate at 322 MHz
//     (a frame takes its bytes plus 20 of preamble, SFD and inter-frame gap
//     on the wire);
//   - lookups per cycle at table latencies 1, 50 and 200;
//   - co-simulation speed: frames and clock cycles per second of wall-clock
//     time and of the process's CPU time (the same on an unloaded core; on a
//     shared machine the CPU figure is the one that repeats).
// Rates are steady state: a run of N frames (or jobs) less a run of one, over
// N - 1, so the pipeline's fill and drain latency (printed apart) is not
// counted against the rate.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <vector>

#include "contract/nic_contract.hpp"
#include "sim/verilator/sim_device.hpp"

namespace {

using namespace tandem;
namespace c = tandem::contract;

constexpr double kClockHz = 322.265625e6;  // the 100 GbE CMAC clock on the card
constexpr double kLineBitsPerSecond = 100e9;
constexpr std::size_t kWireOverhead = 20;  // preamble 7 + SFD 1 + IFG 12
constexpr std::size_t kFcs = 4;            // added by the MAC, counted in the frame size

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Wall-clock and CPU time since construction.
struct Stopwatch {
  Clock::time_point wall0 = Clock::now();
  double cpu0 = cpu_seconds();
  double wall() const { return std::chrono::duration<double>(Clock::now() - wall0).count(); }
  double cpu() const { return cpu_seconds() - cpu0; }
};

// A device whose wire goes nowhere: RX is fed straight into the model. Its
// host rings hold every frame of a run, so none is dropped for want of room.
std::unique_ptr<sim::SimDevice> make_device() {
  sim::SimDeviceConfig config;
  config.rx_ring_size = 1u << 16;
  return std::make_unique<sim::SimDevice>(std::make_unique<sim::PcapPort>("", ""), config);
}

// An Ethernet/IPv4/TCP frame of `size` bytes counting the FCS (as frame sizes
// are quoted), from 10.0.0.1:src_port to 10.0.0.2:80; the NIC fills the
// checksums on TX, RX flags them.
std::vector<std::byte> tcp_frame(std::size_t size, std::uint16_t src_port) {
  const std::size_t len = size - kFcs;
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

// Percent of 100 GbE line rate that `wire_bytes` (frames with FCS and wire
// overhead) sent in `cycles` at kClockHz amount to.
double percent_of_line(double wire_bytes, double cycles) {
  const double seconds_on_wire = wire_bytes * 8 / kLineBitsPerSecond;
  const double seconds_in_nic = cycles / kClockHz;
  return 100.0 * seconds_on_wire / seconds_in_nic;
}

struct Run {
  std::uint64_t cycles = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;
};

struct Rate {
  double cycles_per_item = 0;  // steady state
  std::uint64_t latency = 0;   // cycles for one item alone
  double items = 0;            // in the long run
  Run run;                     // the long run
};

// `run(n)` posts n items on a fresh device and clocks it until idle.
template <typename RunN>
Rate steady_rate(int n, RunN run) {
  const Run one = run(1);
  const Run many = run(n);
  return {static_cast<double>(many.cycles - one.cycles) / (n - 1), one.cycles,
          static_cast<double>(n), many};
}

Run timed(sim::SimDevice& d) {
  const std::uint64_t start = d.cycles();
  const Stopwatch watch;
  d.run_until_idle();
  return {d.cycles() - start, watch.wall(), watch.cpu()};
}

Run rx_run(std::size_t size, int frames) {
  auto d = make_device();
  const auto f = tcp_frame(size, 40000);
  for (int i = 0; i < frames; ++i)
    d->on_wire_frame(f, Instant{});
  return timed(*d);
}

Run tx_run(std::size_t size, int frames) {
  auto d = make_device();
  const auto f = tcp_frame(size, 40000);
  for (int i = 0; i < frames; ++i)
    d->send_frame(0, f, c::tx_flag::fill_ipv4_checksum | c::tx_flag::fill_l4_checksum);
  return timed(*d);
}

void print_frames(const char* what, std::size_t size, const Rate& r) {
  const double gbps = kClockHz / r.cycles_per_item * static_cast<double>(size) * 8 / 1e9;
  std::printf("%-3s %5zu B  %7.2f cyc/frame  %6.1f Gbit/s  %6.1f %%  latency %4llu cyc\n", what,
              size, r.cycles_per_item, gbps,
              percent_of_line(static_cast<double>(size + kWireOverhead), r.cycles_per_item),
              static_cast<unsigned long long>(r.latency));
}

struct Speed {
  const char* what;
  Rate rate;
};

// TSO jobs of 64 KiB with a 54-byte template: what each job puts on the wire.
struct TsoShape {
  double segments = 0;
  double wire_bytes = 0;   // frames with FCS and wire overhead
  double frame_bytes = 0;  // frames with FCS
};

TsoShape tso_shape(std::uint16_t mss) {
  TsoShape s;
  for (std::size_t left = c::kTsoMaxPayload; left > 0;) {
    const std::size_t seg = std::min<std::size_t>(left, mss);
    s.segments += 1;
    s.frame_bytes += static_cast<double>(54 + seg + kFcs);
    s.wire_bytes += static_cast<double>(54 + seg + kFcs + kWireOverhead);
    left -= seg;
  }
  return s;
}

Run tso_run(std::uint16_t mss, int jobs) {
  auto d = make_device();
  const auto header = tcp_frame(58, 40000);  // a 54-byte template
  std::vector<std::byte> payload(c::kTsoMaxPayload);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = std::byte(i);
  const std::array<dev::ByteSpan, 1> pieces{dev::ByteSpan(payload)};
  // send_tso() clocks the model until its job's status is back (it returns
  // it), so the clock runs from before the first job is posted.
  const std::uint64_t start = d->cycles();
  const Stopwatch watch;
  for (int j = 0; j < jobs; ++j)
    d->send_tso(0, dev::ByteSpan(header).first(54), pieces, mss);
  d->run_until_idle();
  return {d->cycles() - start, watch.wall(), watch.cpu()};
}

void print_tso(std::uint16_t mss, const Rate& r) {
  const TsoShape s = tso_shape(mss);
  const double gbps = kClockHz / r.cycles_per_item * s.frame_bytes * 8 / 1e9;
  std::printf(
      "TSO 64 KiB mss %4u  %3.0f segments  %8.1f cyc/job  %6.1f Gbit/s  %6.1f %%  latency %5llu "
      "cyc\n",
      mss, s.segments, r.cycles_per_item, gbps, percent_of_line(s.wire_bytes, r.cycles_per_item),
      static_cast<unsigned long long>(r.latency));
}

// 64-byte frames of 128 flows, half of them in the flow table, so lookups both
// hit (one table read each) and miss; every frame is looked up.
constexpr int kLookupFlows = 128;

Run lookup_run(std::uint16_t latency, int frames, std::size_t* hits) {
  auto d = make_device();
  d->set_table_latency(latency);
  for (std::uint32_t i = 0; i < kLookupFlows / 2; ++i) {
    c::FlowCommand cmd;
    cmd.key = c::FlowKey4{0x0a000001, 0x0a000002, static_cast<std::uint16_t>(40000 + 2 * i), 80};
    cmd.conn_id = i;
    cmd.tag = i;
    d->submit_flow_command(cmd);
    std::array<c::FlowCompletion, 1> done{};
    d->poll_flow_completions(done);
  }
  std::vector<std::vector<std::byte>> f;
  f.reserve(kLookupFlows);
  for (int i = 0; i < kLookupFlows; ++i)
    f.push_back(tcp_frame(64, static_cast<std::uint16_t>(40000 + i)));
  for (int i = 0; i < frames; ++i)
    d->on_wire_frame(f[static_cast<std::size_t>(i) % f.size()], Instant{});
  const Run r = timed(*d);
  struct Count final : dev::RxSink {
    void on_receive(const c::RxMeta& meta, dev::ByteSpan) override {
      hits += meta.conn_id != c::kLookupMiss ? 1 : 0;
    }
    std::size_t hits = 0;
  } count;
  for (std::uint16_t q = 0; q < sim::SimDevice::queues(); ++q) {
    while (d->receive(q, 256, count) > 0) {
    }
  }
  if (hits != nullptr) *hits = count.hits;
  return r;
}

int frames_for(std::size_t size) {
  return size <= 512 ? 4000 : size <= 1518 ? 1500 : 400;
}

}  // namespace

int main() {
  try {
    std::printf("nic_top under Verilator, %u host queues, clock %.2f MHz, no back-pressure\n",
                sim::SimDevice::queues(), kClockHz / 1e6);
    std::printf(
        "frame sizes count the 4-byte FCS; %% is of 100 GbE line rate (20 B preamble+IFG a "
        "frame);\nrates are steady state, latency is one frame (or job) alone through an idle "
        "NIC\n\n");
    static constexpr std::array<std::size_t, 8> kSizes{64, 128, 256, 512, 1024, 1518, 4096, 9000};
    std::vector<Speed> speeds;
    for (const std::size_t size : kSizes) {
      const Rate r = steady_rate(frames_for(size), [&](int n) { return rx_run(size, n); });
      print_frames("RX", size, r);
      if (size == 64 || size == 1518) speeds.push_back({size == 64 ? "RX 64 B" : "RX 1518 B", r});
    }
    std::printf("\n");
    for (const std::size_t size : kSizes) {
      const Rate r = steady_rate(frames_for(size), [&](int n) { return tx_run(size, n); });
      print_frames("TX", size, r);
      if (size == 64 || size == 1518) speeds.push_back({size == 64 ? "TX 64 B" : "TX 1518 B", r});
    }
    std::printf("\n");
    for (const std::uint16_t mss : {std::uint16_t{1448}, std::uint16_t{8960}}) {
      const Rate r = steady_rate(8, [&](int n) { return tso_run(mss, n); });
      print_tso(mss, r);
      Rate segments = r;
      segments.items *= tso_shape(mss).segments;
      speeds.push_back(
          {mss == 1448 ? "TSO mss 1448 (segments)" : "TSO mss 8960 (segments)", segments});
    }
    std::printf("\n");
    for (const std::uint16_t latency : {1, 50, 200}) {
      constexpr int kFrames = 4000;
      std::size_t hits = 0;
      const Rate r = steady_rate(
          kFrames, [&](int n) { return lookup_run(latency, n, n == kFrames ? &hits : nullptr); });
      std::printf(
          "lookup, table latency %3u cyc: %5.3f lookups/cycle  latency %3llu cyc  (%zu of %d "
          "hit)\n",
          latency, 1.0 / r.cycles_per_item, static_cast<unsigned long long>(r.latency), hits,
          kFrames);
    }
    std::printf(
        "\nco-simulation speed (this machine)  per CPU-second          per wall-clock second\n");
    for (const auto& s : speeds) {
      const Run& r = s.rate.run;
      std::printf("%-24s %9.0f frames %5.0f kcycles   %9.0f frames %5.0f kcycles\n", s.what,
                  s.rate.items / r.cpu_seconds, static_cast<double>(r.cycles) / r.cpu_seconds / 1e3,
                  s.rate.items / r.wall_seconds,
                  static_cast<double>(r.cycles) / r.wall_seconds / 1e3);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cosim: %s\n", e.what());
    return 1;
  }
}
