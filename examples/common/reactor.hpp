// SPDX-License-Identifier: Apache-2.0
// The epoll reactor the examples are written around: one callback per
// descriptor, called with the events epoll reported. Level-triggered by
// default; edge-triggered when asked, in which case every handler must read and
// write until EAGAIN (the drain rule), since epoll will not report again what
// it has already reported.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>

namespace tandem::examples {

class Reactor {
 public:
  using Handler = std::function<void(std::uint32_t events)>;

  // Throws std::system_error when tdm_epoll_create1 fails.
  explicit Reactor(bool edge_triggered);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  bool edge_triggered() const { return edge_triggered_; }
  void add(int fd, std::uint32_t events, Handler handler);
  void modify(int fd, std::uint32_t events);
  // Forgets `fd` (closing it is the caller's); safe from inside its handler.
  void remove(int fd);
  // Dispatches events until `done()` holds or a stop signal arrives. `tick`
  // (milliseconds) bounds each wait, so that both are noticed.
  void run(const std::function<bool()>& done = {}, int tick_ms = 100);

 private:
  int epfd_ = -1;
  bool edge_triggered_;
  std::unordered_map<int, Handler> handlers_;
};

}  // namespace tandem::examples
