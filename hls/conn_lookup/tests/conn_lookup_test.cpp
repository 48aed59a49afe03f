// SPDX-License-Identifier: Apache-2.0
// conn_lookup against an independent reference: a std::unordered_map of the
// live flows. The kernel runs cycle by cycle with its table memory at several
// latencies, random idle cycles on its inputs and random back-pressure on its
// outputs; bulk phases (millions of operations) go through run_command() and
// run_lookup(), the same state machine and routing with reads answered at once.
//
// Ordering contract checked here: lookups and commands take effect in the order
// the kernel reads them from their streams (a lookup read in the same cycle as a
// command comes first). The drivers feed one item per stream at a time, see which
// was consumed in a cycle, and apply it to the reference in that order.
#define BOOST_TEST_MODULE conn_lookup
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "hls/conn_lookup/conn_lookup.hpp"
#include "hls/conn_lookup/table_memory.hpp"
#include "hls/conn_lookup/tests/conn_lookup_vectors.hpp"

template <>
struct boost::test_tools::tt_detail::print_log_value<tandem::contract::FlowStatus> {
  void operator()(std::ostream& out, tandem::contract::FlowStatus s) {
    static const char* const names[] = {"ok", "exists", "full", "not_found"};
    const auto i = static_cast<unsigned>(s);
    out << (i < 4 ? names[i] : "?");
  }
};

namespace {

using tandem::contract::AddressFamily;
using tandem::contract::ConnectionId;
using tandem::contract::FlowCommand;
using tandem::contract::FlowCompletion;
using tandem::contract::FlowKey4;
using tandem::contract::FlowOp;
using tandem::contract::FlowStatus;
using tandem::contract::kLookupMiss;
using namespace tandem::hls_kernels;

using tandem::hls_test::insert_cmd;
using tandem::hls_test::KeyPool;
using tandem::hls_test::make_pool;
using tandem::hls_test::random_key;
using tandem::hls_test::Reference;
using tandem::hls_test::remove_cmd;

// What the contract says a command must answer, applied to the reference.
FlowStatus reference_status(Reference& ref, const FlowCommand& c) {
  if (c.op == FlowOp::insert)
    return ref.emplace(c.key, c.conn_id).second ? FlowStatus::ok : FlowStatus::exists;
  return ref.erase(c.key) != 0 ? FlowStatus::ok : FlowStatus::not_found;
}

ConnectionId expected_id(const Reference& ref, const FlowKey4& key) {
  const auto it = ref.find(key);
  return it == ref.end() ? kLookupMiss : it->second;
}

// One kernel, its table memory and every stream between them and the test.
template <std::uint32_t kCapacity>
class Rig {
 public:
  using Kernel = ConnLookup<kCapacity>;

  explicit Rig(unsigned latency, const ConnLookupConfig& config = ConnLookupConfig())
      : kernel(std::make_unique<Kernel>(config)), mem(Kernel::kBuckets, latency) {}

  void tick() {
    kernel->step(lookups, results, cmds, statuses, rd, data, wr);
    // One read request and one write a cycle at most: the memory takes one each.
    port_overuse += rd.size() > 1 || wr.size() > 1;
    mem.step(rd, data, wr);
    ++cycle;
  }

  // Nothing in flight anywhere, and the memory ports were never overused.
  bool drained() const {
    return kernel->idle() && mem.idle() && lookups.empty() && results.empty() && cmds.empty() &&
           statuses.empty() && rd.empty() && data.empty() && wr.empty() && port_overuse == 0;
  }

  FlowStatus insert_now(const FlowKey4& key, ConnectionId id) {
    return kernel->run_command(insert_cmd(key, id, 0), mem).status;
  }
  FlowStatus remove_now(const FlowKey4& key) {
    return kernel->run_command(remove_cmd(key, 0), mem).status;
  }
  ConnectionId lookup_now(const FlowKey4& key) { return kernel->run_lookup(key, mem); }

  // Empty slots in memory, by the kLookupMiss marker: counts what the kernel
  // really wrote, independently of its on-chip bookkeeping.
  std::uint64_t occupied_slots() const {
    std::uint64_t n = 0;
    for (std::uint32_t b = 0; b < mem.buckets(); ++b) {
      for (int s = 0; s < kSlotsPerBucket; ++s)
        n += slot_id(mem.word(b), s) != kLookupMiss;
    }
    return n;
  }

