// SPDX-License-Identifier: Apache-2.0
#include "tests/interop/real_time.hpp"

#include <poll.h>

#include <algorithm>

namespace tandem::interop {

Instant real_now() {
  return Instant(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

namespace {

void sleep_until_work(const dev::Device& device, Instant now, std::optional<Instant> wake,
                      Duration max_sleep) {
  if (const auto device_wake = device.next_event()) {
    wake = wake ? std::min(*wake, *device_wake) : *device_wake;
  }
  Duration sleep = max_sleep;
  if (wake) sleep = std::clamp(*wake - now, Duration::zero(), max_sleep);
  // poll(2) counts in whole milliseconds; round up so a timer is not polled early
  // in a busy loop.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(sleep).count();
  pollfd readable{.fd = device.wait_fd(), .events = POLLIN, .revents = 0};
  ::poll(&readable, 1, static_cast<int>(ms));
}

}  // namespace

bool run_until(dev::Device& device, const PollTandem& poll, const std::function<bool()>& done,
               Duration limit, Duration max_sleep) {
  const Instant end = real_now() + limit;
  for (;;) {
    Instant now = real_now();
    device.advance(now);
    const auto wake = poll(now);
    if (done()) return true;
    now = real_now();
    if (now >= end) return false;
    sleep_until_work(device, now, wake, std::min(max_sleep, end - now));
  }
}

void run_for(dev::Device& device, const PollTandem& poll, Duration duration) {
  run_until(
      device, poll, [] { return false; }, duration);
}

}  // namespace tandem::interop
