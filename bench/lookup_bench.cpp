// SPDX-License-Identifier: Apache-2.0
// bench_lookup: the figures of the conn_lookup kernel (hls/conn_lookup).
//
//  1. Load factor at the first insert the cuckoo search could not place (what a
//     table without stash would answer `full` to), and at the first `full` with
//     the 32-entry stash, for 64K, 1M and 4M entries and four key patterns.
//  2. Memory reads per lookup, hits and misses, counted by the table memory model
//     on the kernel's own routing and matching (run_lookup, which the lookup
//     pipeline shares), at the fill level of (1).
//  3. Lookups per cycle through the cycle-level kernel at memory latency 1, 50
//     and 200 cycles, with and without commands mixed in.
//  4. Native lookups per second: the cycle-level model (kernel + memory model
//     stepped per cycle) and the bulk path.
//
// Fills use the bulk path (run_command: the command state machine with reads
// answered at once); everything else is as the kernel does it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <random>
#include <vector>

#include "hls/conn_lookup/conn_lookup.hpp"
#include "hls/conn_lookup/table_memory.hpp"

namespace {

using tandem::contract::ConnectionId;
using tandem::contract::FlowCommand;
using tandem::contract::FlowCompletion;
using tandem::contract::FlowKey4;
using tandem::contract::FlowOp;
using tandem::contract::FlowStatus;
using tandem::contract::kLookupMiss;
using namespace tandem::hls_kernels;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

enum class Pattern {
  random_tuples,
  fixed_ips_sequential_ports,
  four_ips_random_ports,
  fixed_ports_sequential_ips
};

const char* pattern_name(Pattern p) {
  switch (p) {
    case Pattern::random_tuples:
      return "random 4-tuples";
    case Pattern::fixed_ips_sequential_ports:
      return "fixed IPs, sequential ports";
    case Pattern::four_ips_random_ports:
      return "4 IPs, random ports";
    case Pattern::fixed_ports_sequential_ips:
      return "fixed ports, sequential IPs";
  }
  return "?";
}

FlowKey4 random_key(std::mt19937_64& rng) {
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  return FlowKey4{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32),
                  static_cast<std::uint16_t>(b), static_cast<std::uint16_t>(b >> 16)};
}

FlowKey4 make_key(Pattern p, std::uint32_t i, std::mt19937_64& rng) {
  switch (p) {
    case Pattern::random_tuples:
      return random_key(rng);
    case Pattern::fixed_ips_sequential_ports:
      // The remote port counts up; the local port moves on every 64K flows.
      return FlowKey4{0x0a000001, 0xc0a80001, static_cast<std::uint16_t>(i),
                      static_cast<std::uint16_t>(443 + (i >> 16))};
    case Pattern::four_ips_random_ports: {
      const std::uint64_t r = rng();
      return FlowKey4{0x0a000001 + static_cast<std::uint32_t>(r & 3), 0xc0a80001,
                      static_cast<std::uint16_t>(r >> 16), static_cast<std::uint16_t>(r >> 32)};
    }
    case Pattern::fixed_ports_sequential_ips:
      return FlowKey4{0x0a000000 + i, 0xc0a80001, 40000, 80};
  }
  return FlowKey4{};
}

FlowCommand insert_cmd(const FlowKey4& key, ConnectionId id) {
  FlowCommand c;
  c.op = FlowOp::insert;
  c.key = key;
  c.conn_id = id;
  return c;
}

struct FillFigures {
  double no_stash_load = 0;  // load when the first insert needed the stash
  double full_load = 0;      // load at the first `full`, stash included
  double reads_per_hit = 0;
  double reads_per_table_hit = 0;  // stash hits left out
  std::uint64_t max_reads = 0;     // most reads any one lookup needed
  double reads_per_miss = 0;
  double primary_first_reads = 0;  // what a plain primary-then-alternate probe would read
  double bulk_lookups_per_s = 0;
  double fill_seconds = 0;
  bool all_found = true;
};

