// SPDX-License-Identifier: Apache-2.0
// C/RTL equivalence of conn_lookup: the HLS kernel (hls::ConnLookup with its
// TableMemory) and the Verilated rtl/conn_lookup/conn_lookup.sv (with
// table_mem_model, through tests/conn_lookup_tb.sv) run the same operations,
// each with its own random idle cycles on its inputs and back-pressure on its
// outputs, at the same memory latency.
//
// What must agree, and why it can be compared exactly:
// - completions: every status, in order. Commands change the table only
//   through the command machine, which depends on nothing but the commands
//   before it, so the two sides answer the same command sequence identically
//   however lookups interleave with it;
// - the table: after every phase the 512-bit word of every bucket, the RTL's
//   fingerprint mirror against the fingerprints of the keys those words hold,
//   the entry and stash counts, and the number of slot writes;
// - lookups: each side's results, in order, against a reference replayed in
//   the order that side took lookups and commands (a lookup and a command
//   taken in one cycle: the lookup first). When a phase offers one operation
//   at a time (or only lookups), both sides see one order and their results
//   and memory reads must be identical.
// Neither side may hold anything at the end of a phase.
#define BOOST_TEST_MODULE rtl_conn_lookup
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "Vconn_lookup_tb.h"
#include "hls/conn_lookup/conn_lookup.hpp"
#include "hls/conn_lookup/table_memory.hpp"
#include "hls/conn_lookup/tests/conn_lookup_vectors.hpp"
#include "rtl/tb/axis_bench.hpp"

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

// The verilated model's capacity (CMake passes the same number to Verilator).
constexpr unsigned kLog2Buckets = TANDEM_RTL_CONN_LOOKUP_LOG2_BUCKETS;
constexpr std::uint32_t kCapacity = std::uint32_t{kSlotsPerBucket} << kLog2Buckets;
using Kernel = ConnLookup<kCapacity>;
static_assert(Kernel::kLog2Buckets == kLog2Buckets, "HLS and RTL tables of one size");

using tandem::hls_test::insert_cmd;
using tandem::hls_test::KeyPool;
using tandem::hls_test::make_pool;
using tandem::hls_test::random_key;
using tandem::hls_test::Reference;
using tandem::hls_test::remove_cmd;

// One operation of a phase: a command or a lookup, each stream's in order.
struct Op {
  bool is_cmd = false;
  FlowCommand cmd;
  LookupRequest lookup;
};

// Tags: commands count up from 0 in each phase; lookups likewise, mod 2^16.
std::vector<Op> tagged(std::vector<Op> ops) {
  std::uint32_t cmds = 0, lookups = 0;
  for (Op& op : ops) {
    if (op.is_cmd) {
      op.cmd.tag = cmds++;
    } else {
      op.lookup.tag = static_cast<std::uint16_t>(lookups++);
    }
  }
  return ops;
}

Op cmd_op(const FlowCommand& c) {
  Op op;
  op.is_cmd = true;
  op.cmd = c;
  return op;
}

Op lookup_op(const FlowKey4& key) {
  Op op;
  op.lookup.key = key;
  return op;
}

// How a side is driven: the chance that an input offers its next word in a
// cycle it has none pending, the chance that an output is read (tready) in a
// cycle, and whether the two inputs take turns (one operation offered at a
// time, so both sides see one order) or run independently.
struct Pace {
  double feed = 1.0;
  double ready = 1.0;
  bool serialized = false;
};

// What one side did in a phase.
struct Trace {
  std::vector<LookupResult> results;
  std::vector<std::uint64_t> result_cycles;  // cycle each result left, from the phase start
  std::vector<FlowCompletion> statuses;
  std::vector<std::size_t> order;  // op indices in the order the side took them
  // Most lookups taken while one command waited (the quantum bounds it).
  std::size_t most_lookups_past_a_command = 0;
  std::uint64_t cycles = 0;
  std::uint64_t reads = 0;  // table reads in the phase
};

// Feeds ops to two streams: one op at a time when serialized, else each
// stream its own ops in order. `taken` reports what a cycle consumed.
class Feeder {
 public:
  Feeder(const std::vector<Op>& ops, const Pace& pace, std::uint64_t seed)
      : ops_(ops), pace_(pace), rng_(seed) {
    for (std::size_t i = 0; i < ops.size(); ++i)
      (ops[i].is_cmd ? cmds_ : lookups_).push_back(i);
  }

  // Start of a cycle: which op each stream offers (-1: none).
  void prepare() {
    if (pace_.serialized) {
      if (lookup_ < 0 && cmd_ < 0 && next_ < ops_.size() && coin(pace_.feed)) {
        const std::size_t i = next_++;
        (ops_[i].is_cmd ? cmd_ : lookup_) = static_cast<long>(i);
        (ops_[i].is_cmd ? cmds_ : lookups_).pop_front();
      }
      return;
    }
    if (lookup_ < 0 && !lookups_.empty() && coin(pace_.feed)) {
      lookup_ = static_cast<long>(lookups_.front());
      lookups_.pop_front();
    }
    if (cmd_ < 0 && !cmds_.empty() && coin(pace_.feed)) {
      cmd_ = static_cast<long>(cmds_.front());
      cmds_.pop_front();
    }
  }
  bool lookup_valid() const { return lookup_ >= 0; }
  long lookup_index() const { return lookup_; }
  bool cmd_valid() const { return cmd_ >= 0; }
  const LookupRequest& lookup() const { return ops_[static_cast<std::size_t>(lookup_)].lookup; }
  const FlowCommand& cmd() const { return ops_[static_cast<std::size_t>(cmd_)].cmd; }

  // The offered lookup goes into a FIFO in front of the kernel (the HLS side
  // keeps two queued when the input never idles): no longer pending here.
  std::size_t hand_over_lookup() {
    const auto i = static_cast<std::size_t>(lookup_);
    lookup_ = -1;
    return i;
  }

  // End of a cycle: the lookup taken (op index, or -1) first, then the command.
  void commit(long lookup_taken, bool cmd_taken, Trace& t) {
    if (lookup_taken >= 0) {
      t.order.push_back(static_cast<std::size_t>(lookup_taken));
      if (lookup_taken == lookup_) lookup_ = -1;
      if (cmd_ >= 0) ++passed_;
    }
    if (cmd_taken) {
      t.order.push_back(static_cast<std::size_t>(cmd_));
      cmd_ = -1;
      t.most_lookups_past_a_command = std::max(t.most_lookups_past_a_command, passed_);
      passed_ = 0;
    }
  }
  bool ready_coin() { return coin(pace_.ready); }
  std::size_t lookups() const { return lookups_total_(); }

