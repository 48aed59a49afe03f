// SPDX-License-Identifier: Apache-2.0
#include "host/wire/checksum.hpp"

namespace tandem::wire {

namespace {
std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}
}  // namespace

void ChecksumAccumulator::add(ByteSpan bytes) {
  std::size_t i = 0;
  if (odd_ && !bytes.empty()) {
    total_ += static_cast<std::uint8_t>(bytes[0]);
    odd_ = false;
    i = 1;
  }
  // A 64-bit accumulator cannot overflow before 2^48 words have been added, far
  // beyond any frame, so the fold waits until the end.
  for (; i + 1 < bytes.size(); i += 2)
    total_ += load_be16(bytes, i);
  if (i < bytes.size()) {
    total_ += std::uint64_t{static_cast<std::uint8_t>(bytes[i])} << 8;
    odd_ = true;
  }
}

void ChecksumAccumulator::add_u16(std::uint16_t word) {
  // After an odd byte the word straddles two sum words: its high byte completes
  // the pending word and its low byte starts the next, which adds up to the
  // byte-swapped word (the pending state is unchanged).
  total_ += odd_ ? static_cast<std::uint16_t>((word >> 8) | (word << 8)) : word;
}

std::uint16_t ChecksumAccumulator::sum() const {
  return fold(total_);
}

std::uint16_t internet_checksum(ByteSpan bytes) {
  ChecksumAccumulator acc;
  acc.add(bytes);
  return acc.checksum();
}

std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word) {
  std::uint64_t sum = static_cast<std::uint16_t>(~checksum);
  sum += static_cast<std::uint16_t>(~old_word);
  sum += new_word;
  return static_cast<std::uint16_t>(~fold(sum));
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                std::uint32_t new_value) {
  checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16),
                               static_cast<std::uint16_t>(new_value >> 16));
  return checksum_update16(checksum, static_cast<std::uint16_t>(old_value & 0xffff),
                           static_cast<std::uint16_t>(new_value & 0xffff));
}

}  // namespace tandem::wire
