// SPDX-License-Identifier: Apache-2.0
// Multi-core scaling on `soft` (issue 7, docs/multicore.md): requests per second
// (keep-alive request/response of small messages) and connections per second
// (connect, one request/response, close) with 1 and with 2 cores, and the ratio
// 2-core / 1-core.
//
// Each core is a thread that owns queue c of a client NIC and a server NIC on one
// link, and the client Stack and server Stack on those queues
// (sim/soft/multicore_echo.hpp); the Stacks run on the steady clock. So a core
// does the work of both ends of its connections, NIC model included, and the
// only things the cores share are the link (one mutex) and the NICs' RSS
// steering into per-queue rings. Every response is checked byte for byte; a
// run with a mismatch or a failed connection says so and exits non-zero. The
// rows take turns over --rounds rounds and each figure is the median of the
// rounds' (see main).
//
//   bench_scaling [--rounds N] [--seconds S] [--warmup S] [--concurrency N] [--message BYTES]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "sim/soft/multicore_echo.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::Duration;
using tandem::Instant;
using SteadyTime = std::chrono::steady_clock::time_point;
namespace sim = tandem::sim;
namespace stack = tandem::stack;
namespace tcp = tandem::tcp;
namespace wire = tandem::wire;

struct Options {
  double seconds = 1.0;
  double warmup = 0.3;
  unsigned rounds = 7;
  std::uint32_t concurrency = 16;  // connections each core keeps open
  std::size_t message = 64;
};

enum class Workload { requests, connections };

struct RunResult {
  double per_second = 0;
  double cpu_seconds = 0;  // CPU time the core threads got during the window
  std::uint64_t mismatches = 0;
  std::uint64_t failures = 0;
};

const wire::Ipv4Address kClient{0x0a000001};
const wire::Ipv4Address kServer{0x0a000002};