 private:
  bool coin(double p) { return p >= 1.0 || std::bernoulli_distribution(p)(rng_); }
  std::size_t lookups_total_() const {
    std::size_t n = 0;
    for (const Op& op : ops_)
      n += !op.is_cmd;
    return n;
  }

  const std::vector<Op>& ops_;
  Pace pace_;
  std::mt19937_64 rng_;
  std::deque<std::size_t> lookups_, cmds_;
  std::size_t next_ = 0;
  long lookup_ = -1, cmd_ = -1;
  std::size_t passed_ = 0;  // lookups taken while the offered command waits
};

std::size_t count_cmds(const std::vector<Op>& ops) {
  std::size_t n = 0;
  for (const Op& op : ops)
    n += op.is_cmd;
  return n;
}

// Cycles without any input taken or output produced before a run is declared
// stuck: longer than the longest command (three searches of 512 buckets).
constexpr std::uint64_t kStuckCycles = 200000;

// --- the HLS side --------------------------------------------------------------
class HlsSide {
 public:
  HlsSide(const ConnLookupConfig& config, unsigned latency)
      : kernel(std::make_unique<Kernel>(config)), mem(Kernel::kBuckets, latency) {}

  void tick() {
    kernel->step(lookups, results, cmds, statuses, rd, data, wr);
    port_overuse += rd.size() > 1 || wr.size() > 1;
    if (!wr.empty()) watch(wr.read());
    mem.step(rd, data, wr);
    ++cycle;
  }

  // A group of entries sharing a fingerprint moves entry by entry, each copied
  // then cleared, all from one bucket into one other: copy X, clear Y,
  // copy X, clear Y. The single moves of a path go to a new bucket each time.
  void watch(const TableWrite& w) {
    wr.write(w);
    last_[3] = last_[2];
    last_[2] = last_[1];
    last_[1] = last_[0];
    last_[0] =
        Seen{w.bucket, static_cast<std::uint32_t>((w.entry >> 96).to_uint64()) == kLookupMiss};
    ++seen_;
    group_moves += seen_ >= 4 && !last_[3].clear && last_[2].clear && !last_[1].clear &&
                   last_[0].clear && last_[3].bucket == last_[1].bucket &&
                   last_[2].bucket == last_[0].bucket;
  }

  bool drained() const {
    return kernel->idle() && mem.idle() && lookups.empty() && results.empty() && cmds.empty() &&
           statuses.empty() && rd.empty() && data.empty() && wr.empty() && port_overuse == 0;
  }

  Trace run(const std::vector<Op>& ops, const Pace& pace, std::uint64_t seed) {
    Feeder feed(ops, pace, seed);
    Trace t;
    const std::size_t want_results = feed.lookups();
    const std::size_t want_statuses = count_cmds(ops);
    const std::uint64_t start = cycle, reads = mem.reads();
    std::uint64_t last_progress = cycle;
    const std::size_t depth = pace.feed >= 1.0 && !pace.serialized ? 2 : 1;
    std::deque<std::size_t> queued;
    while (t.results.size() < want_results || t.statuses.size() < want_statuses) {
      if (cycle - last_progress > kStuckCycles) {
        BOOST_FAIL("HLS conn_lookup made no progress");
      }
      feed.prepare();
      // The lookup input holds what the source offers: one word, or two when
      // the source never idles (so that, as behind a real FIFO, the kernel
      // sees more waiting after it takes one).
      if (depth == 1) {
        if (feed.lookup_valid() && lookups.empty()) lookups.write(feed.lookup());
      } else {
        while (feed.lookup_valid() && queued.size() < depth) {
          lookups.write(feed.lookup());
          queued.push_back(feed.hand_over_lookup());
          if (queued.size() < depth) feed.prepare();
        }
      }
      if (feed.cmd_valid() && cmds.empty()) cmds.write(feed.cmd());
      tick();
      long lookup_taken = -1;
      if (depth == 1) {
        if (feed.lookup_valid() && lookups.empty()) lookup_taken = feed.lookup_index();
      } else if (lookups.size() < queued.size()) {
        lookup_taken = static_cast<long>(queued.front());
        queued.pop_front();
      }
      const bool cmd_taken = feed.cmd_valid() && cmds.empty();
      feed.commit(lookup_taken, cmd_taken, t);
      bool progress = lookup_taken >= 0 || cmd_taken;
      if (!results.empty() && feed.ready_coin()) {
        t.results.push_back(results.read());
        t.result_cycles.push_back(cycle - start);
        progress = true;
      }
      if (!statuses.empty() && feed.ready_coin()) {
        t.statuses.push_back(statuses.read());
        progress = true;
      }
      if (progress) last_progress = cycle;
    }
    for (int i = 0; i < 8 && !drained(); ++i)
      tick();
    BOOST_TEST(drained());
    t.cycles = cycle - start;
    t.reads = mem.reads() - reads;
    return t;
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
  std::uint64_t group_moves = 0;

 private:
  struct Seen {
    std::uint32_t bucket = 0;
    bool clear = false;
  };
  Seen last_[4];
  std::uint64_t seen_ = 0;
};

// --- the RTL side --------------------------------------------------------------
// Stream words as conn_lookup_pkg lays them out (rtl/README.md).
template <std::size_t Words>
void put_key(VlWide<Words>& port, const FlowKey4& key) {
  port[0] = key.remote_ip;
  port[1] = key.local_ip;
  port[2] = key.remote_port | (std::uint32_t{key.local_port} << 16);
}

class RtlSide {
 public:
  RtlSide(const ConnLookupConfig& config, unsigned latency) {
    top->s_axis_lookup_tvalid = 0;
    top->s_axis_cmd_tvalid = 0;
    top->m_axis_result_tready = 0;
    top->m_axis_cmd_status_tready = 0;
    top->cfg_stash_entries = static_cast<std::uint8_t>(config.stash_entries);
    top->cfg_bfs_nodes = static_cast<std::uint16_t>(config.bfs_nodes);
    top->cfg_latency = static_cast<std::uint16_t>(latency);
    top->dbg_bucket = 0;
    top.eval();
    // The engine clears its mirror after reset.
    while (!top->idle && top.cycles() < 4 * Kernel::kBuckets)
      top.tick();
    BOOST_REQUIRE(top->idle);
  }

