// SPDX-License-Identifier: Apache-2.0
#include "host/tcp/assembler.hpp"

#include <algorithm>
#include <array>

namespace tandem::tcp {

std::size_t Assembler::bytes() const {
  std::size_t n = 0;
  for (const Block& b : blocks_)
    n += b.data.size();
  return n;
}

bool Assembler::insert(wire::SeqNum seq, wire::ByteSpan data) {
  if (data.empty()) return true;
  const wire::SeqNum end = seq + static_cast<std::uint32_t>(data.size());
  // Every block that overlaps or touches [seq, end) merges with it into one.
  auto first =
      std::find_if(blocks_.begin(), blocks_.end(), [&](const Block& b) { return b.end() >= seq; });
  auto last = first;
  while (last != blocks_.end() && last->start <= end)
    ++last;

  if (first == last) {
    if (blocks_.size() >= kMaxBlocks) return false;
    blocks_.insert(first,
                   Block{seq, next_stamp_++, std::vector<std::byte>(data.begin(), data.end())});
    return true;
  }

  const wire::SeqNum new_start = wire::min(seq, first->start);
  const wire::SeqNum new_end = wire::max(end, (last - 1)->end());
  std::vector<std::byte> merged(static_cast<std::size_t>(new_end - new_start));
  // New data first, then the held blocks on top: what was held wins overlaps,
  // which keeps bytes already SACKed to the peer exactly as reported.
  std::copy(data.begin(), data.end(), merged.begin() + (seq - new_start));
  for (auto it = first; it != last; ++it) {
    std::copy(it->data.begin(), it->data.end(), merged.begin() + (it->start - new_start));
  }
  first->start = new_start;
  first->stamp = next_stamp_++;
  first->data = std::move(merged);
  blocks_.erase(first + 1, last);
  return true;
}

std::size_t Assembler::sack_blocks(std::span<wire::SackBlock> out) const {
  std::array<const Block*, kMaxBlocks> order{};
  std::size_t n = 0;
  for (const Block& b : blocks_)
    order[n++] = &b;
  std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n),
            [](const Block* a, const Block* b) { return a->stamp > b->stamp; });
  const std::size_t count = std::min(n, out.size());
  for (std::size_t i = 0; i < count; ++i)
    out[i] = {order[i]->start, order[i]->end()};
  return count;
}

void Assembler::release_if_empty() {
  if (blocks_.empty()) std::vector<Block>().swap(blocks_);
}

void Assembler::clear() {
  std::vector<Block>().swap(blocks_);
}

}  // namespace tandem::tcp
