// SPDX-License-Identifier: Apache-2.0
// The out-of-order receive queue: segments that arrived beyond RCV.NXT wait here
// until the hole before them is filled (RFC 9293 §3.10.7.4, seventh step, "segments
// with higher beginning sequence numbers ... SHOULD be held for later processing").
// The blocks it holds are also what SACK reports (RFC 2018 §4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "host/wire/bytes.hpp"
#include "host/wire/seq.hpp"
#include "host/wire/tcp.hpp"

namespace tandem::tcp {

class Assembler {
 public:
  // Bounds the work per segment and the memory a hostile peer can pin with a
  // spray of tiny disjoint segments; beyond it new out-of-order data is dropped
  // (and later retransmitted by the peer).
  static constexpr std::size_t kMaxBlocks = 32;

  Assembler() = default;
  Assembler(const Assembler&) = delete;
  Assembler& operator=(const Assembler&) = delete;

  bool empty() const { return blocks_.empty(); }
  std::size_t block_count() const { return blocks_.size(); }
  std::size_t bytes() const;
  // Heap blocks held; zero whenever empty (the vector's storage is released too).
  std::size_t allocated_blocks() const { return blocks_.capacity(); }

  // Stores `data` that starts at `seq` (> the current RCV.NXT). Overlaps with
  // stored data are resolved in favour of what is already held. Returns false when
  // the data could not be stored (block limit).
  bool insert(wire::SeqNum seq, wire::ByteSpan data);

  // With RCV.NXT now at `rcv_nxt`, removes every stored byte before it and hands
  // the contiguous run that starts there to `deliver` (possibly in pieces);
  // returns the number of bytes delivered.
  template <typename Deliver>
  std::size_t drain(wire::SeqNum rcv_nxt, Deliver&& deliver);

  // Up to out.size() SACK blocks, the one holding the latest arrival first, then
  // the rest by recency (RFC 2018 §4). Returns how many were written.
  std::size_t sack_blocks(std::span<wire::SackBlock> out) const;

  void clear();

 private:
  struct Block {
    wire::SeqNum start;
    std::uint32_t stamp;  // arrival order, for SACK recency
    std::vector<std::byte> data;
    wire::SeqNum end() const { return start + static_cast<std::uint32_t>(data.size()); }
  };

  void release_if_empty();

  std::vector<Block> blocks_;  // sorted by start, disjoint and non-adjacent
  std::uint32_t next_stamp_ = 0;
};

template <typename Deliver>
std::size_t Assembler::drain(wire::SeqNum rcv_nxt, Deliver&& deliver) {
  std::size_t delivered = 0;
  while (!blocks_.empty()) {
    Block& b = blocks_.front();
    if (b.start > rcv_nxt) break;
    if (b.end() > rcv_nxt) {
      const auto skip = static_cast<std::size_t>(rcv_nxt - b.start);
      wire::ByteSpan run(b.data.data() + skip, b.data.size() - skip);
      deliver(run);
      delivered += run.size();
      rcv_nxt += static_cast<std::uint32_t>(run.size());
    }
    blocks_.erase(blocks_.begin());
  }
  release_if_empty();
  return delivered;
}

}  // namespace tandem::tcp