  void set_latency(unsigned latency) {
    BOOST_REQUIRE(top->idle);
    top->cfg_latency = static_cast<std::uint16_t>(latency);
    top.eval();
  }

  Trace run(const std::vector<Op>& ops, const Pace& pace, std::uint64_t seed) {
    Feeder feed(ops, pace, seed);
    Trace t;
    const std::size_t want_results = feed.lookups();
    const std::size_t want_statuses = count_cmds(ops);
    const std::uint64_t start = top.cycles(), reads = top->mem_reads;
    std::uint64_t last_progress = start;
    bool result_ready = false, status_ready = false;
    const auto cycle = [&] {
      feed.prepare();
      top->s_axis_lookup_tvalid = feed.lookup_valid();
      if (feed.lookup_valid()) {
        put_key(top->s_axis_lookup_tdata, feed.lookup().key);
        top->s_axis_lookup_tdata[3] = feed.lookup().tag;
      }
      top->s_axis_cmd_tvalid = feed.cmd_valid();
      if (feed.cmd_valid()) {
        const FlowCommand& c = feed.cmd();
        put_key(top->s_axis_cmd_tdata, c.key);
        top->s_axis_cmd_tdata[3] = c.conn_id;
        top->s_axis_cmd_tdata[4] = c.tag;
        top->s_axis_cmd_tdata[5] =
            static_cast<std::uint32_t>(c.op) | (static_cast<std::uint32_t>(c.family) << 8);
      }
      top->m_axis_result_tready = result_ready;
      top->m_axis_cmd_status_tready = status_ready;
      top.eval();
      const bool lookup_taken = top->s_axis_lookup_tvalid && top->s_axis_lookup_tready;
      const bool cmd_taken = top->s_axis_cmd_tvalid && top->s_axis_cmd_tready;
      bool progress = lookup_taken || cmd_taken;
      if (top->m_axis_result_tvalid && top->m_axis_result_tready) {
        LookupResult r;
        r.tag = static_cast<std::uint16_t>(top->m_axis_result_tdata);
        r.conn_id = static_cast<ConnectionId>(top->m_axis_result_tdata >> 16);
        t.results.push_back(r);
        t.result_cycles.push_back(top.cycles() - start + 1);
        progress = true;
      }
      if (top->m_axis_cmd_status_tvalid && top->m_axis_cmd_status_tready) {
        FlowCompletion c;
        c.tag = static_cast<std::uint32_t>(top->m_axis_cmd_status_tdata);
        c.status = static_cast<FlowStatus>((top->m_axis_cmd_status_tdata >> 32) & 0xff);
        t.statuses.push_back(c);
        progress = true;
      }
      top.tick();
      feed.commit(lookup_taken ? feed.lookup_index() : -1, cmd_taken, t);
      // The consumers decide tready for the next cycle without looking at
      // tvalid, as a sink under back-pressure does.
      result_ready = feed.ready_coin();
      status_ready = feed.ready_coin();
      if (progress) last_progress = top.cycles();
    };
    result_ready = feed.ready_coin();
    status_ready = feed.ready_coin();
    while (t.results.size() < want_results || t.statuses.size() < want_statuses) {
      if (top.cycles() - last_progress > kStuckCycles) {
        BOOST_FAIL("RTL conn_lookup made no progress");
      }
      cycle();
    }
    t.cycles = top.cycles() - start;
    // Nothing left in flight: the engine and the memory go idle, and nothing
    // more comes out.
    top->s_axis_lookup_tvalid = 0;
    top->s_axis_cmd_tvalid = 0;
    top->m_axis_result_tready = 1;
    top->m_axis_cmd_status_tready = 1;
    for (int i = 0; i < 8; ++i) {
      top.eval();
      BOOST_REQUIRE(!top->m_axis_result_tvalid);
      BOOST_REQUIRE(!top->m_axis_cmd_status_tvalid);
      top.tick();
    }
    top.eval();
    BOOST_TEST(top->idle);
    t.reads = top->mem_reads - reads;
    return t;
  }

