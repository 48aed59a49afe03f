// SPDX-License-Identifier: Apache-2.0
// Initial sequence numbers as RFC 6528 §3 specifies them: ISN = M + F(4-tuple,
// secret), M a clock ticking every 4 µs and F a keyed pseudorandom function. F is
// SipHash-2-4 (Aumasson and Bernstein), a keyed hash built for short inputs under a
// secret key, which is exactly this use.
#pragma once

#include <array>
#include <cstdint>

#include "host/base/time.hpp"
#include "host/tcp/endpoint.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/seq.hpp"

namespace tandem::tcp {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

// SipHash-2-4 of `message` under `key`.
std::uint64_t siphash24(const SipKey& key, wire::ByteSpan message);

class IsnGenerator {
 public:
  // The secret must be unpredictable to the peer; the caller draws it (from the
  // OS's random source in a real runtime, from a seed in a simulation).
  explicit IsnGenerator(const SipKey& secret) : secret_(secret) {}

  wire::SeqNum isn(const FourTuple& tuple, Instant now) const;
  // A per-connection offset for the RFC 7323 timestamp clock (§7.1 recommends
  // one), so that TSval does not reveal the host's uptime.
  std::uint32_t timestamp_offset(const FourTuple& tuple) const;

 private:
  std::uint64_t hash(const FourTuple& tuple, std::uint8_t domain) const;
  SipKey secret_;
};

}  // namespace tandem::tcp
