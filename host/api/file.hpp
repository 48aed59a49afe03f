// SPDX-License-Identifier: Apache-2.0
// What a Tandem descriptor names: a TCP socket, a UDP socket or an epoll
// instance. Plain state, the Runtime's to change; the rules live in the
// Runtime's calls, which follow Linux's (net/ipv4/af_inet.c, tcp.c, udp.c,
// fs/eventpoll.c) so that the same program sees the same results.
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "host/base/time.hpp"
#include "host/net/protocol.hpp"
#include "host/stack/stack.hpp"
#include "host/tcp/endpoint.hpp"

namespace tandem::api {

class EpollInstance;

// One epoll item watching a file: Linux's entry on the file's wait queue.
struct Watch {
  EpollInstance* ep;
  int fd;  // the watched file's descriptor, the item's key in `ep`
  bool exclusive;
};

class File {
 public:
  enum class Kind : std::uint8_t { tcp, udp, epoll };

  explicit File(Kind k) : kind(k) {}
  virtual ~File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const Kind kind;
  int fd = -1;               // its descriptor in the Runtime's table
  bool nonblocking = false;  // O_NONBLOCK
  bool cloexec = false;      // FD_CLOEXEC: kept and reported; Tandem never execs
  // The epoll items watching this file in the order a wake-up visits them:
  // Linux adds ordinary waiters at the head of the wait queue and EPOLLEXCLUSIVE
  // ones at the tail.
  std::deque<Watch> watchers;
};

// What setsockopt() stored, as getsockopt() reports it.
struct SocketOptions {
  bool reuseaddr = false;
  bool reuseport = false;
  bool keepalive = false;
  bool nodelay = false;
  bool linger_on = false;
  int linger_seconds = 0;
  int rcvbuf = 0;  // SO_RCVBUF as reported: Linux doubles what is set
  int sndbuf = 0;
  // Set by the application (Linux's SOCK_RCVBUF_LOCK, SOCK_SNDBUF_LOCK): the
  // connection's buffers are then its, not the stack's.
  bool rcvbuf_locked = false;
  bool sndbuf_locked = false;
  int user_mss = 0;  // TCP_MAXSEG, 0 when unset
  // TCP_KEEPIDLE / TCP_KEEPINTVL (seconds) and TCP_KEEPCNT; 0: the stack's default.
  int keepidle = 0;
  int keepintvl = 0;
  int keepcnt = 0;
  Duration rcvtimeo{0};  // SO_RCVTIMEO; 0 waits forever
  Duration sndtimeo{0};
};

// A local address a socket holds in the Runtime's port table.
struct Binding {
  wire::Ipv4Address addr;  // unspecified: every stack's address
  std::uint16_t port = 0;
  bool user_port = false;  // bind() named the port (Linux's SOCK_BINDPORT_LOCK)
  bool user_addr = false;  // bind() named the address (SOCK_BINDADDR_LOCK)
};

// struct socket's state (SS_*): what connect() remembers between calls.
enum class SocketState : std::uint8_t { unconnected, connecting, connected, disconnecting };

class TcpSocket final : public File {
 public:
  TcpSocket() : File(Kind::tcp) {}

  SocketOptions opt;
  std::optional<Binding> bound;
  int stack = -1;  // index of the stack carrying the connection or holding the binding
  stack::ConnId conn = stack::kNoConn;
  // Listening: one listener per stack the binding covers.
  std::vector<std::pair<int, stack::ListenerId>> listeners;
  int backlog = 0;
  SocketState ss = SocketState::unconnected;
  int error = 0;         // sk_err: reported once, by SO_ERROR or the next call
  bool shut_rd = false;  // shutdown(SHUT_RD)
  bool shut_wr = false;  // shutdown(SHUT_WR)
  // A writer found no room (Linux's SOCK_NOSPACE): only then does freed send
  // space wake the epoll items watching for EPOLLOUT.
  bool nospace = false;

  bool listening() const { return !listeners.empty(); }
};

class UdpSocket final : public File {
 public:
  UdpSocket() : File(Kind::udp) {}

  struct Datagram {
    net::UdpEndpoint from;
    wire::Ipv4Address to;
    std::vector<std::byte> bytes;
  };

  SocketOptions opt;
  std::optional<Binding> bound;
  int stack = -1;  // the stack of a specific local address, -1 for the unspecified one
  std::optional<tcp::Endpoint> peer;  // connect()ed
  std::deque<Datagram> queue;
  std::size_t queued_bytes = 0;
  std::uint64_t dropped = 0;  // SO_RCVBUF full
  int error = 0;
  bool shut_rd = false;
  bool shut_wr = false;
};

class EpollInstance final : public File {
 public:
  EpollInstance() : File(Kind::epoll) {}

  struct Item {
    std::uint32_t events = 0;  // the interest, EPOLLERR|EPOLLHUP and the private bits included
    epoll_data_t data{};
    bool linked = false;  // on the ready list
    std::list<int>::iterator link;
  };

  std::map<int, Item> items;
  std::list<int> ready;  // Linux's rdllist, in wake-up order
  bool waiting = false;  // a caller is blocked in epoll_wait() on it
};

}  // namespace tandem::api