  tandem::rtl_tb::Clocked<Vconn_lookup_tb> top;
};

// --- comparisons -----------------------------------------------------------------
// A command's effect on the reference, given the status the kernels gave it
// (`full` is the one the reference cannot predict); false if the status
// contradicts the reference.
bool apply(Reference& ref, const FlowCommand& c, FlowStatus st) {
  const bool present = ref.count(c.key) != 0;
  const bool malformed = c.family != AddressFamily::ipv4 ||
                         (c.op != FlowOp::insert && c.op != FlowOp::remove) ||
                         (c.op == FlowOp::insert && c.conn_id == kLookupMiss);
  if (malformed) return st == FlowStatus::rejected;
  if (c.op == FlowOp::insert) {
    if (st == FlowStatus::ok && !present) {
      ref.emplace(c.key, c.conn_id);
      return true;
    }
    return (st == FlowStatus::exists && present) || (st == FlowStatus::full && !present);
  }
  if (st == FlowStatus::ok && present) {
    ref.erase(c.key);
    return true;
  }
  return st == FlowStatus::not_found && !present;
}

// Replays a side's order against the reference (a copy) and counts the
// results and statuses that disagree with it.
std::size_t check_against_reference(Reference ref, const std::vector<Op>& ops, const Trace& t) {
  std::size_t wrong = 0, result = 0, status = 0;
  for (const std::size_t i : t.order) {
    const Op& op = ops[i];
    if (op.is_cmd) {
      if (status >= t.statuses.size()) return wrong + 1;
      wrong += !apply(ref, op.cmd, t.statuses[status].status);
      wrong += t.statuses[status].tag != op.cmd.tag;
      ++status;
    } else {
      if (result >= t.results.size()) return wrong + 1;
      const auto it = ref.find(op.lookup.key);
      const ConnectionId want = it == ref.end() ? kLookupMiss : it->second;
      wrong += t.results[result].tag != op.lookup.tag || t.results[result].conn_id != want;
      ++result;
    }
  }
  return wrong;
}

struct Counts {
  std::size_t hits = 0, exists = 0, not_found = 0, full = 0, rejected = 0;
};

// Both sides run the phase; everything that must agree is checked, and the
// reference moves on by the phase's commands.
Counts run_phase(HlsSide& hls, RtlSide& rtl, Reference& ref, const std::vector<Op>& ops,
                 const Pace& hls_pace, const Pace& rtl_pace, std::uint64_t seed,
                 Trace* rtl_trace = nullptr, Trace* hls_trace = nullptr) {
  const Trace h = hls.run(ops, hls_pace, seed);
  const Trace r = rtl.run(ops, rtl_pace, seed + 1);
  BOOST_REQUIRE_EQUAL(h.statuses.size(), r.statuses.size());
  std::size_t status_mismatch = 0;
  for (std::size_t i = 0; i < h.statuses.size(); ++i)
    status_mismatch +=
        h.statuses[i].tag != r.statuses[i].tag || h.statuses[i].status != r.statuses[i].status;
  BOOST_TEST(status_mismatch == 0u);
  BOOST_TEST(check_against_reference(ref, ops, h) == 0u);
  BOOST_TEST(check_against_reference(ref, ops, r) == 0u);
  // A waiting command lets at most kLookupQuantum lookups past.
  BOOST_TEST(h.most_lookups_past_a_command <= kLookupQuantum);
  BOOST_TEST(r.most_lookups_past_a_command <= kLookupQuantum);
  const bool one_order = (hls_pace.serialized && rtl_pace.serialized) || count_cmds(ops) == 0 ||
                         count_cmds(ops) == ops.size();
  if (one_order) {
    BOOST_REQUIRE_EQUAL(h.results.size(), r.results.size());
    std::size_t result_mismatch = 0;
    for (std::size_t i = 0; i < h.results.size(); ++i)
      result_mismatch +=
          h.results[i].tag != r.results[i].tag || h.results[i].conn_id != r.results[i].conn_id;
    BOOST_TEST(result_mismatch == 0u);
    BOOST_TEST(h.reads == r.reads);
  }
  Counts n;
  for (const LookupResult& res : h.results)
    n.hits += res.conn_id != kLookupMiss;
  std::size_t c = 0;
  for (const Op& op : ops) {
    if (!op.is_cmd) continue;
    const FlowStatus st = h.statuses[c++].status;
    n.exists += st == FlowStatus::exists;
    n.not_found += st == FlowStatus::not_found;
    n.full += st == FlowStatus::full;
    n.rejected += st == FlowStatus::rejected;
    apply(ref, op.cmd, st);
  }
  if (rtl_trace != nullptr) *rtl_trace = r;
  if (hls_trace != nullptr) *hls_trace = h;
  return n;
}

// The whole state, word for word: the table, the RTL's mirror against the
// fingerprints of the keys in it, the counts.
void compare_state(HlsSide& hls, RtlSide& rtl, const Reference& ref) {
  std::size_t word_mismatch = 0, mirror_mismatch = 0, occupied = 0;
  for (std::uint32_t b = 0; b < Kernel::kBuckets; ++b) {
    rtl.top->dbg_bucket = static_cast<std::uint16_t>(b);
    rtl.top.eval();
    const BucketWord& want = hls.mem.word(b);
    const BucketWord got = tandem::rtl_tb::get_data(rtl.top->dbg_table_word);
    word_mismatch += !(got == want);
    for (int s = 0; s < kSlotsPerBucket; ++s) {
      const bool used = slot_id(want, s) != kLookupMiss;
      occupied += used;
      const std::uint64_t fp = used ? hls.kernel->probe(slot_key(want, s)).fingerprint : 0;
      mirror_mismatch += ((rtl.top->dbg_mirror_word >> (kFingerprintBits * s)) & 0xfff) != fp;
    }
  }
  BOOST_TEST(word_mismatch == 0u);
  BOOST_TEST(mirror_mismatch == 0u);
  BOOST_TEST(occupied == hls.kernel->table_entries());
  BOOST_TEST(rtl.top->table_entries == hls.kernel->table_entries());
  BOOST_TEST(rtl.top->stash_entries == hls.kernel->stash_entries());
  BOOST_TEST(hls.kernel->entries() == ref.size());
  BOOST_TEST(rtl.top->mem_writes == hls.mem.writes());
  // The searches themselves: the buckets they visited, the entries moved.
  const ConnLookupCounters& c = hls.kernel->counters();
  BOOST_TEST(rtl.top->rejected_commands == c.rejected);
  BOOST_TEST(rtl.top->search_nodes == c.search_nodes);
  BOOST_TEST(rtl.top->moves == c.moves);
  BOOST_TEST(rtl.top->aborted_paths == c.aborted_paths);
  BOOST_TEST(rtl.top->stash_refills == c.stash_refills);
}

// What the HLS kernel's counters say the phases exercised.
std::string paths(const Kernel& k) {
  const ConnLookupCounters& c = k.counters();
  std::ostringstream out;
  out << "search nodes " << c.search_nodes << ", moves " << c.moves << ", aborted paths "
      << c.aborted_paths << ", stashed " << c.inserts_stashed << ", stash refills "
      << c.stash_refills << ", full " << c.inserts_full << ", rejected " << c.rejected;
  return out.str();
}

// Inserts through both: the HLS kernel's bulk path (same state machine, reads
// answered at once) and the RTL's command stream at full speed.
void prefill(HlsSide& hls, RtlSide& rtl, Reference& ref, const std::vector<FlowCommand>& cmds) {
  std::vector<Op> ops;
  for (const FlowCommand& c : cmds)
    ops.push_back(cmd_op(c));
  ops = tagged(ops);
  const std::uint64_t reads = hls.mem.reads();
  std::vector<FlowStatus> want;
  for (const Op& op : ops)
    want.push_back(hls.kernel->run_command(op.cmd, hls.mem).status);
  const Trace r = rtl.run(ops, Pace{}, 1);
  BOOST_REQUIRE_EQUAL(r.statuses.size(), want.size());
  std::size_t mismatch = 0, inconsistent = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    mismatch += r.statuses[i].status != want[i];
    inconsistent += !apply(ref, ops[i].cmd, want[i]);
  }
  BOOST_TEST(mismatch == 0u);
  BOOST_TEST(inconsistent == 0u);
  BOOST_TEST(r.reads == hls.mem.reads() - reads);
}