// Fills a table with `pattern` until the first `full`, then measures lookups.
template <std::uint32_t kCap>
FillFigures fill_and_measure(Pattern pattern, std::uint64_t seed) {
  using Kernel = ConnLookup<kCap>;
  auto kernel = std::make_unique<Kernel>();
  TableMemory mem(Kernel::kBuckets, 1);
  std::mt19937_64 rng(seed);
  std::vector<FlowKey4> keys;
  keys.reserve(Kernel::kSlots + kStashSize);
  FillFigures f;
  f.no_stash_load = -1;
  const auto t0 = Clock::now();
  for (std::uint32_t i = 0;; ++i) {
    const FlowKey4 key = make_key(pattern, i, rng);
    const FlowStatus st =
        kernel->run_command(insert_cmd(key, static_cast<ConnectionId>(keys.size())), mem).status;
    if (st == FlowStatus::exists) continue;  // random ports repeat now and then
    if (st == FlowStatus::full) break;
    if (f.no_stash_load < 0 && kernel->stash_entries() != 0)
      f.no_stash_load = static_cast<double>(keys.size()) / Kernel::kSlots;
    keys.push_back(key);
  }
  f.fill_seconds = seconds_since(t0);
  f.full_load = static_cast<double>(keys.size()) / Kernel::kSlots;

  // Hits: every flow, through the kernel's routing and matching.
  std::uint64_t reads = mem.reads();
  const auto t1 = Clock::now();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::uint64_t before = mem.reads();
    f.all_found &= kernel->run_lookup(keys[i], mem) == static_cast<ConnectionId>(i);
    f.max_reads = std::max(f.max_reads, mem.reads() - before);
  }
  f.bulk_lookups_per_s = static_cast<double>(keys.size()) / seconds_since(t1);
  f.reads_per_hit = static_cast<double>(mem.reads() - reads) / static_cast<double>(keys.size());
  f.reads_per_table_hit = static_cast<double>(mem.reads() - reads) /
                          static_cast<double>(keys.size() - kernel->stash_entries());

  // Misses: keys never inserted.
  std::mt19937_64 miss_rng(seed ^ 0x5555);
  const std::uint32_t misses = 1u << 20;
  reads = mem.reads();
  for (std::uint32_t i = 0; i < misses; ++i) {
    const std::uint64_t before = mem.reads();
    f.all_found &= kernel->run_lookup(random_key(miss_rng), mem) == kLookupMiss;
    f.max_reads = std::max(f.max_reads, mem.reads() - before);
  }
  f.reads_per_miss = static_cast<double>(mem.reads() - reads) / misses;

  // For comparison: a probe that reads the primary bucket first and the
  // alternate only if the key is not there (stash hits read nothing).
  std::uint64_t plain = 0;
  for (const FlowKey4& key : keys) {
    const typename Kernel::Probe p = kernel->probe(key);
    bool in_primary = false, in_alternate = false;
    for (int s = 0; s < kSlotsPerBucket; ++s) {
      in_primary |=
          slot_id(mem.word(p.primary), s) != kLookupMiss && slot_key(mem.word(p.primary), s) == key;
      in_alternate |= slot_id(mem.word(p.alternate), s) != kLookupMiss &&
                      slot_key(mem.word(p.alternate), s) == key;
    }
    plain += in_primary ? 1 : in_alternate ? 2 : 0;
  }
  f.primary_first_reads = static_cast<double>(plain) / static_cast<double>(keys.size());
  return f;
}

// Lookups per cycle through the cycle-level kernel. Input always there, output
// always read; optionally one insert (or remove) per `lookups_per_command`.
struct PipelineFigures {
  double lookups_per_cycle = 0;
  double reads_per_lookup = 0;
  double model_lookups_per_s = 0;
};

