// SPDX-License-Identifier: Apache-2.0
// Runs Tandem in real time against the Linux kernel: the event loop of the
// interop tests. Tandem itself reads no clock; this loop reads the steady clock
// and hands its reading to the device and the stack as `now`.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "host/base/time.hpp"
#include "host/dev/device.hpp"

namespace tandem::interop {

// The steady clock's reading as Tandem's Instant.
Instant real_now();

// Polls the Tandem side: runs the stack at `now` and returns when it next wants
// to run (Interface::poll_at(), say), or nullopt.
using PollTandem = std::function<std::optional<Instant>(Instant now)>;

// Runs rounds until `done()` holds or `limit` has passed, and returns done().
// A round advances `device` to now, calls `poll`, then sleeps in poll(2) on the
// device's wait_fd() until Linux sends a frame, until the time the device or
// `poll` asked for, or for at most `max_sleep`: `done` may be waiting on a
// child process, which no fd announces.
bool run_until(dev::Device& device, const PollTandem& poll, const std::function<bool()>& done,
               Duration limit, Duration max_sleep = std::chrono::milliseconds(5));

// Runs rounds for `duration`.
void run_for(dev::Device& device, const PollTandem& poll, Duration duration);

}  // namespace tandem::interop