// A mix of n operations from the pool (the HLS test's Pool), commands with
// probability command_share, tagged.
std::vector<Op> mix(KeyPool& pool, std::mt19937_64& rng, std::size_t n, double command_share) {
  std::vector<Op> ops;
  std::uniform_real_distribution<double> u(0, 1);
  for (std::size_t i = 0; i < n; ++i)
    ops.push_back(u(rng) < command_share ? cmd_op(pool.next_cmd(rng))
                                         : lookup_op(pool.next_key(rng)));
  return tagged(ops);
}

// Every key of `keys` looked up, both sides at full speed: one order, so the
// results and reads must be identical.
void sweep(HlsSide& hls, RtlSide& rtl, Reference& ref, const std::vector<FlowKey4>& keys) {
  std::vector<Op> ops;
  for (const FlowKey4& k : keys)
    ops.push_back(lookup_op(k));
  run_phase(hls, rtl, ref, tagged(ops), Pace{}, Pace{}, 99);
}

}  // namespace

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(equivalence)

// The HLS test's random mix, scaled down: held near 80% load, commands and
// lookups half and half, each stream with its own idle cycles and the outputs
// with back-pressure; 1% of the commands malformed.
BOOST_AUTO_TEST_CASE(random_mix_near_80_percent_load) {
  const ConnLookupConfig cfg;
  HlsSide hls(cfg, 4);
  RtlSide rtl(cfg, 4);
  Reference ref;
  std::mt19937_64 rng(4);
  KeyPool pool = make_pool(kCapacity * 17 / 16, 5);
  std::vector<FlowCommand> fill;
  for (const FlowKey4& k : pool.keys) {
    if (rng() % 4 != 0) fill.push_back(insert_cmd(k, pool.next_id++));
  }
  prefill(hls, rtl, ref, fill);
  compare_state(hls, rtl, ref);
  pool.insert_share = 0.75;
  pool.malformed_share = 0.01;
  const Pace pace{0.8, 0.8, false};
  const std::vector<Op> ops = mix(pool, rng, 30000, 0.5);
  const Counts n = run_phase(hls, rtl, ref, ops, pace, pace, 6);
  BOOST_TEST_MESSAGE("mix: " << ops.size() << " operations, " << n.hits << " hits, " << n.exists
                             << " exists, " << n.not_found << " not_found, " << n.rejected
                             << " rejected; live " << ref.size() << " of " << kCapacity << "; "
                             << paths(*hls.kernel));
  BOOST_TEST(n.exists > 1000u);
  BOOST_TEST(n.not_found > 500u);
  BOOST_TEST(n.rejected > 50u);
  BOOST_TEST(n.full == 0u);
  BOOST_TEST(hls.kernel->counters().moves > 0u);
  compare_state(hls, rtl, ref);
  sweep(hls, rtl, ref, pool.keys);
}

// Commands only, memory latency 200, heavy back-pressure: inserts and
// removes that move entries (the HLS test's commands_at_latency_200...).
BOOST_AUTO_TEST_CASE(commands_at_latency_200_under_back_pressure) {
  const ConnLookupConfig cfg;
  HlsSide hls(cfg, 200);
  RtlSide rtl(cfg, 200);
  Reference ref;
  std::mt19937_64 rng(6);
  KeyPool pool = make_pool(kCapacity * 17 / 16, 7);
  std::vector<FlowCommand> fill;
  for (const FlowKey4& k : pool.keys) {
    if (rng() % 5 != 0) fill.push_back(insert_cmd(k, pool.next_id++));
  }
  prefill(hls, rtl, ref, fill);
  pool.insert_share = 0.8;
  const Pace pace{0.5, 0.4, false};
  const std::vector<Op> ops = mix(pool, rng, 3000, 0.7);
  const std::uint64_t moves = hls.kernel->counters().moves;
  const Counts n = run_phase(hls, rtl, ref, ops, pace, pace, 8);
  BOOST_TEST_MESSAGE("latency 200: moves " << hls.kernel->counters().moves - moves << ", live "
                                           << ref.size() << ", stash "
                                           << hls.kernel->stash_entries());
  BOOST_TEST(n.full == 0u);
  BOOST_TEST(hls.kernel->counters().moves > moves);
  compare_state(hls, rtl, ref);
  sweep(hls, rtl, ref, pool.keys);
}

// Half full, lookups with a few commands, one operation offered at a time so
// that both sides see one order: results and reads identical, at memory
// latency 1, 50 and 200 (the HLS test's idle_cycles_and_back_pressure...).
BOOST_AUTO_TEST_CASE(one_order_at_latency_1_50_200) {
  for (const unsigned latency : {1u, 50u, 200u}) {
    const ConnLookupConfig cfg;
    HlsSide hls(cfg, latency);
    RtlSide rtl(cfg, latency);
    Reference ref;
    std::mt19937_64 rng(13 + latency);
    KeyPool pool = make_pool(kCapacity / 2 + 1000, 14 + latency);
    std::vector<FlowCommand> fill;
    for (std::size_t i = 0; i < kCapacity / 2; ++i)
      fill.push_back(insert_cmd(pool.keys[i], pool.next_id++));
    prefill(hls, rtl, ref, fill);
    // Malformed commands too: answered at once, with the lookups taken just
    // before them still in the pipeline.
    pool.malformed_share = 0.2;
    const Pace pace{0.7, 0.7, true};
    const std::vector<Op> ops = mix(pool, rng, 6000, 0.05);
    const Counts n = run_phase(hls, rtl, ref, ops, pace, pace, 15 + latency);
    BOOST_TEST_MESSAGE("latency " << latency << ": " << n.hits << " hits");
    BOOST_TEST(n.hits > 2000u);
    compare_state(hls, rtl, ref);
  }
}