Instant clock_now() {
  return Instant(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The machine is shared: what else wanted the CPUs when a run started.
std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  char line[64] = {};
  const bool ok = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  std::string s = ok ? line : "?";
  return s.substr(0, s.find(' '));
}

// How the cores are put to work.
enum class Layout {
  shared,       // one pair of `cores`-queue NICs on one link, flows steered by RSS
  independent,  // each core its own pair of one-queue NICs on a link of its own
};

RunResult run(std::uint16_t cores, Workload workload, Layout layout, const Options& options) {
  // The independent layout is `cores` one-core worlds: nothing at all shared
  // between the threads, so what it loses against one core alone is what the
  // machine itself costs (shared caches and memory, clock rates with two cores
  // busy), not the design.
  const std::uint16_t worlds = layout == Layout::shared ? 1 : cores;
  const std::uint16_t cores_per_world = layout == Layout::shared ? cores : 1;
  std::vector<std::unique_ptr<sim::MulticoreHosts>> hosts;
  for (std::uint16_t w = 0; w < worlds; ++w) {
    sim::MulticoreConfig config;
    config.cores = cores_per_world;
    config.threaded = true;  // one core too: the same locks, uncontended
    config.client = sim::multicore_host_config(kClient, 1);
    config.server = sim::multicore_host_config(kServer, 2);
    hosts.push_back(std::make_unique<sim::MulticoreHosts>(config, clock_now()));
  }
  // Core c: world c / cores_per_world, its core c % cores_per_world.
  const auto world_of = [&](std::uint16_t c) -> sim::MulticoreHosts& {
    return *hosts[c / cores_per_world];
  };
  const auto core_in_world = [&](std::uint16_t c) {
    return static_cast<std::uint16_t>(c % cores_per_world);
  };

  sim::EchoConfig echo;
  echo.server = tcp::Endpoint{kServer, 8080};
  echo.message = options.message;
  echo.concurrency = options.concurrency;
  echo.rounds = workload == Workload::requests ? 0 : 1;
  std::vector<std::unique_ptr<sim::EchoCore>> apps;
  for (std::uint16_t c = 0; c < cores; ++c) {
    apps.push_back(std::make_unique<sim::EchoCore>(world_of(c).client(core_in_world(c)),
                                                   world_of(c).server(core_in_world(c)), echo));
  }

  const SteadyTime start = std::chrono::steady_clock::now();
  const auto measure_from = start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::duration<double>(options.warmup));
  const auto measure_to = measure_from + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::duration<double>(options.seconds));
  // Each core counts its own window, so that no core reads another's state.
  std::vector<std::uint64_t> counted(cores, 0);
  std::vector<double> cpu(cores, 0);
  const auto core = [&](std::uint16_t c) {
    const auto measure = [&] {
      const auto& n = apps[c]->counters();
      return workload == Workload::requests ? n.exchanges : n.completed;
    };
    std::uint64_t at_start = 0;
    double cpu_at_start = 0;
    bool measuring = false;
    for (;;) {
      const auto t = std::chrono::steady_clock::now();
      if (!measuring && t >= measure_from) {
        measuring = true;
        at_start = measure();
        cpu_at_start = thread_cpu_seconds();
      }
      if (t >= measure_to) break;
      const Instant now = clock_now();
      world_of(c).poll_core(core_in_world(c), now);
      apps[c]->run(now);
    }
    counted[c] = measure() - at_start;
    cpu[c] = thread_cpu_seconds() - cpu_at_start;
  };
  std::vector<std::thread> threads;
  for (std::uint16_t c = 1; c < cores; ++c)
    threads.emplace_back(core, c);
  core(0);
  for (auto& t : threads)
    t.join();

  RunResult r;
  for (std::uint16_t c = 0; c < cores; ++c) {
    r.per_second += static_cast<double>(counted[c]) / options.seconds;
    r.cpu_seconds += cpu[c];
    r.mismatches += apps[c]->counters().mismatches;
    r.failures += apps[c]->counters().failures + apps[c]->counters().connect_errors;
  }
  return r;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (arg == "--seconds") {
      o.seconds = std::strtod(value, nullptr);
    } else if (arg == "--warmup") {
      o.warmup = std::strtod(value, nullptr);
    } else if (arg == "--rounds") {
      o.rounds = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--concurrency") {
      o.concurrency = static_cast<std::uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--message") {
      o.message = std::strtoul(value, nullptr, 10);
    } else {
      return false;
    }
  }
  return o.seconds > 0 && o.warmup >= 0 && o.rounds > 0 && o.concurrency > 0 && o.message > 0;
}