template <std::uint32_t kCap>
PipelineFigures pipeline_rate(ConnLookup<kCap>& kernel, TableMemory& mem,
                              const std::vector<FlowKey4>& live, unsigned latency,
                              std::uint32_t lookups, std::uint32_t lookups_per_command) {
  mem.set_latency(latency);
  hls::stream<LookupRequest> in;
  hls::stream<LookupResult> out;
  hls::stream<FlowCommand> cmds;
  hls::stream<FlowCompletion> statuses;
  hls::stream<TableRead> rd;
  hls::stream<BucketWord> data;
  hls::stream<TableWrite> wr;
  std::mt19937_64 rng(latency * 7 + lookups_per_command);
  std::uint32_t fed = 0, answered = 0, commands = 0;
  std::uint64_t cycles = 0;
  std::vector<FlowKey4> added;
  const std::uint64_t lookup_reads = kernel.counters().lookup_reads;
  const auto t0 = Clock::now();
  while (answered < lookups) {
    if (fed < lookups && in.empty()) {
      LookupRequest r;
      r.key = fed % 3 == 2 ? random_key(rng) : live[rng() % live.size()];
      r.tag = static_cast<std::uint16_t>(fed);
      in.write(r);
      ++fed;
      if (lookups_per_command != 0 && fed % lookups_per_command == 0) {
        // Alternate inserting a new flow and removing it again, so that the load
        // stays where it is.
        FlowCommand c;
        if (commands % 2 == 0) {
          added.push_back(random_key(rng));
          c = insert_cmd(added.back(), 0x00c0ffee);
        } else {
          c.op = FlowOp::remove;
          c.key = added.back();
        }
        c.tag = commands++;
        cmds.write(c);
      }
    }
    kernel.step(in, out, cmds, statuses, rd, data, wr);
    mem.step(rd, data, wr);
    ++cycles;
    while (!out.empty()) {
      out.read();
      ++answered;
    }
    while (!statuses.empty())
      statuses.read();
  }
  while (!kernel.idle() || !cmds.empty()) {
    kernel.step(in, out, cmds, statuses, rd, data, wr);
    mem.step(rd, data, wr);
    while (!statuses.empty())
      statuses.read();
  }
  PipelineFigures p;
  p.lookups_per_cycle = static_cast<double>(lookups) / static_cast<double>(cycles);
  p.reads_per_lookup = static_cast<double>(kernel.counters().lookup_reads - lookup_reads) / lookups;
  p.model_lookups_per_s = static_cast<double>(lookups) / seconds_since(t0);
  return p;
}

void print_fill_row(const char* size, Pattern p, const FillFigures& f) {
  std::printf("  %-5s %-30s %7.2f%% %7.2f%%   %7.5f %7.5f %7.5f %4u   %6.4f   %4.1fs%s\n", size,
              pattern_name(p), 100.0 * f.no_stash_load, 100.0 * f.full_load, f.reads_per_hit,
              f.reads_per_table_hit, f.reads_per_miss, static_cast<unsigned>(f.max_reads),
              f.primary_first_reads, f.fill_seconds, f.all_found ? "" : "  LOOKUP MISMATCH");
}

template <std::uint32_t kCap>
void on_chip_row(const char* size) {
  using K = ConnLookup<kCap>;
  // One URAM (4096 x 72 bits) row holds one bucket's 48-bit mirror word.
  std::printf("  %-5s %8u buckets  mirror %6.2f MiB  (%u URAM288 as 4096x72)\n", size, K::kBuckets,
              static_cast<double>(K::kMirrorBits) / 8 / 1024 / 1024, (K::kBuckets + 4095) / 4096);
}

}  // namespace