// A consumer that all but stops reading fills the result FIFO, the window of
// lookups in flight and the pipeline; the commands that come next (one at a
// time, after the lookups) must still see the table after those lookups, and
// the lookups after them the table after the commands.
BOOST_AUTO_TEST_CASE(commands_behind_a_full_window) {
  const ConnLookupConfig cfg;
  HlsSide hls(cfg, 20);
  RtlSide rtl(cfg, 20);
  Reference ref;
  std::mt19937_64 rng(16);
  const FlowKey4 present = random_key(rng);
  const FlowKey4 absent = random_key(rng);
  prefill(hls, rtl, ref, {insert_cmd(present, 7)});
  std::vector<Op> ops;
  for (const FlowCommand& cmd : {remove_cmd(present), insert_cmd(absent, 9)}) {
    for (int i = 0; i < 300; ++i)
      ops.push_back(lookup_op(i % 2 == 0 ? present : absent));
    ops.push_back(cmd_op(cmd));
  }
  for (int i = 0; i < 300; ++i)
    ops.push_back(lookup_op(i % 2 == 0 ? present : absent));
  const Pace pace{1.0, 0.02, true};
  Trace r;
  run_phase(hls, rtl, ref, tagged(ops), pace, pace, 17, &r);
  BOOST_TEST(r.results.front().conn_id == 7u);
  BOOST_TEST(r.results.back().conn_id == 9u);
  compare_state(hls, rtl, ref);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(full_table)

// Past the cuckoo limit the stash takes the overflow; `full` only when it is
// full too; removing flows makes room again and drains the stash. With the
// search budget at its minimum (bfs_nodes 2: the roots only) an insert never
// moves anything: a free slot of its pair, else the stash, else full.
BOOST_AUTO_TEST_CASE(fill_until_full_then_drain) {
  struct Setting {
    std::uint32_t stash, bfs;
  };
  for (const Setting s : {Setting{0, 512}, Setting{8, 512}, Setting{32, 512}, Setting{32, 2}}) {
    ConnLookupConfig cfg;
    cfg.stash_entries = s.stash;
    cfg.bfs_nodes = s.bfs;
    HlsSide hls(cfg, 3);
    RtlSide rtl(cfg, 3);
    Reference ref;
    std::mt19937_64 rng(8 + s.stash + s.bfs);
    KeyPool pool = make_pool(kCapacity + 256, 9 + s.stash + s.bfs);
    // In rounds, until an insert is refused.
    std::size_t next = 0;
    FlowKey4 refused{};
    bool full = false;
    while (!full && next < pool.keys.size()) {
      std::vector<FlowCommand> round;
      for (std::size_t i = 0; i < 256 && next < pool.keys.size(); ++i)
        round.push_back(insert_cmd(pool.keys[next++], pool.next_id++));
      std::vector<Op> ops;
      for (const FlowCommand& c : round)
        ops.push_back(cmd_op(c));
      const Counts n = run_phase(hls, rtl, ref, tagged(ops), Pace{}, Pace{}, next);
      if (n.full != 0) {
        full = true;
        for (const FlowCommand& c : round) {
          if (ref.count(c.key) == 0) refused = c.key;
        }
      }
    }
    BOOST_REQUIRE(full);
    BOOST_TEST_MESSAGE("stash " << s.stash << ", bfs_nodes " << s.bfs << ": full after "
                                << ref.size() << " of " << kCapacity << " slots");
    BOOST_TEST(hls.kernel->stash_entries() == s.stash);
    compare_state(hls, rtl, ref);
    // A tenth removed (refilling from the stash), the refused flow inserted,
    // then everything removed, in mixed order with lookups.
    std::vector<FlowKey4> live;
    for (const auto& kv : ref)
      live.push_back(kv.first);
    std::shuffle(live.begin(), live.end(), rng);
    std::vector<Op> ops;
    for (std::size_t i = 0; i < live.size() / 10; ++i) {
      ops.push_back(cmd_op(remove_cmd(live[i])));
      ops.push_back(lookup_op(live[(i * 7) % live.size()]));
    }
    ops.push_back(cmd_op(insert_cmd(refused, 999999)));
    ops.push_back(lookup_op(refused));
    const Pace pace{0.6, 0.6, false};
    run_phase(hls, rtl, ref, tagged(ops), pace, pace, 21);
    BOOST_TEST(ref.count(refused) == 1u);
    compare_state(hls, rtl, ref);
    ops.clear();
    for (const auto& kv : ref)
      ops.push_back(cmd_op(remove_cmd(kv.first)));
    run_phase(hls, rtl, ref, tagged(ops), pace, pace, 22);
    BOOST_TEST(ref.empty());
    BOOST_TEST(rtl.top->stash_entries == 0u);
    compare_state(hls, rtl, ref);
    BOOST_TEST_MESSAGE("  " << paths(*hls.kernel));
    if (s.stash != 0) BOOST_TEST(hls.kernel->counters().stash_refills > 0u);
  }
}

// Keys whose bucket and fingerprint come from small sets, found by trying
// port numbers: flow_hash mixes the addresses, then the ports, so with the
// addresses fixed a candidate costs one mix64, and a second only when its
// bucket is wanted. need(p, 0) says whether primary bucket p is wanted at
// all, need(p, f) whether a key with fingerprint f in it is; take records it.
template <typename Need, typename Take, typename Done>
void find_keys(std::mt19937_64& rng, const ConnLookupConfig& cfg, Need need, Take take, Done done) {
  const std::uint64_t golden = 0x9e3779b97f4a7c15ULL;
  const std::uint64_t ports_b = cfg.bucket_seed * golden;
  const std::uint64_t ports_f = cfg.fingerprint_seed * golden;
  while (!done()) {
    const std::uint64_t a = rng();
    const FlowKey4 base{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32), 0, 0};
    const std::uint64_t addresses = (std::uint64_t{base.remote_ip} << 32) | base.local_ip;
    const std::uint64_t inner_b = mix64(addresses ^ cfg.bucket_seed);
    const std::uint64_t inner_f = mix64(addresses ^ cfg.fingerprint_seed);
    for (std::uint32_t ports = 0; ports < (1u << 24) && !done(); ++ports) {
      const auto p =
          static_cast<std::uint32_t>(mix64(inner_b ^ ports ^ ports_b)) & (Kernel::kBuckets - 1);
      if (!need(p, 0u)) continue;
      const auto f =
          static_cast<std::uint32_t>(mix64(inner_f ^ ports ^ ports_f) >> (64 - kFingerprintBits));
      if (f == 0 || !need(p, f)) continue;
      FlowKey4 k = base;
      k.remote_port = static_cast<std::uint16_t>(ports >> 16);
      k.local_port = static_cast<std::uint16_t>(ports);
      take(p, f, k);
    }
  }
}

