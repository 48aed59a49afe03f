// SPDX-License-Identifier: Apache-2.0
#include "host/stack/syn_cookie.hpp"

#include <array>
#include <cstring>

namespace tandem::stack {

namespace {

constexpr std::uint32_t kPeriodBits = 5;
constexpr std::uint32_t kMssBits = 3;
constexpr std::uint32_t kMacBits = 24;
constexpr std::uint32_t kMacMask = (1u << kMacBits) - 1;
constexpr std::uint32_t kPeriodMask = (1u << kPeriodBits) - 1;
constexpr std::uint32_t kNoWindowScale = 15;
constexpr std::uint32_t kSackBit = 0x10;

}  // namespace

std::uint32_t SynCookies::period(Instant now) {
  return static_cast<std::uint32_t>(to_ns(now) / 64'000'000'000LL);
}

std::uint32_t SynCookies::mac(const tcp::FourTuple& tuple, wire::SeqNum peer_isn,
                              std::uint32_t period_value, std::uint32_t mss_index) const {
  const std::array<std::uint32_t, 6> words = {
      tuple.local.addr.value,
      tuple.remote.addr.value,
      (std::uint32_t{tuple.local.port} << 16) | tuple.remote.port,
      peer_isn.raw(),
      period_value & kPeriodMask,
      mss_index,
  };
  std::array<std::byte, sizeof(words)> bytes{};
  std::memcpy(bytes.data(), words.data(), sizeof(words));
  return static_cast<std::uint32_t>(tcp::siphash24(secret_, bytes)) & kMacMask;
}

wire::SeqNum SynCookies::make(const tcp::FourTuple& tuple, wire::SeqNum peer_isn,
                              std::uint16_t peer_mss, Instant now) const {
  std::uint32_t index = 0;
  for (std::uint32_t i = 0; i < kMssTable.size(); ++i) {
    if (kMssTable[i] <= peer_mss) index = i;
  }
  const std::uint32_t p = period(now) & kPeriodMask;
  return wire::SeqNum((p << (kMssBits + kMacBits)) | (index << kMacBits) |
                      mac(tuple, peer_isn, p, index));
}

std::optional<std::uint16_t> SynCookies::check(const tcp::FourTuple& tuple, wire::SeqNum peer_isn,
                                               wire::SeqNum cookie, Instant now) const {
  const std::uint32_t c = cookie.raw();
  const std::uint32_t p = c >> (kMssBits + kMacBits);
  const std::uint32_t index = (c >> kMacBits) & ((1u << kMssBits) - 1);
  const std::uint32_t age = (period(now) - p) & kPeriodMask;
  if (age > kMaxAgePeriods) return std::nullopt;
  if (mac(tuple, peer_isn, p, index) != (c & kMacMask)) return std::nullopt;
  return kMssTable[index];
}

std::uint32_t SynCookies::stamp_options(std::uint32_t tsval, const Options& options) {
  std::uint32_t bits = options.window_scale ? *options.window_scale : kNoWindowScale;
  if (options.sack_permitted) bits |= kSackBit;
  return (tsval & ~kTsOptionMask) | bits;
}

SynCookies::Options SynCookies::options_from_echo(std::uint32_t tsecr) {
  Options o;
  const std::uint32_t ws = tsecr & 0xf;
  if (ws != kNoWindowScale) o.window_scale = static_cast<std::uint8_t>(ws);
  o.sack_permitted = (tsecr & kSackBit) != 0;
  return o;
}

}  // namespace tandem::stack
