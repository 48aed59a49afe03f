// SPDX-License-Identifier: Apache-2.0
#include "examples/common/reactor.hpp"

#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "examples/common/backend.hpp"
#include "host/api/tandem/socket.h"

namespace tandem::examples {

Reactor::Reactor(bool edge_triggered) : edge_triggered_(edge_triggered) {
  epfd_ = tdm_epoll_create1(0);
  if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "tdm_epoll_create1");
}

Reactor::~Reactor() {
  if (epfd_ >= 0) tdm_close(epfd_);
}

void Reactor::add(int fd, std::uint32_t events, Handler handler) {
  epoll_event ev{};
  ev.events = events | (edge_triggered_ ? EPOLLET : 0u);
  ev.data.fd = fd;
  if (tdm_epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    throw std::system_error(errno, std::generic_category(), "tdm_epoll_ctl(ADD)");
  }
  handlers_[fd] = std::move(handler);
}

void Reactor::modify(int fd, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events | (edge_triggered_ ? EPOLLET : 0u);
  ev.data.fd = fd;
  if (tdm_epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
    throw std::system_error(errno, std::generic_category(), "tdm_epoll_ctl(MOD)");
  }
}

void Reactor::remove(int fd) {
  tdm_epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(fd);
}

void Reactor::run(const std::function<bool()>& done, int tick_ms) {
  std::array<epoll_event, 256> events{};
  while (!stop_requested() && !(done && done())) {
    const int n = tdm_epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), tick_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "tdm_epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      // A handler may have removed this descriptor (or another one) already.
      const auto it = handlers_.find(events[static_cast<std::size_t>(i)].data.fd);
      if (it == handlers_.end()) continue;
      const Handler handler = it->second;
      handler(events[static_cast<std::size_t>(i)].events);
    }
  }
}

}  // namespace tandem::examples