// Keys crowded into a few primary buckets with a few fingerprints: many share
// a fingerprint and a bucket pair, so they form groups that move together (a
// random table of this size almost never has one on a search path), searches
// run into each other, and the stash fills and refills with several entries
// competing for a freed slot.
BOOST_AUTO_TEST_CASE(crowded_buckets_and_shared_fingerprints) {
  struct Crowd {
    std::size_t primaries, fingerprints;
  };
  for (const Crowd crowd : {Crowd{16, 4}, Crowd{4, 2}}) {
    const ConnLookupConfig cfg;
    HlsSide hls(cfg, 5);
    RtlSide rtl(cfg, 5);
    Reference ref;
    std::mt19937_64 rng(42 + crowd.primaries);
    std::vector<bool> primary(Kernel::kBuckets, false);
    std::vector<bool> fingerprint(std::size_t{1} << kFingerprintBits, false);
    for (std::size_t n = 0; n < crowd.primaries;) {
      const std::size_t b = rng() % Kernel::kBuckets;
      n += !primary[b];
      primary[b] = true;
    }
    for (std::size_t n = 0; n < crowd.fingerprints;) {
      const std::size_t f = 1 + rng() % 4095;
      n += !fingerprint[f];
      fingerprint[f] = true;
    }
    KeyPool pool;
    find_keys(
        rng, cfg,
        [&](std::uint32_t p, std::uint32_t f) { return primary[p] && (f == 0 || fingerprint[f]); },
        [&](std::uint32_t, std::uint32_t f, const FlowKey4& k) {
          BOOST_REQUIRE(hls.kernel->probe(k).fingerprint == f);
          pool.keys.push_back(k);
        },
        [&] { return pool.keys.size() >= 160; });
    pool.insert_share = 0.7;
    const Pace pace{0.7, 0.7, false};
    for (int round = 0; round < 6; ++round) {
      run_phase(hls, rtl, ref, mix(pool, rng, 200, 0.5), pace, pace, 50 + round);
      compare_state(hls, rtl, ref);
    }
    BOOST_TEST_MESSAGE("crowded " << crowd.primaries << " x " << crowd.fingerprints << ": live "
                                  << ref.size() << ", group moves " << hls.group_moves << "; "
                                  << paths(*hls.kernel));
    BOOST_TEST(hls.group_moves > 0u);
    BOOST_TEST(hls.kernel->counters().stash_refills > 0u);
    sweep(hls, rtl, ref, pool.keys);
  }
}

// The longest path the search follows, 8 moves, built on purpose: a chain of
// full buckets B0 -> B1 -> ... -> B8 (empty), each Bi holding a group of three
// entries and one single entry whose other bucket is Bi+1, and a new key
// whose buckets are B0 and a full bucket X whose group can only go back to
// B0. Only the single entries carry the search on (a group moves only into a
// bucket with room for all of it), so it walks the chain; at B7 the group
// fits into the empty B8 first: 7 single moves, then a group of 3.
BOOST_AUTO_TEST_CASE(longest_path_of_eight_moves) {
  const ConnLookupConfig cfg;
  HlsSide hls(cfg, 7);
  RtlSide rtl(cfg, 7);
  Reference ref;
  std::mt19937_64 rng(77);
  // Fingerprints by the offset to their other bucket, classes of two or more.
  std::vector<std::vector<std::uint32_t>> by_offset(Kernel::kBuckets);
  for (std::uint32_t f = 1; f < (1u << kFingerprintBits); ++f)
    by_offset[Kernel::partner(0, f)].push_back(f);
  std::vector<std::uint32_t> offsets;
  for (std::uint32_t o = 0; o < Kernel::kBuckets; ++o) {
    if (by_offset[o].size() >= 2) offsets.push_back(o);
  }
  std::vector<std::uint32_t> chain;
  std::uint32_t side = 0;
  for (bool distinct = false; !distinct;) {
    for (std::size_t i = 0; i < 9; ++i)
      std::swap(offsets[i], offsets[i + rng() % (offsets.size() - i)]);
    chain = {static_cast<std::uint32_t>(rng() % Kernel::kBuckets)};
    for (std::size_t i = 0; i < 8; ++i)
      chain.push_back(chain.back() ^ offsets[i]);
    side = chain[0] ^ offsets[8];
    std::vector<std::uint32_t> used = chain;
    used.push_back(side);
    std::sort(used.begin(), used.end());
    distinct = std::adjacent_find(used.begin(), used.end()) == used.end();
  }
  struct Target {
    std::uint32_t primary, fp;
    std::size_t want;
    std::vector<FlowKey4> keys;
  };
  std::vector<Target> targets;
  for (std::size_t i = 0; i < 8; ++i) {
    targets.push_back({chain[i], by_offset[offsets[i]][0], 3, {}});
    targets.push_back({chain[i], by_offset[offsets[i]][1], 1, {}});
  }
  targets.push_back({side, by_offset[offsets[8]][0], 4, {}});
  targets.push_back({chain[0], by_offset[offsets[8]][1], 1, {}});  // the new key
  std::vector<bool> wanted(Kernel::kBuckets, false);
  for (const Target& t : targets)
    wanted[t.primary] = true;
  const auto open = [&](std::uint32_t p, std::uint32_t f) -> Target* {
    for (Target& t : targets) {
      if (t.primary == p && t.fp == f && t.keys.size() < t.want) return &t;
    }
    return nullptr;
  };
  find_keys(
      rng, cfg,
      [&](std::uint32_t p, std::uint32_t f) { return wanted[p] && (f == 0 || open(p, f)); },
      [&](std::uint32_t p, std::uint32_t f, const FlowKey4& k) { open(p, f)->keys.push_back(k); },
      [&] {
        return std::all_of(targets.begin(), targets.end(),
                           [](const Target& t) { return t.keys.size() == t.want; });
      });
  std::vector<FlowCommand> setup;
  ConnectionId id = 1;
  for (std::size_t i = 0; i + 1 < targets.size(); ++i) {
    for (const FlowKey4& k : targets[i].keys)
      setup.push_back(insert_cmd(k, id++));
  }
  prefill(hls, rtl, ref, setup);
  BOOST_REQUIRE_EQUAL(hls.kernel->counters().moves, 0u);
  compare_state(hls, rtl, ref);
  const FlowKey4 key = targets.back().keys[0];
  std::vector<Op> ops{cmd_op(insert_cmd(key, 999)), lookup_op(key)};
  for (const Target& t : targets)
    ops.push_back(lookup_op(t.keys[0]));
  run_phase(hls, rtl, ref, tagged(ops), Pace{}, Pace{}, 78);
  BOOST_TEST_MESSAGE("longest path: " << paths(*hls.kernel));
  BOOST_TEST(hls.kernel->counters().moves == 7u + 3u);
  BOOST_TEST(hls.kernel->stash_entries() == 0u);
  BOOST_TEST(ref.count(key) == 1u);
  compare_state(hls, rtl, ref);
}