  std::unique_ptr<Kernel> kernel;
  TableMemory mem;
  hls::stream<LookupRequest> lookups{"s_axis_lookup"};
  hls::stream<LookupResult> results{"m_axis_result"};
  hls::stream<FlowCommand> cmds{"s_axis_cmd"};
  hls::stream<FlowCompletion> statuses{"m_axis_cmd_status"};
  hls::stream<TableRead> rd{"lookup2table_rd"};
  hls::stream<BucketWord> data{"table2lookup_rd"};
  hls::stream<TableWrite> wr{"lookup2table_wr"};
  std::uint64_t cycle = 0;
  std::uint64_t port_overuse = 0;
};

// Drives a mix of lookups and commands through the cycle-level kernel and checks
// every answer against the reference. Operations come from `next_op`, which sees
// the reference as it stands and returns a command or a lookup key.
struct MixOptions {
  std::uint64_t operations = 0;
  double command_share = 0.5;
  double input_idle = 0.2;    // chance an input stays empty for a cycle
  double output_stall = 0.2;  // chance a consumer does not read for a cycle
};

struct MixStats {
  std::uint64_t lookups = 0, hits = 0, commands = 0, exists = 0, not_found = 0, full = 0;
};

template <std::uint32_t kCapacity>
MixStats run_mix(Rig<kCapacity>& rig, Reference& ref, std::mt19937_64& rng, const MixOptions& opt,
                 const std::function<FlowCommand(std::mt19937_64&, const Reference&)>& next_cmd,
                 const std::function<FlowKey4(std::mt19937_64&, const Reference&)>& next_key) {
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  struct Expected {
    std::uint16_t tag;
    ConnectionId id;
  };
  std::deque<Expected> want_results;
  std::deque<FlowCompletion> want_statuses;
  std::deque<FlowCommand> commands_in_flight;
  MixStats st;
  std::uint64_t issued = 0;
  std::uint32_t next_tag = 0;
  LookupRequest pending_lookup;
  FlowCommand pending_cmd;
  std::uint64_t guard = 0;
  bool next_is_command = coin(rng) < opt.command_share;

  while (issued < opt.operations || !want_results.empty() || !want_statuses.empty() ||
         !rig.lookups.empty() || !rig.cmds.empty()) {
    if (issued < opt.operations && coin(rng) >= opt.input_idle) {
      if (next_is_command) {
        if (rig.cmds.empty()) {
          pending_cmd = next_cmd(rng, ref);
          pending_cmd.tag = next_tag++;
          rig.cmds.write(pending_cmd);
          ++issued;
          next_is_command = coin(rng) < opt.command_share;
        }
      } else if (rig.lookups.empty()) {
        pending_lookup.key = next_key(rng, ref);
        pending_lookup.tag = static_cast<std::uint16_t>(next_tag++);
        rig.lookups.write(pending_lookup);
        ++issued;
        next_is_command = coin(rng) < opt.command_share;
      }
    }
    const bool lookup_waiting = !rig.lookups.empty();
    const bool cmd_waiting = !rig.cmds.empty();
    rig.tick();
    // At most one of the two is taken in a cycle; the reference follows suit.
    if (lookup_waiting && rig.lookups.empty())
      want_results.push_back({pending_lookup.tag, expected_id(ref, pending_lookup.key)});
    if (cmd_waiting && rig.cmds.empty()) {
      FlowCompletion c;
      c.tag = pending_cmd.tag;
      c.status = reference_status(ref, pending_cmd);
      want_statuses.push_back(c);
      commands_in_flight.push_back(pending_cmd);
    }
    if (!rig.results.empty() && coin(rng) >= opt.output_stall) {
      const LookupResult r = rig.results.read();
      BOOST_REQUIRE(!want_results.empty());
      BOOST_REQUIRE_EQUAL(r.tag, want_results.front().tag);
      BOOST_REQUIRE_EQUAL(r.conn_id, want_results.front().id);
      ++st.lookups;
      st.hits += r.conn_id != kLookupMiss;
      want_results.pop_front();
    }
    if (!rig.statuses.empty() && coin(rng) >= opt.output_stall) {
      const FlowCompletion c = rig.statuses.read();
      BOOST_REQUIRE(!want_statuses.empty());
      BOOST_REQUIRE_EQUAL(c.tag, want_statuses.front().tag);
      const FlowCommand& cmd = commands_in_flight.front();
      if (c.status == FlowStatus::full && want_statuses.front().status == FlowStatus::ok &&
          cmd.op == FlowOp::insert) {
        // `full` is the one answer the reference cannot predict; it is legitimate
        // only with the stash full, and then the flow must not be in the table.
        BOOST_REQUIRE_EQUAL(rig.kernel->stash_entries(), rig.kernel->config().stash_entries);
        ref.erase(cmd.key);
        ++st.full;
      } else {
        BOOST_REQUIRE_EQUAL(c.status, want_statuses.front().status);
      }
      st.exists += c.status == FlowStatus::exists;
      st.not_found += c.status == FlowStatus::not_found;
      ++st.commands;
      want_statuses.pop_front();
      commands_in_flight.pop_front();
    }
    BOOST_REQUIRE(++guard < 100 * (opt.operations + 1000) * (rig.mem.latency() + 20));
  }
  for (int i = 0; i < 4 && !rig.drained(); ++i)
    rig.tick();
  BOOST_TEST(rig.drained());
  return st;
}

// The bulk counterpart of run_mix: commands and lookups one after the other.
template <std::uint32_t kCapacity>
void run_bulk(Rig<kCapacity>& rig, Reference& ref, KeyPool& pool, std::mt19937_64& rng,
              std::uint64_t operations) {
  // Counted rather than asserted one by one: Boost's per-assertion bookkeeping
  // would dominate the run time.
  std::uint64_t wrong_status = 0, wrong_id = 0;
  for (std::uint64_t i = 0; i < operations; ++i) {
    if (rng() % 2 == 0) {
      const FlowCommand c = pool.next_cmd(rng);
      const FlowStatus got = rig.kernel->run_command(c, rig.mem).status;
      wrong_status += got != reference_status(ref, c);
    } else {
      const FlowKey4 k = pool.next_key(rng);
      wrong_id += rig.lookup_now(k) != expected_id(ref, k);
    }
  }
  BOOST_TEST(wrong_status == 0u);
  BOOST_TEST(wrong_id == 0u);
}

}  // namespace

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(slot_encoding)

