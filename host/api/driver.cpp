// SPDX-License-Identifier: Apache-2.0
#include "host/api/driver.hpp"

#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>

namespace tandem::api {

Instant RealTimeDriver::clock() {
  const auto t = std::chrono::steady_clock::now().time_since_epoch();
  return instant_from_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(t).count());
}

RealTimeDriver::RealTimeDriver(std::vector<dev::Device*> devices, std::vector<stack::Stack*> stacks,
                               Duration max_sleep)
    : devices_(std::move(devices)), stacks_(std::move(stacks)), max_sleep_(max_sleep) {
  for (const dev::Device* d : devices_) {
    const int fd = d->wait_fd();
    if (fd < 0) {
      must_spin_ = true;
    } else {
      wait_fds_.push_back(fd);
    }
  }
}

void RealTimeDriver::poll() {
  const Instant now = clock();
  for (dev::Device* d : devices_)
    d->advance(now);
  for (stack::Stack* s : stacks_)
    s->poll(now);
}

bool RealTimeDriver::wait(std::optional<Instant> deadline) {
  std::optional<Instant> next = deadline;
  auto consider = [&next](std::optional<Instant> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const stack::Stack* s : stacks_)
    consider(s->poll_at());
  for (const dev::Device* d : devices_)
    consider(d->next_event());
  const Instant now = clock();
  if (must_spin_) consider(now + max_sleep_);
  if (!next || *next > now) {
    std::vector<pollfd> fds(wait_fds_.size());
    for (std::size_t i = 0; i < wait_fds_.size(); ++i)
      fds[i] = pollfd{wait_fds_[i], POLLIN, 0};
    timespec ts{};
    timespec* timeout = nullptr;
    if (next) {
      const std::int64_t ns = to_ns(*next) - to_ns(now);
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      timeout = &ts;
    }
    // EINTR only shortens the sleep: the caller re-checks its condition.
    (void)::ppoll(fds.data(), fds.size(), timeout, nullptr);
  }
  poll();
  return true;
}

}  // namespace tandem::api