int run() {
  const auto start = Clock::now();
  std::printf(
      "conn_lookup: bucketized cuckoo hash, 4 slots of 16 B per 64 B bucket, 2 buckets per key\n");
  std::printf(
      "(partial-key: b2 = b1 ^ offset(fingerprint)), %d-bit on-chip fingerprint per slot, "
      "%d-entry stash, search budget %d buckets\n\n",
      kFingerprintBits, kStashSize, kBfsNodes);

  std::printf("On-chip cost of the fingerprint mirror:\n");
  on_chip_row<65536>("64K");
  on_chip_row<(1u << 20)>("1M");
  on_chip_row<(4u << 20)>("4M");

  std::printf(
      "\nLoad factor (entries / slots) and memory reads per lookup, filled to the first `full`\n");
  std::printf(
      "  no stash: load when the first insert needed the stash (a stash-less table refuses it)\n");
  std::printf(
      "  rd/hit: every flow looked up once (stash hits read nothing); rd/tbl: the same "
      "over flows in the table;\n  rd/miss: 2^20 absent keys; max: most reads of any "
      "one lookup; 1st-pr: reads per hit of a plain\n  2-choice probe (primary bucket, "
      "then alternate) on the same table, for comparison\n");
  std::printf("  %-5s %-30s %8s %8s   %7s %7s %7s %4s   %6s   %5s\n", "size", "keys", "no stash",
              "stash", "rd/hit", "rd/tbl", "rd/miss", "max", "1st-pr", "fill");
  const Pattern patterns[] = {Pattern::random_tuples, Pattern::fixed_ips_sequential_ports,
                              Pattern::four_ips_random_ports, Pattern::fixed_ports_sequential_ips};
  double bulk_rate = 0;
  for (Pattern p : patterns)
    print_fill_row("64K", p, fill_and_measure<65536>(p, 1));
  for (Pattern p : patterns)
    print_fill_row("1M", p, fill_and_measure<(1u << 20)>(p, 2));
  for (Pattern p : patterns) {
    const FillFigures f = fill_and_measure<(4u << 20)>(p, 3);
    if (p == Pattern::random_tuples) bulk_rate = f.bulk_lookups_per_s;
    print_fill_row("4M", p, f);
  }

  // A stash-less run, to show the "no stash" column is what it claims.
  {
    ConnLookupConfig cfg;
    cfg.stash_entries = 0;
    auto kernel = std::make_unique<ConnLookup<65536>>(cfg);
    TableMemory mem(ConnLookup<65536>::kBuckets, 1);
    std::mt19937_64 rng(1);
    std::uint32_t n = 0;
    while (kernel->run_command(insert_cmd(random_key(rng), n), mem).status == FlowStatus::ok)
      ++n;
    std::printf("  check: 64K random with the stash disabled: first `full` at %.2f%%\n",
                100.0 * n / ConnLookup<65536>::kSlots);
  }

  std::printf(
      "\nLookup pipeline, cycle-level (1M table at 90%% load; 2/3 hits, 1/3 misses; "
      "input always valid, output never stalled):\n");
  std::printf("  %-14s %14s %13s %27s %26s\n", "memory latency", "lookups/cycle", "reads/lookup",
              "+1 command / 1000 lookups", "+1 command / 100 lookups");
  constexpr std::uint32_t kCap = 1u << 20;
  auto kernel = std::make_unique<ConnLookup<kCap>>();
  TableMemory mem(ConnLookup<kCap>::kBuckets, 1);
  std::vector<FlowKey4> live;
  {
    std::mt19937_64 rng(4);
    while (live.size() < std::size_t{kCap} / 10 * 9) {
      const FlowKey4 k = random_key(rng);
      if (kernel->run_command(insert_cmd(k, static_cast<ConnectionId>(live.size())), mem).status ==
          FlowStatus::ok)
        live.push_back(k);
    }
  }
  double model_rate = 0;
  for (unsigned latency : {1u, 50u, 200u}) {
    const PipelineFigures plain = pipeline_rate(*kernel, mem, live, latency, 400000, 0);
    const PipelineFigures rare = pipeline_rate(*kernel, mem, live, latency, 400000, 1000);
    const PipelineFigures often = pipeline_rate(*kernel, mem, live, latency, 200000, 100);
    if (latency == 1) model_rate = plain.model_lookups_per_s;
    std::printf("  %-14u %14.4f %13.4f %27.4f %26.4f\n", latency, plain.lookups_per_cycle,
                plain.reads_per_lookup, rare.lookups_per_cycle, often.lookups_per_cycle);
  }

  std::printf("\nNative lookups per second (this machine, one core):\n");
  std::printf("  cycle-level model (kernel + memory model stepped per cycle): %6.2f M/s\n",
              model_rate / 1e6);
  std::printf("  bulk path run_lookup, 4M table:                              %6.2f M/s\n",
              bulk_rate / 1e6);
  std::printf("\ntotal %.1f s\n", seconds_since(start));
  return 0;
}

int main() {
  // A benchmark that cannot allocate or hits a kernel bug says so and fails.
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
