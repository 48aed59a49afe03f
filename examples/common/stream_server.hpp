// SPDX-License-Identifier: Apache-2.0
// The part every example server shares: a TCP listener on the reactor that
// accepts connections, reads what arrives into each one's input buffer (to
// EAGAIN when edge-triggered: the drain rule), lets the program turn input into
// output, writes output as the socket takes it — asking for EPOLLOUT only while
// some waits — and closes a connection when the program asks or when the peer
// has finished and all output is out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "examples/common/reactor.hpp"

namespace tandem::examples {

class StreamServer {
 public:
  struct Connection {
    std::string in;                   // received, not yet consumed by the program
    std::string out;                  // produced by the program, not yet sent
    bool peer_done = false;           // the peer's FIN has arrived
    bool close_when_flushed = false;  // the program is done with it
    std::uint64_t state = 0;          // the program's own, per connection
    std::size_t out_sent = 0;
    bool want_out = false;
  };
  // Called after input arrived, and once more when the peer finishes (with
  // peer_done set): consume `in`, append to `out`.
  using OnInput = std::function<void(Connection&)>;

  StreamServer(Reactor& reactor, int listener, OnInput on_input, bool nodelay);
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  std::uint64_t connections() const { return accepted_; }
  std::uint64_t bytes_in() const { return bytes_in_; }
  std::uint64_t bytes_out() const { return bytes_out_; }

 private:
  void accept_all();
  void on_event(int fd, std::uint32_t events);
  void close_connection(int fd);

  Reactor& reactor_;
  int listener_;
  OnInput on_input_;
  bool nodelay_;
  std::uint64_t accepted_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
};

}  // namespace tandem::examples
