// SPDX-License-Identifier: Apache-2.0
#include "examples/common/stream_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "host/api/tandem/socket.h"

namespace tandem::examples {

StreamServer::StreamServer(Reactor& reactor, int listener, OnInput on_input, bool nodelay)
    : reactor_(reactor), listener_(listener), on_input_(std::move(on_input)), nodelay_(nodelay) {
  reactor_.add(listener_, EPOLLIN, [this](std::uint32_t) { accept_all(); });
}

StreamServer::~StreamServer() {
  for (const auto& [fd, c] : connections_) {
    reactor_.remove(fd);
    tdm_close(fd);
  }
  reactor_.remove(listener_);
}

void StreamServer::accept_all() {
  while (true) {
    const int fd = tdm_accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN: the accept queue is drained
    if (nodelay_) {
      const int one = 1;
      tdm_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ++accepted_;
    connections_[fd] = std::make_unique<Connection>();
    reactor_.add(fd, EPOLLIN | EPOLLRDHUP, [this, fd](std::uint32_t ev) { on_event(fd, ev); });
  }
}

void StreamServer::on_event(int fd, std::uint32_t events) {
  Connection& c = *connections_.at(fd);
  if ((events & EPOLLERR) != 0) return close_connection(fd);
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0 && !c.peer_done) {
    std::array<char, 65536> buf{};
    while (true) {
      const ssize_t n = tdm_recv(fd, buf.data(), buf.size(), 0);
      if (n > 0) {
        c.in.append(buf.data(), static_cast<std::size_t>(n));
        bytes_in_ += static_cast<std::uint64_t>(n);
        // Level-triggered: epoll reports again whatever is left.
        if (!reactor_.edge_triggered()) break;
      } else if (n == 0) {
        c.peer_done = true;
        break;
      } else {
        if (errno != EAGAIN) return close_connection(fd);
        break;
      }
    }
    on_input_(c);
  }
  while (c.out_sent < c.out.size()) {
    const ssize_t n =
        tdm_send(fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN) return close_connection(fd);
      break;
    }
    c.out_sent += static_cast<std::size_t>(n);
    bytes_out_ += static_cast<std::uint64_t>(n);
  }
  if (c.out_sent == c.out.size()) {
    c.out.clear();
    c.out_sent = 0;
    if (c.close_when_flushed || c.peer_done) return close_connection(fd);
  }
  const bool want_out = !c.out.empty();
  if (want_out != c.want_out) {
    c.want_out = want_out;
    reactor_.modify(fd, EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u));
  }
}

void StreamServer::close_connection(int fd) {
  reactor_.remove(fd);
  tdm_close(fd);
  connections_.erase(fd);
}

}  // namespace tandem::examples
