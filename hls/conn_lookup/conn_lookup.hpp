// SPDX-License-Identifier: Apache-2.0
// conn_lookup: the NIC's flow table. It maps the IPv4 4-tuple (contract::FlowKey4)
// to the host's ConnectionId for every received TCP segment, at one lookup per
// cycle, while the table itself (millions of entries) sits in off-chip memory.
//
// Table layout (README.md in this folder has the diagram and the figures):
// - a bucketized cuckoo hash in off-chip memory: one 512-bit word per bucket,
//   4 slots of 128 bits (96-bit key + 32-bit id), 2 candidate buckets per key;
// - an on-chip mirror holding a 12-bit fingerprint per slot (0 = empty);
// - an on-chip stash of kStashSize entries for keys the cuckoo search could not
//   place.
// The candidate buckets follow partial-key cuckoo hashing (Fan, Andersen,
// Kaminsky: "MemC3", NSDI 2013): b1 comes from one keyed hash, the fingerprint
// from an independent one, and b2 = b1 XOR offset(fingerprint). Because a key's
// other bucket is a function of the bucket it is in and its fingerprint, the
// mirror alone knows where every resident could move (the cuckoo search runs
// entirely on chip), and the kernel keeps this invariant:
//
//   (I) for a fingerprint f and a bucket pair {B, B ^ offset(f)}, f appears in
//       at most one of the two buckets.
//
// A lookup matches its fingerprint against the mirror of both candidates; by (I)
// at most one matches, and that bucket is the only place the key can be. So a
// hit costs exactly one memory read, a stash hit none, and a miss reads only on
// a fingerprint collision (about 8 * load / 4095 of misses). The price of (I):
// entries sharing a fingerprint and a bucket pair live in the same bucket and
// move together.
//
// Lookups and commands take effect in the order the kernel reads them from their
// streams. A waiting command lets at most kLookupQuantum more lookups in, then
// stops the lookup input until it is answered. A command that needs no memory
// read and moves nothing (malformed, stash hit, remove of a key the mirror rules
// out, insert of a new key into a free slot) is answered at once: the lookups in
// flight cannot be looking at the slot it writes. Any other command issues its
// read behind theirs and uses the answer once they have been answered (an insert
// may then take hundreds of cycles when the cuckoo search has to move keys).
// With no command pending, lookups issue one per cycle and keep up to
// kMaxInFlight memory reads outstanding.
//
// The kernel source is C++14 for Vitis HLS; the native build compiles the same
// code for C simulation and the soft backend.
#pragma once

#include <cassert>
#include <cstdint>

#include "contract/nic_contract.hpp"
#include "hls/common/hls_compat.hpp"

