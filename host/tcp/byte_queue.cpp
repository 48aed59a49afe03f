// SPDX-License-Identifier: Apache-2.0
#include "host/tcp/byte_queue.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

namespace tandem::tcp {

ByteQueue::ByteQueue(ByteQueue&& other) noexcept
    : head_(std::exchange(other.head_, nullptr)),
      tail_(std::exchange(other.tail_, nullptr)),
      head_offset_(std::exchange(other.head_offset_, 0)),
      chunks_(std::exchange(other.chunks_, 0)),
      size_(std::exchange(other.size_, 0)) {}

ByteQueue& ByteQueue::operator=(ByteQueue&& other) noexcept {
  if (this != &other) {
    clear();
    head_ = std::exchange(other.head_, nullptr);
    tail_ = std::exchange(other.tail_, nullptr);
    head_offset_ = std::exchange(other.head_offset_, 0);
    chunks_ = std::exchange(other.chunks_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ByteQueue::append(wire::ByteSpan data) {
  while (!data.empty()) {
    // The tail's free space is what lies past the last byte: the queue's bytes
    // start at head_offset_ in head_ and fill every chunk but the tail.
    const std::size_t used_in_tail =
        tail_ == nullptr ? kChunkSize : (head_offset_ + size_ - 1) % kChunkSize + 1;
    if (tail_ == nullptr || used_in_tail == kChunkSize) {
      auto* chunk = new Chunk;
      if (tail_ == nullptr) {
        head_ = chunk;
        head_offset_ = 0;
      } else {
        tail_->next = chunk;
      }
      tail_ = chunk;
      ++chunks_;
      const std::size_t n = std::min(kChunkSize, data.size());
      std::memcpy(chunk->data, data.data(), n);
      size_ += n;
      data = data.subspan(n);
      continue;
    }
    const std::size_t n = std::min(kChunkSize - used_in_tail, data.size());
    std::memcpy(tail_->data + used_in_tail, data.data(), n);
    size_ += n;
    data = data.subspan(n);
  }
}

const ByteQueue::Chunk* ByteQueue::locate(std::size_t offset, std::size_t& in_chunk) const {
  std::size_t pos = head_offset_ + offset;
  const Chunk* c = head_;
  while (pos >= kChunkSize) {
    c = c->next;
    pos -= kChunkSize;
  }
  in_chunk = pos;
  return c;
}

std::size_t ByteQueue::peek(std::size_t offset, wire::MutableByteSpan out) const {
  if (offset >= size_) return 0;
  const std::size_t total = std::min(out.size(), size_ - offset);
  std::size_t pos = 0;
  const Chunk* c = locate(offset, pos);
  std::size_t copied = 0;
  while (copied < total) {
    const std::size_t n = std::min(kChunkSize - pos, total - copied);
    std::memcpy(out.data() + copied, c->data + pos, n);
    copied += n;
    c = c->next;
    pos = 0;
  }
  return copied;
}

std::size_t ByteQueue::gather(std::size_t offset, std::size_t len,
                              std::span<wire::ByteSpan> views) const {
  assert(offset + len <= size_);
  if (len == 0) return 0;
  std::size_t pos = 0;
  const Chunk* c = locate(offset, pos);
  std::size_t filled = 0;
  while (len > 0) {
    assert(filled < views.size());
    const std::size_t n = std::min(kChunkSize - pos, len);
    views[filled++] = wire::ByteSpan(c->data + pos, n);
    len -= n;
    c = c->next;
    pos = 0;
  }
  return filled;
}

void ByteQueue::consume(std::size_t n) {
  assert(n <= size_);
  size_ -= n;
  std::size_t pos = head_offset_ + n;
  while (head_ != nullptr && (pos >= kChunkSize || size_ == 0)) {
    // An emptied queue frees even a partly used chunk: nothing stays allocated.
    if (size_ == 0 || pos >= kChunkSize) {
      Chunk* next = head_->next;
      delete head_;
      --chunks_;
      head_ = next;
      pos = pos >= kChunkSize ? pos - kChunkSize : 0;
      if (head_ == nullptr) tail_ = nullptr;
    }
  }
  head_offset_ = static_cast<std::uint32_t>(head_ == nullptr ? 0 : pos);
}

void ByteQueue::clear() {
  while (head_ != nullptr) {
    Chunk* next = head_->next;
    delete head_;
    head_ = next;
  }
  tail_ = nullptr;
  head_offset_ = 0;
  chunks_ = 0;
  size_ = 0;
}

}  // namespace tandem::tcp
