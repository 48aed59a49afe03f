// SPDX-License-Identifier: Apache-2.0
// The flow table's off-chip memory as the native build models it: an array of
// 512-bit bucket words owned by the test or backend, a read port answered in
// order after a fixed latency, and a slot-wide write port. In the Vitis build the
// same ports are an m_axi interface to HBM or DDR (conn_lookup.cpp). Not
// synthesized.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "hls/conn_lookup/conn_lookup.hpp"

namespace tandem::hls_kernels {

class TableMemory {
 public:
  // Every slot starts empty (conn_id kLookupMiss). `latency` is in cycles: a read
  // request written in cycle c is in the data stream when the kernel steps in
  // cycle c + latency.
  TableMemory(std::uint32_t buckets, unsigned latency)
      : words_(buckets, empty_word()), latency_(latency), line_(latency + 1) {
    if (latency == 0) throw std::invalid_argument("TableMemory: latency must be >= 1 cycle");
  }

  // One clock cycle: at most one write (applied at once, so reads requested in
  // later cycles see it), at most one read request, at most one response.
  void step(hls::stream<TableRead>& rd, hls::stream<BucketWord>& data,
            hls::stream<TableWrite>& wr) {
    ++cycle_;
    if (!wr.empty()) write(wr.read());
    if (!rd.empty()) {
      if (pending_ == line_.size()) throw std::logic_error("TableMemory: delay line overflow");
      const TableRead r = rd.read();
      Pending& p = line_[(head_ + pending_) % line_.size()];
      p.due = cycle_ + latency_ - 1;
      p.word = read_now(r.bucket);
      ++pending_;
    }
    if (pending_ != 0 && line_[head_].due <= cycle_) {
      data.write(line_[head_].word);
      head_ = (head_ + 1) % line_.size();
      --pending_;
    }
  }

  // Direct access for the kernel's bulk path; counted like port accesses.
  BucketWord read_now(std::uint32_t bucket) {
    ++reads_;
    return words_.at(bucket);
  }
  void write(const TableWrite& w) {
    ++writes_;
    BucketWord& word = words_.at(w.bucket);
    const int shift = kSlotBits * w.slot;
    word = (word & keep_others_.at(w.slot)) | (BucketWord(w.entry) << shift);
  }

  // Inspection, not counted.
  const BucketWord& word(std::uint32_t bucket) const { return words_.at(bucket); }
  std::uint32_t buckets() const { return static_cast<std::uint32_t>(words_.size()); }
  unsigned latency() const { return latency_; }
  bool idle() const { return pending_ == 0; }
  std::uint64_t reads() const { return reads_; }
  std::uint64_t writes() const { return writes_; }

  // Only between runs: no read may be in flight.
  void set_latency(unsigned latency) {
    if (!idle() || latency == 0) throw std::logic_error("TableMemory: bad latency change");
    latency_ = latency;
    line_.assign(latency + 1, Pending{});
    head_ = 0;
  }

 private:
  struct Pending {
    std::uint64_t due = 0;
    BucketWord word;
  };

  static BucketWord empty_word() {
    BucketWord w;
    for (int s = 0; s < kSlotsPerBucket; ++s)
      w = w | (BucketWord(empty_slot()) << (kSlotBits * s));
    return w;
  }

  static std::array<BucketWord, kSlotsPerBucket> keep_masks() {
    std::array<BucketWord, kSlotsPerBucket> m;
    for (int s = 0; s < kSlotsPerBucket; ++s)
      m[s] = ~(BucketWord(~SlotEntry(0)) << (kSlotBits * s));
    return m;
  }

  std::array<BucketWord, kSlotsPerBucket> keep_others_ = keep_masks();
  std::vector<BucketWord> words_;
  unsigned latency_;
  std::vector<Pending> line_;
  std::size_t head_ = 0;
  std::size_t pending_ = 0;
  std::uint64_t cycle_ = 0;
  std::uint64_t reads_ = 0;
  std::uint64_t writes_ = 0;
};

}  // namespace tandem::hls_kernels
