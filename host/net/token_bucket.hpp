// SPDX-License-Identifier: Apache-2.0
// A token bucket on virtual time, as a theoretical-arrival-time counter (GCRA),
// so that it needs no timer: it is refilled lazily by whoever asks it. Limits
// ICMP error messages (RFC 1812 §4.3.2.8, RFC 1122 §3.2.2): Linux's defaults are
// 1000 messages a second with a burst of 50 (net.ipv4.icmp_msgs_per_sec/_burst).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "host/base/time.hpp"

namespace tandem::net {

class TokenBucket {
 public:
  // per_second == 0 turns the limit off.
  TokenBucket(std::uint32_t per_second, std::uint32_t burst)
      : cost_(per_second == 0 ? Duration(0) : Duration(std::chrono::seconds(1)) / per_second),
        slack_(cost_ * (std::max<std::uint32_t>(burst, 1) - 1)) {}

  // Takes a token if one is left at `now`.
  bool take(Instant now) {
    if (cost_.count() == 0) return true;
    const Instant start = std::max(tat_, now);
    if (start - now > slack_) return false;
    tat_ = start + cost_;
    return true;
  }

 private:
  Duration cost_;   // time one token takes to come back
  Duration slack_;  // how far ahead of now the bucket may have spent: burst - 1 tokens
  Instant tat_{};   // when the bucket is next full of all but `slack_`
};

}  // namespace tandem::net
