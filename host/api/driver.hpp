// SPDX-License-Identifier: Apache-2.0
// How time passes for a Runtime's stacks, and how a blocking call waits.
//
// The Stack has no clock and no I/O of its own (design §3): somebody must poll
// it and its device with `now`. A Driver is that somebody. On a real backend
// (tap, dpdk) time is the steady clock and waiting means sleeping in poll(2) on
// the devices' wait_fd() until the earliest Stack::poll_at(); on virtual time
// (the soft world of host/api/virtual_world.hpp) waiting means jumping the
// world's clock to its next event, so a blocking call in a test takes no wall
// time and always ends the same way.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <vector>

#include "host/base/time.hpp"
#include "host/dev/device.hpp"
#include "host/stack/stack.hpp"

namespace tandem::api {

class Driver {
 public:
  Driver() = default;
  virtual ~Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // The stacks this driver runs, in a fixed order (sockets name them by index).
  virtual std::span<stack::Stack* const> stacks() const = 0;
  virtual Instant now() const = 0;
  // Brings every device and stack up to now(): frames in, timers run, frames out.
  virtual void poll() = 0;
  // Waits until something may have changed or `deadline` has come, then polls.
  // Returns false only when nothing can ever change again without a deadline
  // (virtual time with no event scheduled): the caller would wait forever.
  [[nodiscard]] virtual bool wait(std::optional<Instant> deadline) = 0;
};

// Real time: devices that live in the real world (tap, dpdk, xrt).
class RealTimeDriver final : public Driver {
 public:
  // The steady clock as an Instant: what the stacks of a real-time driver must
  // be constructed with (Stack's `start`).
  static Instant clock();

  // `max_sleep` bounds each sleep when some device has no wait_fd() (it must be
  // polled to notice arrivals); 0 spins.
  RealTimeDriver(std::vector<dev::Device*> devices, std::vector<stack::Stack*> stacks,
                 Duration max_sleep = std::chrono::microseconds(100));

  std::span<stack::Stack* const> stacks() const override { return stacks_; }
  Instant now() const override { return clock(); }
  void poll() override;
  bool wait(std::optional<Instant> deadline) override;

 private:
  std::vector<dev::Device*> devices_;
  std::vector<stack::Stack*> stacks_;
  std::vector<int> wait_fds_;
  bool must_spin_ = false;  // a device without a wait_fd()
  Duration max_sleep_;
};

}  // namespace tandem::api
