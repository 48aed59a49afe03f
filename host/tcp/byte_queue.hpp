// SPDX-License-Identifier: Apache-2.0
// A FIFO of bytes kept in fixed-size chunks that are allocated as data arrives and
// freed as soon as it is consumed. An idle connection therefore holds no buffer
// memory at all (design §3 "Memory"), and a busy one holds only what is in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "host/wire/bytes.hpp"

namespace tandem::tcp {

class ByteQueue {
 public:
  // Large enough that an Ethernet-sized segment spans at most two chunks, small
  // enough that a mostly-drained queue does not pin much memory.
  static constexpr std::size_t kChunkSize = 4096;

  ByteQueue() = default;
  ByteQueue(const ByteQueue&) = delete;
  ByteQueue& operator=(const ByteQueue&) = delete;
  ByteQueue(ByteQueue&& other) noexcept;
  ByteQueue& operator=(ByteQueue&& other) noexcept;
  ~ByteQueue() { clear(); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Chunks currently held: zero whenever the queue is empty.
  std::size_t allocated_chunks() const { return chunks_; }

  void append(wire::ByteSpan data);
  // Copies up to out.size() bytes starting `offset` bytes past the front, without
  // consuming them; returns how many were copied.
  std::size_t peek(std::size_t offset, wire::MutableByteSpan out) const;
  // Up to `max` contiguous views of the bytes [offset, offset + len), for
  // scatter-gather transmission; returns how many views were filled.
  std::size_t gather(std::size_t offset, std::size_t len, std::span<wire::ByteSpan> views) const;
  // Drops `n` bytes from the front (n <= size()), freeing emptied chunks.
  void consume(std::size_t n);
  void clear();

 private:
  struct Chunk {
    Chunk* next = nullptr;
    std::byte data[kChunkSize];
  };

  // Walks to the chunk holding byte `offset` past the front.
  const Chunk* locate(std::size_t offset, std::size_t& in_chunk) const;

  Chunk* head_ = nullptr;
  Chunk* tail_ = nullptr;
  std::uint32_t head_offset_ = 0;  // consumed bytes at the start of head_
  std::uint32_t chunks_ = 0;
  std::size_t size_ = 0;
};

}  // namespace tandem::tcp
