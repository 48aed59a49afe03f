// SPDX-License-Identifier: Apache-2.0
// Time in Tandem is an argument, never a clock read: the protocol core, the
// devices and the link model all take `now` from their caller. Tests run on
// virtual time; a real runtime passes a steady clock's reading.
#pragma once

#include <chrono>
#include <cstdint>

namespace tandem {

// A clock with no now(): only its caller knows the time. Its epoch is whatever
// the caller chose (0 at the start of a simulation).
struct VirtualClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<VirtualClock>;
  static constexpr bool is_steady = true;
};

using Duration = VirtualClock::duration;
using Instant = VirtualClock::time_point;

constexpr Instant instant_from_ns(std::int64_t ns) {
  return Instant(Duration(ns));
}
constexpr std::int64_t to_ns(Instant t) {
  return t.time_since_epoch().count();
}

}  // namespace tandem