// At 95% load, one flow removed and a new one inserted, over and over: every
// insert searches, and the budget, the order of the search and the path it
// takes are the HLS kernel's.
BOOST_AUTO_TEST_CASE(churn_at_95_percent_load) {
  const ConnLookupConfig cfg;
  HlsSide hls(cfg, 10);
  RtlSide rtl(cfg, 10);
  Reference ref;
  std::mt19937_64 rng(95);
  const std::size_t load = kCapacity * 95 / 100;
  KeyPool pool = make_pool(load + 800, 96);
  std::vector<FlowCommand> fill;
  for (std::size_t i = 0; i < load; ++i)
    fill.push_back(insert_cmd(pool.keys[i], pool.next_id++));
  prefill(hls, rtl, ref, fill);
  std::vector<FlowKey4> live(pool.keys.begin(), pool.keys.begin() + static_cast<long>(load));
  std::vector<Op> ops;
  for (std::size_t i = load; i < pool.keys.size(); ++i) {
    const std::size_t victim = rng() % live.size();
    ops.push_back(cmd_op(remove_cmd(live[victim])));
    ops.push_back(lookup_op(live[victim]));
    live[victim] = pool.keys[i];
    ops.push_back(cmd_op(insert_cmd(pool.keys[i], pool.next_id++)));
    ops.push_back(lookup_op(pool.keys[i]));
  }
  const Pace pace{0.8, 0.8, false};
  const std::uint64_t searched = hls.kernel->counters().search_nodes;
  Trace h, r;
  const Counts n = run_phase(hls, rtl, ref, tagged(ops), pace, pace, 97, &r, &h);
  BOOST_TEST_MESSAGE("churn: " << ops.size() << " operations, "
                               << hls.kernel->counters().search_nodes - searched
                               << " buckets searched, in " << h.cycles << " cycles (HLS), "
                               << r.cycles << " (RTL); " << paths(*hls.kernel));
  BOOST_TEST(n.full == 0u);
  compare_state(hls, rtl, ref);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(throughput)

// Input always there, no back-pressure: once the pipeline is full one result
// every cycle, N lookups in N + latency + a small constant cycles, at memory
// latency 1, 50 and 200; the same results as the HLS kernel's.
BOOST_AUTO_TEST_CASE(one_lookup_per_cycle_at_latency_1_50_200) {
  constexpr std::size_t kLookups = 5000;
  // accept 1, hash 5, mirror 1, route 1, read FIFO 1, answer 1, result FIFO 1.
  constexpr std::uint64_t kPipeline = 12;
  const ConnLookupConfig cfg;
  HlsSide hls(cfg, 1);
  RtlSide rtl(cfg, 1);
  Reference ref;
  KeyPool pool = make_pool(kCapacity / 2, 11);
  std::vector<FlowCommand> fill;
  for (const FlowKey4& k : pool.keys)
    fill.push_back(insert_cmd(k, pool.next_id++));
  prefill(hls, rtl, ref, fill);
  std::mt19937_64 rng(12);
  std::vector<Op> ops;
  for (std::size_t i = 0; i < kLookups; ++i)
    ops.push_back(lookup_op(i % 3 == 2 ? random_key(rng) : pool.keys[rng() % pool.keys.size()]));
  ops = tagged(ops);
  for (const unsigned latency : {1u, 50u, 200u}) {
    hls.mem.set_latency(latency);
    rtl.set_latency(latency);
    Trace r;
    const Counts n = run_phase(hls, rtl, ref, ops, Pace{}, Pace{}, 30 + latency, &r);
    std::size_t gaps = 0;
    for (std::size_t i = 1; i < r.result_cycles.size(); ++i)
      gaps += r.result_cycles[i] != r.result_cycles[i - 1] + 1;
    const std::uint64_t total = r.result_cycles.back();
    const double steady = static_cast<double>(kLookups - 1) /
                          static_cast<double>(r.result_cycles.back() - r.result_cycles.front());
    BOOST_TEST_MESSAGE("latency " << latency << ": " << kLookups << " lookups in " << total
                                  << " cycles ("
                                  << static_cast<double>(kLookups) / static_cast<double>(total)
                                  << " overall), " << steady << " lookups/cycle once full, "
                                  << r.reads << " reads for " << n.hits << " hits");
    BOOST_TEST(gaps == 0u);
    BOOST_TEST(steady >= 0.99);
    BOOST_TEST(total <= kLookups + latency + kPipeline);
    BOOST_TEST(r.reads >= n.hits);
    BOOST_TEST(r.reads <= n.hits + (kLookups - n.hits) / 20);
  }
  compare_state(hls, rtl, ref);
}

// Lookups always offered, a command now and then: each command waits while
// exactly kLookupQuantum lookups pass, then stops the lookup input.
BOOST_AUTO_TEST_CASE(a_waiting_command_lets_sixteen_lookups_pass) {
  const ConnLookupConfig cfg;
  HlsSide hls(cfg, 30);
  RtlSide rtl(cfg, 30);
  Reference ref;
  std::mt19937_64 rng(60);
  KeyPool pool = make_pool(kCapacity / 2, 61);
  std::vector<FlowCommand> fill;
  for (std::size_t i = 0; i < pool.keys.size(); i += 2)
    fill.push_back(insert_cmd(pool.keys[i], pool.next_id++));
  prefill(hls, rtl, ref, fill);
  Trace h, r;
  run_phase(hls, rtl, ref, mix(pool, rng, 4000, 0.02), Pace{}, Pace{}, 62, &r, &h);
  BOOST_TEST(h.most_lookups_past_a_command == kLookupQuantum);
  BOOST_TEST(r.most_lookups_past_a_command == kLookupQuantum);
  compare_state(hls, rtl, ref);
}

BOOST_AUTO_TEST_SUITE_END()