// The middle value (the mean of the two middle ones for an even count).
double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: bench_scaling [--rounds N] [--seconds S] [--warmup S] [--concurrency N] "
                 "[--message BYTES]\n");
    return 2;
  }
  std::printf(
      "soft backend, %zu-byte messages, %u connections open per core; %u rounds, each row "
      "%.1f s measured after %.1f s warm-up; hardware threads: %u\n",
      options.message, options.concurrency, options.rounds, options.seconds, options.warmup,
      std::thread::hardware_concurrency());
  std::printf("load average (1 min) at start: %s\n", load_average().c_str());
  struct Row {
    const char* name;
    std::uint16_t cores;
    Layout layout;
    std::vector<RunResult> rps;
    std::vector<RunResult> cps;
  };
  // The 1-core and 2-core rows are the measurement; the last row is the
  // machine's own ceiling for two cores (see Layout::independent). The rows
  // take turns, round after round: this machine's CPU rate drifts by a fifth
  // and more over tens of seconds, so a ratio is taken within a round, of
  // runs seconds apart, and the median of the rounds' ratios is the figure.
  Row rows[] = {{"1", 1, Layout::shared, {}, {}},
                {"2", 2, Layout::shared, {}, {}},
                {"2 independent", 2, Layout::independent, {}, {}}};
  Row& one = rows[0];
  Row& two = rows[1];
  Row& apart = rows[2];
  bool clean = true;
  const auto ratio = [](const RunResult& x, const RunResult& y) {
    return x.per_second / y.per_second;
  };
  std::vector<double> rps_ratio, cps_ratio, rps_ceiling, cps_ceiling, rps_sharing, cps_sharing;
  std::printf("%-6s %30s   %30s   %-22s %s\n", "round", "requests/s: 1, 2, 2 indep.",
              "connections/s: 1, 2, 2 indep.", "2-core/1-core rps, cps", "ceiling rps, cps");
  for (unsigned round = 0; round < options.rounds; ++round) {
    for (Row& row : rows) {
      row.rps.push_back(run(row.cores, Workload::requests, row.layout, options));
      row.cps.push_back(run(row.cores, Workload::connections, row.layout, options));
      for (const RunResult& x : {row.rps.back(), row.cps.back()}) {
        if (x.mismatches != 0 || x.failures != 0) {
          std::printf("  ERROR (%s cores): %llu byte mismatches, %llu failed connections\n",
                      row.name, static_cast<unsigned long long>(x.mismatches),
                      static_cast<unsigned long long>(x.failures));
          clean = false;
        }
      }
    }
    rps_ratio.push_back(ratio(two.rps.back(), one.rps.back()));
    cps_ratio.push_back(ratio(two.cps.back(), one.cps.back()));
    rps_ceiling.push_back(ratio(apart.rps.back(), one.rps.back()));
    cps_ceiling.push_back(ratio(apart.cps.back(), one.cps.back()));
    rps_sharing.push_back(ratio(two.rps.back(), apart.rps.back()));
    cps_sharing.push_back(ratio(two.cps.back(), apart.cps.back()));
    std::printf("%-6u %9.0f %9.0f %10.0f   %9.0f %9.0f %10.0f   %5.2f %5.2f %15.2f %5.2f\n",
                round + 1, one.rps.back().per_second, two.rps.back().per_second,
                apart.rps.back().per_second, one.cps.back().per_second, two.cps.back().per_second,
                apart.cps.back().per_second, rps_ratio.back(), cps_ratio.back(), rps_ceiling.back(),
                cps_ceiling.back());
  }

  // Medians over the rounds, with the CPU time the core threads got.
  std::printf("\n%-13s %12s %10s %12s %14s %10s %12s   (medians)\n", "cores", "requests/s", "cpu-s",
              "req/cpu-s", "connections/s", "cpu-s", "conn/cpu-s");
  const auto middle = [](const std::vector<RunResult>& runs, auto field) {
    std::vector<double> xs(runs.size());
    std::transform(runs.begin(), runs.end(), xs.begin(), field);
    return median(xs);
  };
  const auto rate = [](const RunResult& r) { return r.per_second; };
  const auto cpu = [](const RunResult& r) { return r.cpu_seconds; };
  const auto per_cpu_second = [&options](const RunResult& r) {
    return r.per_second * options.seconds / r.cpu_seconds;
  };
  for (const Row& row : rows) {
    std::printf("%-13s %12.0f %10.2f %12.0f %14.0f %10.2f %12.0f\n", row.name,
                middle(row.rps, rate), middle(row.rps, cpu), middle(row.rps, per_cpu_second),
                middle(row.cps, rate), middle(row.cps, cpu), middle(row.cps, per_cpu_second));
  }
  const auto range = [](const std::vector<double>& xs) {
    const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f (rounds %.2f-%.2f)", median(xs), *lo, *hi);
    return std::string(buf);
  };
  std::printf("ratio 2-core/1-core: requests/s %s, connections/s %s\n", range(rps_ratio).c_str(),
              range(cps_ratio).c_str());
  std::printf("machine ceiling, 2 independent/1-core: requests/s %s, connections/s %s\n",
              range(rps_ceiling).c_str(), range(cps_ceiling).c_str());
  std::printf(
      "2-core/2 independent (what sharing one NIC costs): requests/s %s, connections/s %s\n",
      range(rps_sharing).c_str(), range(cps_sharing).c_str());
  return clean ? 0 : 1;
}