namespace tandem {
namespace hls_kernels {

// --- ports --------------------------------------------------------------------

// A lookup from the RX path. `tag` is opaque to the kernel and comes back with
// the result, so the RX path can re-join the frame it parked.
struct LookupRequest {
  contract::FlowKey4 key;
  std::uint16_t tag = 0;
};

struct LookupResult {
  std::uint16_t tag = 0;
  contract::ConnectionId conn_id = contract::kLookupMiss;
};

// The table memory, one word per bucket.
typedef ap_uint<512> BucketWord;
// One slot: bits 0-31 remote_ip, 32-63 local_ip, 64-79 remote_port,
// 80-95 local_port, 96-127 conn_id. An empty slot holds conn_id kLookupMiss.
typedef ap_uint<128> SlotEntry;

constexpr int kSlotsPerBucket = 4;
constexpr int kSlotBits = 128;

// Read port of the table memory: answered in order with one BucketWord each.
struct TableRead {
  std::uint32_t bucket = 0;
};

// Write port: one slot (an AXI write of 16 bytes with its strobes), so a move or
// an insert never has to read a bucket just to write one slot of it.
struct TableWrite {
  std::uint32_t bucket = 0;
  std::uint8_t slot = 0;
  SlotEntry entry;
};

// --- parameters -------------------------------------------------------------

constexpr int kFingerprintBits = 12;
constexpr std::uint32_t kFingerprintMask = (1u << kFingerprintBits) - 1;
// The stash is compared against every lookup in parallel (kStashSize 96-bit
// comparators), so it stays small.
constexpr int kStashSize = 32;
// Cuckoo search budget: buckets visited per insert (the "kick" limit).
constexpr int kBfsNodes = 512;
// Longest displacement path the search follows.
constexpr int kMaxPathMoves = 8;
// Fresh searches after a path turned out invalid while it was being executed.
constexpr int kMaxInsertAttempts = 3;
// Reads the lookup pipeline keeps in flight: full rate up to this memory latency.
constexpr int kMaxInFlight = 256;
// Lookups a waiting command lets pass before it stops the lookup input.
constexpr std::uint32_t kLookupQuantum = 16;
// Depth of the output FIFOs in front of m_axis_result and m_axis_cmd_status.
constexpr unsigned kOutputDepth = 2;

// log2 of the bucket count for a capacity: capacity/4 buckets, rounded up to a
// power of two, at least 2 so that every key has two distinct buckets.
constexpr unsigned conn_lookup_log2_buckets(std::uint32_t capacity) {
  unsigned log2 = 1;
  while ((std::uint64_t{1} << log2) * kSlotsPerBucket < capacity)
    ++log2;
  return log2;
}

// Run-time settings. The seeds key the two hashes: a deployment draws them at
// random so that nobody outside can aim keys at one bucket.
struct ConnLookupConfig {
  std::uint64_t bucket_seed = 0x243f6a8885a308d3ULL;
  std::uint64_t fingerprint_seed = 0x13198a2e03707344ULL;
  std::uint32_t stash_entries = kStashSize;  // 0 disables the stash
  std::uint32_t bfs_nodes = kBfsNodes;       // search budget, at most kBfsNodes
};

struct ConnLookupCounters {
  std::uint64_t lookups = 0;
  std::uint64_t lookup_hits = 0;
  std::uint64_t lookup_stash_hits = 0;
  std::uint64_t lookup_reads = 0;  // memory reads issued by lookups
  std::uint64_t inserts = 0;       // inserts answered ok
  std::uint64_t inserts_stashed = 0;
  std::uint64_t inserts_exists = 0;
  std::uint64_t inserts_full = 0;
  std::uint64_t removes = 0;  // removes answered ok
  std::uint64_t removes_not_found = 0;
  std::uint64_t rejected = 0;  // malformed commands, answered FlowStatus::rejected
  std::uint64_t command_reads = 0;
  std::uint64_t command_writes = 0;
  std::uint64_t search_nodes = 0;
  std::uint64_t moves = 0;
  std::uint64_t aborted_paths = 0;
  std::uint64_t stash_refills = 0;  // stash entries moved back into the table
};

// --- hashing ------------------------------------------------------------------

// Stafford's "Mix13" 64-bit finalizer (the one SplitMix64 uses): every input bit
// reaches every output bit, so keys that differ only in a port, or in ports
// that step by a constant, land in unrelated buckets.
inline std::uint64_t mix64(std::uint64_t x) {
#pragma HLS INLINE
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// A keyed hash of the 96-bit key: the addresses are mixed first, then the ports
// are folded in and mixed again, with the seed in both rounds.
inline std::uint64_t flow_hash(const contract::FlowKey4& key, std::uint64_t seed) {
#pragma HLS INLINE
  const std::uint64_t addresses =
      (static_cast<std::uint64_t>(key.remote_ip) << 32) | static_cast<std::uint64_t>(key.local_ip);
  const std::uint64_t ports = (static_cast<std::uint64_t>(key.remote_port) << 16) |
                              static_cast<std::uint64_t>(key.local_port);
  return mix64(mix64(addresses ^ seed) ^ ports ^ (seed * 0x9e3779b97f4a7c15ULL));
}

inline bool same_key(const contract::FlowKey4& a, const contract::FlowKey4& b) {
#pragma HLS INLINE
  return a.remote_ip == b.remote_ip && a.local_ip == b.local_ip && a.remote_port == b.remote_port &&
         a.local_port == b.local_port;
}

// --- slot encoding --------------------------------------------------------------

inline SlotEntry pack_slot(const contract::FlowKey4& key, contract::ConnectionId id) {
#pragma HLS INLINE
  const std::uint64_t lo =
      (static_cast<std::uint64_t>(key.local_ip) << 32) | static_cast<std::uint64_t>(key.remote_ip);
  const std::uint64_t hi = (static_cast<std::uint64_t>(id) << 32) |
                           (static_cast<std::uint64_t>(key.local_port) << 16) |
                           static_cast<std::uint64_t>(key.remote_port);
  return (SlotEntry(hi) << 64) | SlotEntry(lo);
}

inline SlotEntry empty_slot() {
#pragma HLS INLINE
  return pack_slot(contract::FlowKey4{}, contract::kLookupMiss);
}

inline std::uint64_t slot_low(const BucketWord& word, int slot) {
#pragma HLS INLINE
  return word.range(kSlotBits * slot + 63, kSlotBits * slot).to_uint64();
}

inline std::uint64_t slot_high(const BucketWord& word, int slot) {
#pragma HLS INLINE
  return word.range(kSlotBits * slot + 127, kSlotBits * slot + 64).to_uint64();
}

inline contract::FlowKey4 slot_key(const BucketWord& word, int slot) {
#pragma HLS INLINE
  const std::uint64_t lo = slot_low(word, slot);
  const std::uint64_t hi = slot_high(word, slot);
  contract::FlowKey4 key;
  key.remote_ip = static_cast<std::uint32_t>(lo);
  key.local_ip = static_cast<std::uint32_t>(lo >> 32);
  key.remote_port = static_cast<std::uint16_t>(hi);
  key.local_port = static_cast<std::uint16_t>(hi >> 16);
  return key;
}

inline contract::ConnectionId slot_id(const BucketWord& word, int slot) {
#pragma HLS INLINE
  return static_cast<contract::ConnectionId>(slot_high(word, slot) >> 32);
}

inline SlotEntry slot_entry(const BucketWord& word, int slot) {
#pragma HLS INLINE
  return (SlotEntry(slot_high(word, slot)) << 64) | SlotEntry(slot_low(word, slot));
}

// --- the kernel ---------------------------------------------------------------

// A native stream stand-in never fills; the depth makes a consumer that stops
// reading push back on the kernel as the hardware FIFO would.
template <typename T>
inline bool output_ready(hls::stream<T>& s) {
#pragma HLS INLINE
#if TANDEM_HLS_VITIS
  return !s.full();
#else
  return s.size() < kOutputDepth;
#endif
}

template <std::uint32_t kCapacity>
class ConnLookup {
 public:
  static constexpr unsigned kLog2Buckets = conn_lookup_log2_buckets(kCapacity);
  static constexpr std::uint32_t kBuckets = std::uint32_t{1} << kLog2Buckets;
  static constexpr std::uint32_t kSlots = kBuckets * kSlotsPerBucket;
  // On-chip cost of the fingerprint mirror, in bits.
  static constexpr std::uint64_t kMirrorBits =
      std::uint64_t{kBuckets} * kSlotsPerBucket * kFingerprintBits;

  // Where a key may be: its two buckets and its fingerprint.
  struct Probe {
    std::uint32_t primary = 0;
    std::uint32_t alternate = 0;
    std::uint32_t fingerprint = 0;
  };

  explicit ConnLookup(const ConnLookupConfig& config = ConnLookupConfig()) : config_(config) {
    if (config_.stash_entries > static_cast<std::uint32_t>(kStashSize))
      config_.stash_entries = kStashSize;
    if (config_.bfs_nodes > static_cast<std::uint32_t>(kBfsNodes) || config_.bfs_nodes < 2)
      config_.bfs_nodes = kBfsNodes;
#if !TANDEM_HLS_VITIS
    // All slots empty. (The Vitis build's static instance starts zeroed.)
    for (std::uint32_t b = 0; b < kBuckets; ++b)
      mirror_[b] = 0;
#endif
    for (int i = 0; i < kStashSize; ++i)
      stash_valid_[i] = false;
  }

  // One clock cycle. Lookups: at most one accepted, one issued to memory and one
  // answered. Commands: one state of the command machine. At most one read
  // request and one write leave for the table memory.
  void step(hls::stream<LookupRequest>& s_axis_lookup, hls::stream<LookupResult>& m_axis_result,
            hls::stream<contract::FlowCommand>& s_axis_cmd,
            hls::stream<contract::FlowCompletion>& m_axis_cmd_status,
            hls::stream<TableRead>& lookup2table_rd, hls::stream<BucketWord>& table2lookup_rd,
            hls::stream<TableWrite>& lookup2table_wr) {
#pragma HLS PIPELINE II = 1
    StreamPorts table(lookup2table_rd, table2lookup_rd, lookup2table_wr);
    lookup_read_issued_ = false;
    // Later stages first, so that a lookup advances one stage per cycle.
    answer_stage(m_axis_result, table2lookup_rd);
    issue_stage(lookup2table_rd);
    // Arbitration: a waiting command lets at most kLookupQuantum more lookups in
    // before it stops the input, so neither stream can starve the other.
    const bool cmd_waiting = !s_axis_cmd.empty();
    if (cmd_state_ == CmdState::idle && (!cmd_waiting || lookup_quantum_ != 0)) {
      if (accept_stage(s_axis_lookup) && cmd_waiting) --lookup_quantum_;
    }
    if (cmd_state_ == CmdState::idle) {
      if (cmd_waiting && (lookup_quantum_ == 0 || s_axis_lookup.empty())) {
        cmd_ = s_axis_cmd.read();
        attempts_ = 0;
        cmd_state_ = CmdState::start;
      }
    } else if (cmd_state_ == CmdState::respond) {
      if (output_ready(m_axis_cmd_status)) {
        m_axis_cmd_status.write(completion());
        cmd_state_ = CmdState::idle;
        lookup_quantum_ = kLookupQuantum;
      }
    } else {
      command_step(table);
    }
  }

  // Nothing accepted and unanswered, no command in progress.
  bool idle() const {
    return cmd_state_ == CmdState::idle && !issue_valid_ && inflight_count_ == 0;
  }

  // --- native bulk path -------------------------------------------------------
  // Runs one command to completion through the same state machine as step(),
  // with every memory read answered in the cycle it is issued. For tests and
  // benchmarks that fill millions of entries; `table` provides
  // BucketWord read_now(bucket) and void write(const TableWrite&). The lookup
  // pipeline must be idle.
  template <class DirectTable>
  contract::FlowCompletion run_command(const contract::FlowCommand& cmd, DirectTable& table) {
    assert(idle() && "run_command needs the lookup pipeline idle");
    DirectPorts<DirectTable> ports(table);
    cmd_ = cmd;
    attempts_ = 0;
    cmd_state_ = CmdState::start;
    while (cmd_state_ != CmdState::respond)
      command_step(ports);
    cmd_state_ = CmdState::idle;
    return completion();
  }

  // One lookup with the pipeline's routing and matching, read answered at once.
  template <class DirectTable>
  contract::ConnectionId run_lookup(const contract::FlowKey4& key, DirectTable& table) {
    assert(cmd_state_ == CmdState::idle && "run_lookup during a command");
    const InFlight e = route_lookup(key, 0);
    if (!e.needs_read) return e.conn_id;
    return match_slots(table.read_now(e.bucket), key, e.slot_mask);
  }

  // --- inspection -------------------------------------------------------------
  const ConnLookupConfig& config() const {
    return config_;
  }
  const ConnLookupCounters& counters() const {
    return counters_;
  }
  std::uint32_t table_entries() const {
    return entries_;
  }
  std::uint32_t stash_entries() const {
    return stash_count_;
  }
  std::uint32_t entries() const {
    return entries_ + stash_count_;
  }
  Probe probe(const contract::FlowKey4& key) const {
#pragma HLS INLINE
    Probe p;
    const std::uint64_t h1 = flow_hash(key, config_.bucket_seed);
    const std::uint64_t h2 = flow_hash(key, config_.fingerprint_seed);
    p.primary = static_cast<std::uint32_t>(h1) & (kBuckets - 1);
    p.fingerprint = static_cast<std::uint32_t>(h2 >> (64 - kFingerprintBits));
    if (p.fingerprint == 0) p.fingerprint = 1;
    p.alternate = partner(p.primary, p.fingerprint);
    return p;
  }
  // The bucket paired with `bucket` for fingerprint `fp`. Odd offsets keep the
  // two buckets distinct; Fibonacci hashing spreads the 4095 offsets over the
  // table.
  static std::uint32_t partner(std::uint32_t bucket, std::uint32_t fp) {
#pragma HLS INLINE
    const std::uint64_t spread = static_cast<std::uint64_t>(fp) * 0x9e3779b97f4a7c15ULL;
    const std::uint32_t offset = static_cast<std::uint32_t>(spread >> (64 - kLog2Buckets)) | 1u;
    return (bucket ^ offset) & (kBuckets - 1);
  }

 private:
  enum class CmdState : std::uint8_t {
    idle,
    start,       // answer on chip if the command allows it, else issue its read
    find_wait,   // the candidate bucket: is the key there?
    place,       // a free slot in a candidate bucket?
    search,      // breadth-first cuckoo search over the mirror, a bucket a cycle
    move_read,   // execute the path from its free end: read the source bucket
    move_wait,   // its contents arrive
    move_write,  // write a moved entry into its other bucket
    move_clear,  // clear the slot it left
    write_new,   // write the inserted entry
    refill,      // after a remove: move a stash entry into the freed bucket
    stash,       // no room in the table: keep the key on chip
    respond,
  };

  struct InFlight {
    std::uint16_t tag = 0;
    contract::FlowKey4 key;
    bool needs_read = false;
    std::uint32_t bucket = 0;
    std::uint8_t slot_mask = 0;
    contract::ConnectionId conn_id = contract::kLookupMiss;
  };

  struct SearchNode {
    std::uint32_t bucket = 0;
    std::uint16_t parent = 0;
    std::uint8_t slot = 0;  // slot of the parent whose entry (group) would move here
    std::uint8_t depth = 0;
    std::uint8_t need = 1;  // free slots this bucket must have: the group's size
  };

  // Memory ports as the command machine sees them: streams in step(), direct
  // reads in the bulk path.
  class StreamPorts {
   public:
    StreamPorts(hls::stream<TableRead>& rd, hls::stream<BucketWord>& data,
                hls::stream<TableWrite>& wr)
        : rd_(rd), data_(data), wr_(wr) {}
    void read(std::uint32_t bucket) {
      TableRead r;
      r.bucket = bucket;
      rd_.write(r);
    }
    bool has_data() const { return !data_.empty(); }
    BucketWord data() { return data_.read(); }
    void write(const TableWrite& w) { wr_.write(w); }

   private:
    hls::stream<TableRead>& rd_;
    hls::stream<BucketWord>& data_;
    hls::stream<TableWrite>& wr_;
  };

  template <class DirectTable>
  class DirectPorts {
   public:
    explicit DirectPorts(DirectTable& table) : table_(table) {}
    void read(std::uint32_t bucket) {
      word_ = table_.read_now(bucket);
      full_ = true;
    }
    bool has_data() const { return full_; }
    BucketWord data() {
      full_ = false;
      return word_;
    }
    void write(const TableWrite& w) { table_.write(w); }

   private:
    DirectTable& table_;
    BucketWord word_;
    bool full_ = false;
  };

  // --- the mirror ---------------------------------------------------------------
  static std::uint32_t fp_at(std::uint64_t fps, int slot) {
#pragma HLS INLINE
    return static_cast<std::uint32_t>(fps >> (kFingerprintBits * slot)) & kFingerprintMask;
  }
  static std::uint64_t with_fp(std::uint64_t fps, int slot, std::uint32_t fp) {
#pragma HLS INLINE
    const int shift = kFingerprintBits * slot;
    return (fps & ~(std::uint64_t{kFingerprintMask} << shift)) | (std::uint64_t{fp} << shift);
  }
  static std::uint8_t match_mask(std::uint64_t fps, std::uint32_t fp) {
#pragma HLS INLINE
    std::uint8_t mask = 0;
    for (int s = 0; s < kSlotsPerBucket; ++s) {
#pragma HLS UNROLL
      if (fp_at(fps, s) == fp) mask |= static_cast<std::uint8_t>(1u << s);
    }
    return mask;
  }
  static int free_slot(std::uint64_t fps) {
#pragma HLS INLINE
    int found = -1;
    for (int s = kSlotsPerBucket - 1; s >= 0; --s) {
#pragma HLS UNROLL
      if (fp_at(fps, s) == 0) found = s;
    }
    return found;
  }
  static int free_count(std::uint64_t fps) {
#pragma HLS INLINE
    int n = 0;
    for (int s = 0; s < kSlotsPerBucket; ++s) {
#pragma HLS UNROLL
      n += fp_at(fps, s) == 0 ? 1 : 0;
    }
    return n;
  }
  static int count_bits(std::uint8_t mask) {
#pragma HLS INLINE
    int n = 0;
    for (int s = 0; s < kSlotsPerBucket; ++s) {
#pragma HLS UNROLL
      n += (mask >> s) & 1;
    }
    return n;
  }
  std::uint64_t fps_of(std::uint32_t bucket) const {
    return mirror_[bucket];
  }
  void set_fp(std::uint32_t bucket, int slot, std::uint32_t fp) {
    mirror_[bucket] = with_fp(fps_of(bucket), slot, fp);
  }
  // May an entry with fingerprint `fp` go into `bucket`? Invariant (I).
  bool may_enter(std::uint32_t bucket, std::uint32_t fp) const {
    return match_mask(fps_of(partner(bucket, fp)), fp) == 0;
  }

  // --- the stash ----------------------------------------------------------------
  int stash_find(const contract::FlowKey4& key) const {
#pragma HLS INLINE
    int found = -1;
    for (int i = 0; i < kStashSize; ++i) {
#pragma HLS UNROLL
      if (stash_valid_[i] && same_key(stash_key_[i], key)) found = i;
    }
    return found;
  }
  int stash_free() const {
    int found = -1;
    for (int i = kStashSize - 1; i >= 0; --i) {
#pragma HLS UNROLL
      if (!stash_valid_[i]) found = i;
    }
    return found;
  }

  // --- lookups ------------------------------------------------------------------
  // Everything a lookup decides on chip: a stash hit, a definite miss, or the one
  // bucket to read and the slots whose fingerprints match.
  InFlight route_lookup(const contract::FlowKey4& key, std::uint16_t tag) const {
#pragma HLS INLINE
    InFlight e;
    e.tag = tag;
    e.key = key;
    const int si = stash_count_ != 0 ? stash_find(key) : -1;
    if (si >= 0) {
      e.conn_id = stash_id_[si];
      return e;
    }
    const Probe p = probe(key);
    const std::uint8_t in_primary = match_mask(fps_of(p.primary), p.fingerprint);
    const std::uint8_t in_alternate = match_mask(fps_of(p.alternate), p.fingerprint);
    assert((in_primary == 0 || in_alternate == 0) && "invariant (I) broken");
    if (in_primary != 0 || in_alternate != 0) {
      e.needs_read = true;
      e.bucket = in_primary != 0 ? p.primary : p.alternate;
      e.slot_mask = in_primary != 0 ? in_primary : in_alternate;
    }
    return e;
  }

  static int find_slot(const BucketWord& word, const contract::FlowKey4& key,
                       std::uint8_t slot_mask) {
#pragma HLS INLINE
    int found = -1;
    for (int s = 0; s < kSlotsPerBucket; ++s) {
#pragma HLS UNROLL
      if (((slot_mask >> s) & 1u) != 0 && same_key(slot_key(word, s), key)) found = s;
    }
    return found;
  }

  static contract::ConnectionId match_slots(const BucketWord& word, const contract::FlowKey4& key,
                                            std::uint8_t slot_mask) {
#pragma HLS INLINE
    const int s = find_slot(word, key, slot_mask);
    return s >= 0 ? slot_id(word, s) : contract::kLookupMiss;
  }

  bool accept_stage(hls::stream<LookupRequest>& s_axis_lookup) {
#pragma HLS INLINE
    if (issue_valid_ || s_axis_lookup.empty()) return false;
    issue_req_ = s_axis_lookup.read();
    issue_valid_ = true;
    return true;
  }

  void issue_stage(hls::stream<TableRead>& lookup2table_rd) {
#pragma HLS INLINE
    if (!issue_valid_ || inflight_count_ == kMaxInFlight) return;
    const InFlight e = route_lookup(issue_req_.key, issue_req_.tag);
    if (e.needs_read) {
      TableRead r;
      r.bucket = e.bucket;
      lookup2table_rd.write(r);
      lookup_read_issued_ = true;
      ++counters_.lookup_reads;
    }
    inflight_[(inflight_head_ + inflight_count_) % kMaxInFlight] = e;
    ++inflight_count_;
    issue_valid_ = false;
    ++counters_.lookups;
  }

  void answer_stage(hls::stream<LookupResult>& m_axis_result,
                    hls::stream<BucketWord>& table2lookup_rd) {
#pragma HLS INLINE
    if (inflight_count_ == 0 || !output_ready(m_axis_result)) return;
    const InFlight& e = inflight_[inflight_head_];
    LookupResult r;
    r.tag = e.tag;
    if (e.needs_read) {
      if (table2lookup_rd.empty()) return;
      r.conn_id = match_slots(table2lookup_rd.read(), e.key, e.slot_mask);
    } else {
      r.conn_id = e.conn_id;
      if (r.conn_id != contract::kLookupMiss) ++counters_.lookup_stash_hits;
    }
    if (r.conn_id != contract::kLookupMiss) ++counters_.lookup_hits;
    m_axis_result.write(r);
    inflight_head_ = (inflight_head_ + 1) % kMaxInFlight;
    --inflight_count_;
  }

  // --- commands -----------------------------------------------------------------
  // Answers a malformed command with `rejected`, counted; nothing changes.
  void reject() {
    finish(contract::FlowStatus::rejected);
  }

  void finish(contract::FlowStatus status) {
    status_ = status;
    cmd_state_ = CmdState::respond;
    const bool insert = cmd_.op == contract::FlowOp::insert;
    switch (status) {
      case contract::FlowStatus::ok:
        if (insert) {
          ++counters_.inserts;
        } else {
          ++counters_.removes;
        }
        break;
      case contract::FlowStatus::exists:
        ++counters_.inserts_exists;
        break;
      case contract::FlowStatus::full:
        ++counters_.inserts_full;
        break;
      case contract::FlowStatus::not_found:
        ++counters_.removes_not_found;
        break;
      case contract::FlowStatus::rejected:
        ++counters_.rejected;
        break;
    }
  }

  contract::FlowCompletion completion() const {
    contract::FlowCompletion c;
    c.tag = cmd_.tag;
    c.status = status_;
    return c;
  }

  template <class Ports>
  void command_step(Ports& table) {
#pragma HLS INLINE
    switch (cmd_state_) {
      case CmdState::start:
        // Once the lookups accepted before the command have been routed, and
        // not in a cycle whose read the last of them took.
        if (!issue_valid_ && !lookup_read_issued_ && !answer_on_chip(table)) start_memory(table);
        break;
      case CmdState::find_wait:
        if (inflight_count_ == 0 && table.has_data()) found_bucket(table.data(), table);
        break;
      case CmdState::place:
        place_new();
        break;
      case CmdState::search:
        search_step();
        break;
      case CmdState::move_read:
        move_read(table);
        break;
      case CmdState::move_wait:
        if (inflight_count_ == 0 && table.has_data()) {
          move_word_ = table.data();
          cmd_state_ = CmdState::move_write;
        }
        break;
      case CmdState::move_write:
        move_write(table);
        break;
      case CmdState::move_clear:
        move_clear(table);
        break;
      case CmdState::write_new:
        write_new(table);
        break;
      case CmdState::refill:
        refill(table);
        break;
      case CmdState::stash:
        stash_new();
        break;
      default:
        break;
    }
  }

  // The part of a command decided on chip. True when the command is answered
  // without a memory read or a move: malformed, in the stash, a remove of a key
  // the mirror rules out, or a new key with a free slot in a candidate bucket
  // (one write, into a slot whose empty fingerprint no lookup in flight can be
  // matching). Such a command does not wait for the lookups in flight.
  template <class Ports>
  bool answer_on_chip(Ports& table) {
    const bool insert = cmd_.op == contract::FlowOp::insert;
    if (cmd_.op != contract::FlowOp::insert && cmd_.op != contract::FlowOp::remove) {
      reject();
      return true;
    }
    if (cmd_.family != contract::AddressFamily::ipv4 ||
        (insert && cmd_.conn_id == contract::kLookupMiss)) {
      reject();
      return true;
    }
    key_ = probe(cmd_.key);
    const int si = stash_count_ != 0 ? stash_find(cmd_.key) : -1;
    if (si >= 0) {
      if (insert) {
        finish(contract::FlowStatus::exists);
      } else {
        stash_valid_[si] = false;
        --stash_count_;
        finish(contract::FlowStatus::ok);
      }
      return true;
    }
    if (match_mask(fps_of(key_.primary), key_.fingerprint) != 0 ||
        match_mask(fps_of(key_.alternate), key_.fingerprint) != 0)
      return false;
    if (!insert) {
      finish(contract::FlowStatus::not_found);
      return true;
    }
    if (choose_direct(key_.primary) || choose_direct(key_.alternate)) {
      write_new(table);
      return true;
    }
    return false;
  }

  // Read the bucket the mirror points at, or search for room. The read may be
  // issued behind reads of lookups still in flight: answers come back in order,
  // so the command takes its answer only once theirs have been consumed, and by
  // then no lookup read is left that a later write of the command could overtake.
  // Everything that writes follows such an answer, or writes an empty slot.
  template <class Ports>
  void start_memory(Ports& table) {
    const std::uint8_t in_primary = match_mask(fps_of(key_.primary), key_.fingerprint);
    const std::uint8_t in_alternate = match_mask(fps_of(key_.alternate), key_.fingerprint);
    if (in_primary != 0 || in_alternate != 0) {
      found_bucket_ = in_primary != 0 ? key_.primary : key_.alternate;
      found_mask_ = in_primary != 0 ? in_primary : in_alternate;
      table.read(found_bucket_);
      ++counters_.command_reads;
      cmd_state_ = CmdState::find_wait;
    } else {
      cmd_state_ = CmdState::place;
    }
  }

  template <class Ports>
  void found_bucket(const BucketWord& word, Ports& table) {
    const int s = find_slot(word, cmd_.key, found_mask_);
    const bool insert = cmd_.op == contract::FlowOp::insert;
    if (s < 0) {
      if (insert) {
        cmd_state_ = CmdState::place;
      } else {
        finish(contract::FlowStatus::not_found);
      }
      return;
    }
    if (insert) {
      finish(contract::FlowStatus::exists);
      return;
    }
    write_slot(table, found_bucket_, s, empty_slot());
    set_fp(found_bucket_, s, 0);
    --entries_;
    if (stash_count_ != 0) {
      cmd_state_ = CmdState::refill;
    } else {
      finish(contract::FlowStatus::ok);
    }
  }

  template <class Ports>
  void write_slot(Ports& table, std::uint32_t bucket, int slot, const SlotEntry& entry) {
    TableWrite w;
    w.bucket = bucket;
    w.slot = static_cast<std::uint8_t>(slot);
    w.entry = entry;
    table.write(w);
    ++counters_.command_writes;
  }

  // A free slot in a candidate bucket that (I) allows, primary first.
  bool choose_direct(std::uint32_t bucket) {
    const int s = free_slot(fps_of(bucket));
    if (s < 0 || !may_enter(bucket, key_.fingerprint)) return false;
    new_bucket_ = bucket;
    new_slot_ = static_cast<std::uint8_t>(s);
    return true;
  }

  void place_new() {
    if (choose_direct(key_.primary) || choose_direct(key_.alternate)) {
      cmd_state_ = CmdState::write_new;
      return;
    }
    // Seed the search with the candidate buckets the new key may enter.
    node_count_ = 0;
    search_head_ = 0;
    const std::uint32_t roots[2] = {key_.primary, key_.alternate};
    for (int r = 0; r < 2; ++r) {
      if (!may_enter(roots[r], key_.fingerprint)) continue;
      SearchNode n;
      n.bucket = roots[r];
      n.parent = 0;
      n.slot = 0;
      n.depth = 0;
      nodes_[node_count_++] = n;
    }
    cmd_state_ = node_count_ != 0 ? CmdState::search : CmdState::stash;
  }

  // One bucket of the breadth-first search: done if it has a free slot,
  // otherwise each entry that may move to its other bucket adds that bucket.
  // Everything here is on chip: the mirror gives both the free slots and, through
  // the fingerprints, where each entry could go.
  void search_step() {
    if (search_head_ == node_count_) {
      cmd_state_ = CmdState::stash;
      return;
    }
    ++counters_.search_nodes;
    const std::uint16_t at = search_head_++;
    const SearchNode n = nodes_[at];
    const std::uint64_t fps = fps_of(n.bucket);
    if (free_count(fps) >= n.need) {
      begin_path(at);
      return;
    }
    // A group only moves into a bucket that has room for all of it already.
    if (n.need > 1 || n.depth >= kMaxPathMoves) return;
    for (int s = 0; s < kSlotsPerBucket; ++s) {
      const std::uint32_t fp = fp_at(fps, s);
      // Entries sharing a fingerprint in one bucket move together (I): the group
      // is entered once, at its lowest slot.
      const std::uint8_t group = match_mask(fps, fp);
      if ((group & ((1u << s) - 1)) != 0) continue;
      const std::uint32_t to = partner(n.bucket, fp);
      // The new key's fingerprint must not enter its own other bucket (I).
      if (fp == key_.fingerprint && (to == key_.primary || to == key_.alternate)) continue;
      if (node_count_ >= config_.bfs_nodes) continue;
      SearchNode child;
      child.bucket = to;
      child.parent = at;
      child.slot = static_cast<std::uint8_t>(s);
      child.depth = static_cast<std::uint8_t>(n.depth + 1);
      child.need = static_cast<std::uint8_t>(count_bits(group));
      nodes_[node_count_++] = child;
    }
  }

  // Records the path root..leaf; the moves run from the leaf (free) end, so each
  // entry is copied into a free slot before its old slot is cleared.
  void begin_path(std::uint16_t leaf) {
    std::uint8_t depth = nodes_[leaf].depth;
    path_len_ = depth;
    std::uint16_t at = leaf;
    for (int i = kMaxPathMoves; i >= 0; --i) {
      if (i <= depth) {
        path_[i] = at;
        at = nodes_[at].parent;
      }
    }
    move_index_ = path_len_;
    // A root with a free slot would have been taken directly by place_new().
    if (path_len_ == 0) {
      abort_path();
      return;
    }
    cmd_state_ = CmdState::move_read;
  }

  // The search saw the mirror as it was; earlier moves of this path may have
  // changed it, so each move is checked again before it is made.
  void abort_path() {
    ++counters_.aborted_paths;
    ++attempts_;
    cmd_state_ = attempts_ < kMaxInsertAttempts ? CmdState::place : CmdState::stash;
  }

  // A move takes the whole group of entries sharing the fingerprint of the
  // path's slot: usually one entry, at a path's free end possibly more.
  template <class Ports>
  void move_read(Ports& table) {
    const SearchNode& to = nodes_[path_[move_index_]];
    move_from_ = nodes_[path_[move_index_ - 1]].bucket;
    move_to_ = to.bucket;
    const std::uint64_t from_fps = fps_of(move_from_);
    const std::uint64_t to_fps = fps_of(move_to_);
    const std::uint32_t fp = fp_at(from_fps, to.slot);
    move_mask_ = match_mask(from_fps, fp);
    const bool valid =
        fp != 0 && partner(move_from_, fp) == move_to_ &&
        free_count(to_fps) >= count_bits(move_mask_) && match_mask(to_fps, fp) == 0 &&
        !(fp == key_.fingerprint && (move_to_ == key_.primary || move_to_ == key_.alternate));
    if (!valid) {
      abort_path();
      return;
    }
    move_fp_ = fp;
    table.read(move_from_);
    ++counters_.command_reads;
    cmd_state_ = CmdState::move_wait;
  }

  // One entry of the group a cycle: copied into a free slot, then cleared. The
  // lookup pipeline is drained, so nobody sees a group half moved.
  template <class Ports>
  void move_write(Ports& table) {
    int from = 0;
    for (int s = kSlotsPerBucket - 1; s >= 0; --s) {
#pragma HLS UNROLL
      if (((move_mask_ >> s) & 1u) != 0) from = s;
    }
    const int dest = free_slot(fps_of(move_to_));
    write_slot(table, move_to_, dest, slot_entry(move_word_, from));
    set_fp(move_to_, dest, move_fp_);
    move_from_slot_ = static_cast<std::uint8_t>(from);
    move_mask_ = static_cast<std::uint8_t>(move_mask_ & ~(1u << from));
    cmd_state_ = CmdState::move_clear;
  }

  template <class Ports>
  void move_clear(Ports& table) {
    write_slot(table, move_from_, move_from_slot_, empty_slot());
    set_fp(move_from_, move_from_slot_, 0);
    ++counters_.moves;
    if (move_mask_ != 0) {
      cmd_state_ = CmdState::move_write;
      return;
    }
    --move_index_;
    if (move_index_ != 0) {
      cmd_state_ = CmdState::move_read;
      return;
    }
    // The root bucket now has a free slot; the new key still has to respect (I).
    const std::uint32_t root = nodes_[path_[0]].bucket;
    const int s = free_slot(fps_of(root));
    if (s < 0 || !may_enter(root, key_.fingerprint)) {
      abort_path();
      return;
    }
    new_bucket_ = root;
    new_slot_ = static_cast<std::uint8_t>(s);
    cmd_state_ = CmdState::write_new;
  }

  template <class Ports>
  void write_new(Ports& table) {
    write_slot(table, new_bucket_, new_slot_, pack_slot(cmd_.key, cmd_.conn_id));
    set_fp(new_bucket_, new_slot_, key_.fingerprint);
    ++entries_;
    finish(contract::FlowStatus::ok);
  }

  void stash_new() {
    const int si = stash_free();
    if (stash_count_ >= config_.stash_entries || si < 0) {
      finish(contract::FlowStatus::full);
      return;
    }
    stash_valid_[si] = true;
    stash_key_[si] = cmd_.key;
    stash_id_[si] = cmd_.conn_id;
    stash_primary_[si] = key_.primary;
    stash_fp_[si] = static_cast<std::uint16_t>(key_.fingerprint);
    ++stash_count_;
    ++counters_.inserts_stashed;
    finish(contract::FlowStatus::ok);
  }

  // A remove freed a slot in found_bucket_: the first stash entry that may enter
  // that bucket moves there, so the stash drains as the table does.
  template <class Ports>
  void refill(Ports& table) {
    const std::uint32_t bucket = found_bucket_;
    const int s = free_slot(fps_of(bucket));
    int pick = -1;
    for (int i = kStashSize - 1; i >= 0; --i) {
#pragma HLS UNROLL
      if (!stash_valid_[i]) continue;
      const std::uint32_t fp = stash_fp_[i];
      const std::uint32_t p = stash_primary_[i];
      if ((p == bucket || partner(p, fp) == bucket) && may_enter(bucket, fp)) pick = i;
    }
    if (pick >= 0 && s >= 0) {
      write_slot(table, bucket, s, pack_slot(stash_key_[pick], stash_id_[pick]));
      set_fp(bucket, s, stash_fp_[pick]);
      stash_valid_[pick] = false;
      --stash_count_;
      ++entries_;
      ++counters_.stash_refills;
    }
    finish(contract::FlowStatus::ok);
  }

  // --- state --------------------------------------------------------------------
  ConnLookupConfig config_;
  ConnLookupCounters counters_;

  // On chip: kFingerprintBits per slot (URAM in the Vitis build; plain 64-bit
  // words natively, which C simulation reads much faster).
#if TANDEM_HLS_VITIS
  typedef ap_uint<kSlotsPerBucket * kFingerprintBits> MirrorWord;
#else
  typedef std::uint64_t MirrorWord;
#endif
  MirrorWord mirror_[kBuckets];
  std::uint32_t entries_ = 0;

  bool stash_valid_[kStashSize];
  contract::FlowKey4 stash_key_[kStashSize];
  contract::ConnectionId stash_id_[kStashSize] = {};
  std::uint32_t stash_primary_[kStashSize] = {};
  std::uint16_t stash_fp_[kStashSize] = {};
  std::uint32_t stash_count_ = 0;

  // Lookup pipeline: the accepted request, then the answers in flight in order.
  bool issue_valid_ = false;
  LookupRequest issue_req_;
  bool lookup_read_issued_ = false;  // the read port is taken this cycle
  InFlight inflight_[kMaxInFlight];
  std::uint32_t inflight_head_ = 0;
  std::uint32_t inflight_count_ = 0;

  // Command machine.
  CmdState cmd_state_ = CmdState::idle;
  std::uint32_t lookup_quantum_ = kLookupQuantum;
  contract::FlowCommand cmd_;
  contract::FlowStatus status_ = contract::FlowStatus::ok;
  Probe key_;
  std::uint32_t found_bucket_ = 0;
  std::uint8_t found_mask_ = 0;
  std::uint32_t new_bucket_ = 0;
  std::uint8_t new_slot_ = 0;
  int attempts_ = 0;

  SearchNode nodes_[kBfsNodes];
  std::uint16_t node_count_ = 0;
  std::uint16_t search_head_ = 0;
  std::uint16_t path_[kMaxPathMoves + 1] = {};
  std::uint8_t path_len_ = 0;
  std::uint8_t move_index_ = 0;
  std::uint32_t move_from_ = 0;
  std::uint8_t move_from_slot_ = 0;
  std::uint32_t move_to_ = 0;
  std::uint8_t move_mask_ = 0;
  std::uint32_t move_fp_ = 0;
  BucketWord move_word_;
};

}  // namespace hls_kernels
}  // namespace tandem

// The Vitis top level: one call is one clock cycle of a free-running kernel
// (ap_ctrl_none) with capacity TANDEM_CONN_LOOKUP_CAPACITY. `table` and
// `table_slots` are two m_axi views of the same buffer of BucketWords: 512-bit
// reads of a bucket, 128-bit writes of a slot.
#ifndef TANDEM_CONN_LOOKUP_CAPACITY
#define TANDEM_CONN_LOOKUP_CAPACITY (1u << 20)
#endif

void conn_lookup(hls::stream<tandem::hls_kernels::LookupRequest>& s_axis_lookup,
                 hls::stream<tandem::hls_kernels::LookupResult>& m_axis_result,
                 hls::stream<tandem::contract::FlowCommand>& s_axis_cmd,
                 hls::stream<tandem::contract::FlowCompletion>& m_axis_cmd_status,
                 const tandem::hls_kernels::BucketWord* table,
                 tandem::hls_kernels::SlotEntry* table_slots);