BOOST_AUTO_TEST_CASE(slots_round_trip_in_every_position) {
  std::mt19937_64 rng(1);
  for (int s = 0; s < kSlotsPerBucket; ++s) {
    const FlowKey4 key = random_key(rng);
    const ConnectionId id = static_cast<ConnectionId>(rng());
    BucketWord word = ~BucketWord(0);
    const BucketWord mask = BucketWord(~SlotEntry(0)) << (kSlotBits * s);
    word = (word & ~mask) | (BucketWord(pack_slot(key, id)) << (kSlotBits * s));
    BOOST_TEST((slot_key(word, s) == key));
    BOOST_TEST(slot_id(word, s) == id);
    BOOST_TEST((slot_entry(word, s) == pack_slot(key, id)));
    // The neighbours are untouched.
    BOOST_TEST(slot_id(word, (s + 1) % kSlotsPerBucket) == kLookupMiss);
  }
  BOOST_TEST(slot_id(BucketWord(empty_slot()), 0) == kLookupMiss);
}

BOOST_AUTO_TEST_CASE(table_memory_answers_after_its_latency_in_order) {
  for (unsigned latency : {1u, 3u, 50u}) {
    TableMemory mem(8, latency);
    hls::stream<TableRead> rd;
    hls::stream<BucketWord> data;
    hls::stream<TableWrite> wr;
    TableWrite w;
    w.bucket = 5;
    w.slot = 2;
    w.entry = pack_slot(FlowKey4{1, 2, 3, 4}, 77);
    wr.write(w);
    mem.step(rd, data, wr);  // cycle 0: the write lands
    std::vector<std::uint64_t> answered;
    for (std::uint64_t c = 1; c < 60; ++c) {
      if (c <= 3) rd.write(TableRead{c == 2 ? 5u : 0u});
      if (!data.empty()) {
        const BucketWord word = data.read();
        answered.push_back(c);
        if (answered.size() == 2) BOOST_TEST(slot_id(word, 2) == 77u);
      }
      mem.step(rd, data, wr);
    }
    BOOST_REQUIRE_EQUAL(answered.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
      BOOST_TEST(answered[i] == 1 + i + latency);
    BOOST_TEST(mem.reads() == 3u);
    BOOST_TEST(mem.writes() == 1u);
    BOOST_TEST(mem.idle());
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(commands_against_reference)

// Every status exactly: ok, exists (in the table and in the stash), not_found,
// and a lookup after each change.
BOOST_AUTO_TEST_CASE(statuses_of_single_commands) {
  Rig<1024> rig(7);
  std::mt19937_64 rng(2);
  const FlowKey4 a = random_key(rng);
  const FlowKey4 b = random_key(rng);
  BOOST_TEST(rig.insert_now(a, 10) == FlowStatus::ok);
  BOOST_TEST(rig.insert_now(a, 11) == FlowStatus::exists);
  BOOST_TEST(rig.lookup_now(a) == 10u);
  BOOST_TEST(rig.lookup_now(b) == kLookupMiss);
  BOOST_TEST(rig.remove_now(b) == FlowStatus::not_found);
  BOOST_TEST(rig.remove_now(a) == FlowStatus::ok);
  BOOST_TEST(rig.remove_now(a) == FlowStatus::not_found);
  BOOST_TEST(rig.lookup_now(a) == kLookupMiss);
  BOOST_TEST(rig.kernel->entries() == 0u);
  BOOST_TEST(rig.occupied_slots() == 0u);
}

// What the contract cannot express is refused, counted, and changes nothing.
BOOST_AUTO_TEST_CASE(malformed_commands_are_rejected) {
  Rig<1024> rig(3);
  std::mt19937_64 rng(3);
  const FlowKey4 a = random_key(rng);
  FlowCommand bad_id = insert_cmd(a, kLookupMiss, 1);
  BOOST_TEST(rig.kernel->run_command(bad_id, rig.mem).status == FlowStatus::rejected);
  FlowCommand bad_family = insert_cmd(a, 5, 2);
  bad_family.family = static_cast<AddressFamily>(6);
  BOOST_TEST(rig.kernel->run_command(bad_family, rig.mem).status == FlowStatus::rejected);
  FlowCommand bad_op = insert_cmd(a, 5, 3);
  bad_op.op = static_cast<FlowOp>(9);
  BOOST_TEST(rig.kernel->run_command(bad_op, rig.mem).status == FlowStatus::rejected);
  BOOST_TEST(rig.kernel->counters().rejected == 3u);
  BOOST_TEST(rig.kernel->entries() == 0u);
  BOOST_TEST(rig.lookup_now(a) == kLookupMiss);
  BOOST_TEST(rig.mem.writes() == 0u);
}

// 2M operations at 64K entries, held near 80% load: a cycle-level share with
// idle cycles and back-pressure, the rest through the bulk path, all against
// the same reference. `full` must never happen at this load.
BOOST_AUTO_TEST_CASE(random_mix_64k_two_million_operations) {
  Rig<65536> rig(4);
  Reference ref;
  std::mt19937_64 rng(4);
  KeyPool pool = make_pool(70000, 5);
  // Fill to the operating point: 3/4 of the pool live, ~80% of the slots.
  pool.insert_share = 0.75;
  for (std::size_t i = 0; i < pool.keys.size(); ++i) {
    if (rng() % 4 != 0) {
      const FlowStatus got = rig.insert_now(pool.keys[i], pool.next_id);
      BOOST_REQUIRE(got == reference_status(ref, insert_cmd(pool.keys[i], pool.next_id, 0)));
      ++pool.next_id;
    }
  }
  const auto cmd = [&pool](std::mt19937_64& r, const Reference&) { return pool.next_cmd(r); };
  const auto key = [&pool](std::mt19937_64& r, const Reference&) { return pool.next_key(r); };

  MixOptions opt;
  opt.operations = 250000;
  const MixStats cyc = run_mix(rig, ref, rng, opt, cmd, key);
  run_bulk(rig, ref, pool, rng, 1750000);

  BOOST_TEST_MESSAGE("cycle-level: " << cyc.lookups << " lookups (" << cyc.hits << " hits), "
                                     << cyc.commands << " commands (" << cyc.exists << " exists, "
                                     << cyc.not_found << " not_found) in " << rig.cycle
                                     << " cycles; live " << ref.size());
  BOOST_TEST(cyc.lookups + cyc.commands == opt.operations);
  BOOST_TEST(cyc.exists > 1000u);
  BOOST_TEST(cyc.not_found > 1000u);
  BOOST_TEST(cyc.full == 0u);
  BOOST_TEST(rig.kernel->counters().inserts_full == 0u);
  BOOST_TEST(rig.kernel->entries() == ref.size());
  BOOST_TEST(rig.occupied_slots() == rig.kernel->table_entries());
  // Every live flow is found, every id is its latest.
  for (const auto& [k, id] : ref)
    BOOST_REQUIRE_EQUAL(rig.lookup_now(k), id);
  BOOST_TEST(rig.drained());
}

// A commands-only mix at memory latency 200 with heavy back-pressure: inserts
// and removes that move entries, answered in order with the right statuses.
BOOST_AUTO_TEST_CASE(commands_at_latency_200_under_back_pressure) {
  Rig<4096> rig(200);
  Reference ref;
  std::mt19937_64 rng(6);
  KeyPool pool = make_pool(4400, 7);
  pool.insert_share = 0.8;
  for (const FlowKey4& k : pool.keys) {
    if (rng() % 5 == 0) continue;
    BOOST_REQUIRE(rig.insert_now(k, pool.next_id) == FlowStatus::ok);
    ref.emplace(k, pool.next_id++);
  }
  MixOptions opt;
  opt.operations = 3000;
  opt.command_share = 0.7;
  opt.input_idle = 0.5;
  opt.output_stall = 0.6;
  const MixStats st = run_mix(
      rig, ref, rng, opt,
      [&pool](std::mt19937_64& r, const Reference&) { return pool.next_cmd(r); },
      [&pool](std::mt19937_64& r, const Reference&) { return pool.next_key(r); });
  BOOST_TEST(st.full == 0u);
  BOOST_TEST(rig.kernel->entries() == ref.size());
  BOOST_TEST(rig.kernel->counters().moves > 0u);
}

// Past the cuckoo limit the stash takes the overflow; `full` comes only when it
// is full too, never loses a flow, and clears once flows are removed.
BOOST_AUTO_TEST_CASE(full_only_when_stash_is_full) {
  for (const std::uint32_t stash : {0u, 8u, 32u}) {
    ConnLookupConfig cfg;
    cfg.stash_entries = stash;
    Rig<2048> rig(1, cfg);
    Reference ref;
    std::mt19937_64 rng(8 + stash);
    FlowKey4 rejected{};
    ConnectionId id = 1;
    for (;;) {
      const FlowKey4 k = random_key(rng);
      const FlowStatus st = rig.insert_now(k, id);
      if (st == FlowStatus::full) {
        rejected = k;
        break;
      }
      BOOST_REQUIRE(st == FlowStatus::ok);
      ref.emplace(k, id++);
      BOOST_REQUIRE_LE(ref.size(), 2048u + stash);
    }
    BOOST_TEST_MESSAGE("stash " << stash << ": full after " << ref.size() << " of 2048 slots");
    BOOST_TEST(rig.kernel->stash_entries() == stash);
    BOOST_TEST(ref.size() >= 2048u * 9 / 10);
    BOOST_TEST(rig.lookup_now(rejected) == kLookupMiss);
    for (const auto& [k, v] : ref)
      BOOST_REQUIRE_EQUAL(rig.lookup_now(k), v);
    // Removing flows makes room again; removing all leaves nothing behind.
    std::vector<FlowKey4> live;
    for (const auto& kv : ref)
      live.push_back(kv.first);
    for (std::size_t i = 0; i < live.size() / 10; ++i)
      BOOST_REQUIRE(rig.remove_now(live[i]) == FlowStatus::ok);
    BOOST_TEST(rig.insert_now(rejected, 999999) == FlowStatus::ok);
    BOOST_TEST(rig.lookup_now(rejected) == 999999u);
    BOOST_TEST(rig.remove_now(rejected) == FlowStatus::ok);
    for (std::size_t i = live.size() / 10; i < live.size(); ++i)
      BOOST_REQUIRE(rig.remove_now(live[i]) == FlowStatus::ok);
    BOOST_TEST(rig.kernel->entries() == 0u);
    BOOST_TEST(rig.occupied_slots() == 0u);
  }
}

// Flows in the stash answer like any other: lookups, exists, remove.
BOOST_AUTO_TEST_CASE(stashed_flows_behave_like_table_flows) {
  Rig<256> rig(2);
  std::mt19937_64 rng(9);
  Reference ref;
  ConnectionId id = 1;
  while (rig.kernel->stash_entries() < 4) {
    const FlowKey4 k = random_key(rng);
    BOOST_REQUIRE(rig.insert_now(k, id) == FlowStatus::ok);
    ref.emplace(k, id++);
  }
  for (const auto& [k, v] : ref) {
    BOOST_REQUIRE_EQUAL(rig.lookup_now(k), v);
    BOOST_REQUIRE(rig.insert_now(k, 0x1234) == FlowStatus::exists);
  }
  const std::uint64_t reads = rig.mem.reads();
  std::uint64_t stash_hits = 0;
  for (const auto& [k, v] : ref) {
    const std::uint64_t before = rig.mem.reads();
    (void)rig.lookup_now(k);
    stash_hits += rig.mem.reads() == before;
  }
  BOOST_TEST(stash_hits == rig.kernel->stash_entries());
  BOOST_TEST(rig.mem.reads() - reads == ref.size() - stash_hits);
  for (const auto& [k, v] : ref)
    BOOST_REQUIRE(rig.remove_now(k) == FlowStatus::ok);
  BOOST_TEST(rig.kernel->entries() == 0u);
  BOOST_TEST(rig.kernel->stash_entries() == 0u);
}

// Flows that share a fingerprint and a bucket pair must share a bucket (the
// kernel's invariant), so they move as a group. In a two-bucket table: bucket 0
// holds two such groups [A A C C]; a new flow with fingerprint C can only join
// bucket 0, which has room only once group A has moved to bucket 1 together.
BOOST_AUTO_TEST_CASE(fingerprint_groups_move_together) {
  Rig<8> rig(5);
  using Kernel = Rig<8>::Kernel;
  BOOST_REQUIRE_EQUAL(Kernel::kBuckets, 2u);
  std::mt19937_64 rng(12);
  // Keys constructed with the kernel's own hash; the check below is the reference.
  const auto find_key = [&](std::uint32_t fp) {
    for (;;) {
      const FlowKey4 k = random_key(rng);
      const Kernel::Probe p = rig.kernel->probe(k);
      if (p.primary == 0 && (fp == 0 || p.fingerprint == fp)) return k;
    }
  };
  const FlowKey4 a1 = find_key(0);
  const FlowKey4 a2 = find_key(rig.kernel->probe(a1).fingerprint);
  FlowKey4 c1 = find_key(0);
  while (rig.kernel->probe(c1).fingerprint == rig.kernel->probe(a1).fingerprint)
    c1 = find_key(0);
  const std::uint32_t fp_c = rig.kernel->probe(c1).fingerprint;
  const FlowKey4 c2 = find_key(fp_c);
  const FlowKey4 c3 = find_key(fp_c);
  Reference ref;
  ConnectionId id = 1;
  for (const FlowKey4& k : {a1, a2, c1, c2}) {
    BOOST_REQUIRE(rig.insert_now(k, id) == FlowStatus::ok);
    ref.emplace(k, id++);
  }
  BOOST_TEST(rig.kernel->counters().moves == 0u);
  BOOST_TEST(rig.insert_now(c3, id) == FlowStatus::ok);
  ref.emplace(c3, id++);
  BOOST_TEST(rig.kernel->counters().moves == 2u);
  BOOST_TEST(rig.kernel->stash_entries() == 0u);
  const std::uint64_t reads = rig.mem.reads();
  for (const auto& [k, v] : ref)
    BOOST_TEST(rig.lookup_now(k) == v);
  BOOST_TEST(rig.mem.reads() - reads == ref.size());
  BOOST_TEST(rig.occupied_slots() == ref.size());
}

// 1M entries: fill to 90%, look every flow up, remove them all.
BOOST_AUTO_TEST_CASE(one_million_entries_fill_lookup_remove) {
  constexpr std::uint32_t kCap = 1u << 20;
  Rig<kCap> rig(1);
  std::mt19937_64 rng(10);
  // Random 96-bit keys: with this seed no two of them are equal (an insert
  // answered `exists` would show it).
  const std::size_t n = kCap / 10 * 9;
  std::vector<FlowKey4> keys(n);
  for (FlowKey4& k : keys)
    k = random_key(rng);
  std::size_t not_ok = 0, wrong = 0;
  for (std::size_t i = 0; i < n; ++i)
    not_ok += rig.insert_now(keys[i], static_cast<ConnectionId>(i)) != FlowStatus::ok;
  BOOST_TEST(not_ok == 0u);
  BOOST_TEST(rig.kernel->entries() == n);
  const std::uint64_t reads = rig.mem.reads();
  for (std::size_t i = 0; i < n; ++i)
    wrong += rig.lookup_now(keys[i]) != static_cast<ConnectionId>(i);
  BOOST_TEST(wrong == 0u);
  // Exactly one memory read per hit: the fingerprint mirror routes each lookup.
  BOOST_TEST(rig.mem.reads() - reads == n - rig.kernel->stash_entries());
  for (std::size_t i = 0; i < n; ++i)
    not_ok += rig.remove_now(keys[i]) != FlowStatus::ok;
  BOOST_TEST(not_ok == 0u);
  BOOST_TEST(rig.kernel->entries() == 0u);
  for (std::size_t i = 0; i < n; i += 97)
    wrong += rig.lookup_now(keys[i]) != kLookupMiss;
  BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(pipelined_lookups)

namespace {

// Fills half of a 64K table and returns the live flows.
template <std::uint32_t kCap>
Reference half_full(Rig<kCap>& rig, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Reference ref;
  while (ref.size() < kCap / 2) {
    const FlowKey4 k = random_key(rng);
    const ConnectionId id = static_cast<ConnectionId>(ref.size() + 1);
    if (ref.emplace(k, id).second) BOOST_REQUIRE(rig.insert_now(k, id) == FlowStatus::ok);
  }
  return ref;
}

std::vector<FlowKey4> lookup_keys(const Reference& ref, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<FlowKey4> live;
  for (const auto& kv : ref)
    live.push_back(kv.first);
  std::vector<FlowKey4> keys;
  for (std::size_t i = 0; i < n; ++i)
    keys.push_back(i % 3 == 2 ? random_key(rng) : live[rng() % live.size()]);
  return keys;
}

}  // namespace

// With input always there and no back-pressure, one result every cycle once the
// pipeline is full: N lookups take N + latency + a small constant cycles.
BOOST_AUTO_TEST_CASE(one_lookup_per_cycle_at_latency_1_50_200) {
  Rig<65536> rig(1);
  const Reference ref = half_full(rig, 11);
  const std::vector<FlowKey4> keys = lookup_keys(ref, 5000, 12);
  for (unsigned latency : {1u, 50u, 200u}) {
    rig.mem.set_latency(latency);
    const std::uint64_t reads = rig.mem.reads();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      LookupRequest req;
      req.key = keys[i];
      req.tag = static_cast<std::uint16_t>(i);
      rig.lookups.write(req);
    }
    const std::uint64_t start = rig.cycle;
    std::vector<std::uint64_t> when;
    std::size_t hits = 0;
    while (when.size() < keys.size()) {
      rig.tick();
      if (!rig.results.empty()) {
        const LookupResult r = rig.results.read();
        BOOST_REQUIRE_EQUAL(r.tag, static_cast<std::uint16_t>(when.size()));
        BOOST_REQUIRE_EQUAL(r.conn_id, expected_id(ref, keys[when.size()]));
        hits += r.conn_id != kLookupMiss;
        when.push_back(rig.cycle - start);
      }
      BOOST_REQUIRE(rig.cycle - start < 10 * keys.size() + 1000);
    }
    for (std::size_t i = 1; i < when.size(); ++i)
      BOOST_REQUIRE_EQUAL(when[i], when[i - 1] + 1);
    const std::uint64_t total = when.back();
    BOOST_TEST_MESSAGE("latency " << latency << ": " << keys.size() << " lookups in " << total
                                  << " cycles, " << rig.mem.reads() - reads << " reads for " << hits
                                  << " hits");
    BOOST_TEST(total <= keys.size() + latency + 2);
    // Reads: one per hit, and only the misses whose fingerprint collides.
    BOOST_TEST(rig.mem.reads() - reads >= hits);
    BOOST_TEST(rig.mem.reads() - reads <= hits + (keys.size() - hits) / 20);
    BOOST_TEST(rig.drained());
  }
}

// Random idle cycles on the input, random stalls on the output, commands mixed
// in: results stay in order and right, and nothing is left over.
BOOST_AUTO_TEST_CASE(idle_cycles_and_back_pressure_at_latency_1_50_200) {
  for (unsigned latency : {1u, 50u, 200u}) {
    Rig<65536> rig(latency);
    Reference ref = half_full(rig, 13 + latency);
    KeyPool pool;
    for (const auto& kv : ref)
      pool.keys.push_back(kv.first);
    std::mt19937_64 seed_rng(14 + latency);
    for (int i = 0; i < 2000; ++i)
      pool.keys.push_back(random_key(seed_rng));
    pool.next_id = 1u << 24;
    std::mt19937_64 rng(15 + latency);
    MixOptions opt;
    opt.operations = 20000;
    opt.command_share = 0.05;
    opt.input_idle = 0.3;
    opt.output_stall = 0.3;
    const MixStats st = run_mix(
        rig, ref, rng, opt,
        [&pool](std::mt19937_64& r, const Reference&) { return pool.next_cmd(r); },
        [&pool](std::mt19937_64& r, const Reference&) { return pool.next_key(r); });
    BOOST_TEST(st.lookups > 18000u);
    BOOST_TEST(st.hits > 6000u);
    BOOST_TEST(st.commands > 500u);
  }
}

// A consumer that stops reading fills the window of lookups in flight; the one
// accepted after that waits in the issue stage. A command arriving then must not
// overtake it: the lookups all see the table before the command.
BOOST_AUTO_TEST_CASE(commands_wait_for_lookups_held_by_a_full_window) {
  Rig<1024> rig(4);
  std::mt19937_64 rng(16);
  const FlowKey4 present = random_key(rng);
  const FlowKey4 absent = random_key(rng);
  BOOST_REQUIRE(rig.insert_now(present, 7) == FlowStatus::ok);
  // Output FIFO + window + issue stage.
  const std::size_t held = kOutputDepth + kMaxInFlight + 1;
  for (const FlowCommand& cmd : {remove_cmd(present, 1), insert_cmd(absent, 9, 2)}) {
    const FlowKey4 key = cmd.op == FlowOp::remove ? present : absent;
    const ConnectionId before = cmd.op == FlowOp::remove ? 7 : kLookupMiss;
    for (std::size_t i = 0; i < held; ++i) {
      LookupRequest req;
      req.key = key;
      req.tag = static_cast<std::uint16_t>(i);
      rig.lookups.write(req);
    }
    for (int c = 0; c < 400; ++c)
      rig.tick();
    BOOST_TEST(rig.lookups.empty());
    rig.cmds.write(cmd);
    for (int c = 0; c < 50; ++c)
      rig.tick();
    BOOST_TEST(rig.statuses.empty());  // still waiting behind the held lookup
    std::size_t answered = 0, wrong = 0;
    while (answered < held || rig.statuses.empty()) {
      rig.tick();
      while (!rig.results.empty()) {
        const LookupResult r = rig.results.read();
        wrong += r.tag != static_cast<std::uint16_t>(answered) || r.conn_id != before;
        ++answered;
      }
      BOOST_REQUIRE(rig.cycle < 100000);
    }
    BOOST_TEST(wrong == 0u);
    BOOST_TEST(rig.statuses.read().status == FlowStatus::ok);
    for (int c = 0; c < 4; ++c)
      rig.tick();
    BOOST_TEST(rig.drained());
  }
  BOOST_TEST(rig.lookup_now(present) == kLookupMiss);
  BOOST_TEST(rig.lookup_now(absent) == 9u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(adversarial_keys)

namespace {

// Inserts `make(i)` for i = 0.. until 90% of the slots are used: none may be
// refused, and every flow is then found (cycle-level lookups for a sample).
template <std::uint32_t kCap, typename Make>
void fill_to_90_percent(Make make) {
  Rig<kCap> rig(20);
  const std::uint32_t target = Rig<kCap>::Kernel::kSlots / 10 * 9;
  for (std::uint32_t i = 0; i < target; ++i)
    BOOST_REQUIRE(rig.insert_now(make(i), i) == FlowStatus::ok);
  BOOST_TEST(rig.kernel->stash_entries() == 0u);
  for (std::uint32_t i = 0; i < target; ++i)
    BOOST_REQUIRE_EQUAL(rig.lookup_now(make(i)), i);
  for (std::uint32_t i = 0; i < target; i += 61) {
    LookupRequest req;
    req.key = make(i);
    req.tag = static_cast<std::uint16_t>(i);
    rig.lookups.write(req);
  }
  std::uint32_t i = 0;
  while (!rig.lookups.empty() || !rig.kernel->idle() || !rig.results.empty()) {
    rig.tick();
    if (!rig.results.empty()) {
      const LookupResult r = rig.results.read();
      BOOST_REQUIRE_EQUAL(r.tag, static_cast<std::uint16_t>(i));
      BOOST_REQUIRE_EQUAL(r.conn_id, i);
      i += 61;
    }
  }
  BOOST_TEST(rig.drained());
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_addresses_sequential_ports) {
  fill_to_90_percent<65536>([](std::uint32_t i) {
    return FlowKey4{0x0a000001, 0xc0a80001, static_cast<std::uint16_t>(i),
                    static_cast<std::uint16_t>(443 + (i >> 16))};
  });
}

BOOST_AUTO_TEST_CASE(same_ports_sequential_addresses) {
  fill_to_90_percent<65536>([](std::uint32_t i) {
    return FlowKey4{0x0a000000 + i, 0xc0a80001, 40000, 80};
  });
}

BOOST_AUTO_TEST_CASE(ports_in_arithmetic_progression_across_four_addresses) {
  fill_to_90_percent<65536>([](std::uint32_t i) {
    return FlowKey4{0x0a000001 + (i & 3), 0xc0a80001,
                    static_cast<std::uint16_t>(1024 + 7 * (i >> 2)),
                    static_cast<std::uint16_t>(8080 + (7 * (i >> 2)) / 64512)};
  });
}

BOOST_AUTO_TEST_SUITE_END()
