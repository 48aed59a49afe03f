// SPDX-License-Identifier: Apache-2.0
// TCP sockets over the Stack: listen, accept, connect, send, receive, shutdown
// and close with Linux's semantics (net/ipv4/af_inet.c inet_stream_connect,
// inet_shutdown; net/ipv4/tcp.c tcp_recvmsg, tcp_sendmsg, tcp_poll, tcp_close).
// The socket layer keeps what Linux keeps in struct socket and struct sock
// around the protocol: the SS_* state, sk_err, the shutdown bits.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "host/api/runtime.hpp"
#include "host/api/sockaddr.hpp"

namespace tandem::api {

namespace {

using tcp::State;
namespace ev = tcp::event;

// Linux's net.core.somaxconn, which caps listen(2)'s backlog.
constexpr int kSomaxconn = 4096;

constexpr std::uint32_t kInKey = EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND;
constexpr std::uint32_t kOutKey = EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;

bool handshaking(State s) {
  return s == State::syn_sent || s == State::syn_received;
}

// States in which a close or disconnect resets the peer (Linux's tcp_need_reset()).
bool needs_reset(State s) {
  return s == State::established || s == State::close_wait || s == State::fin_wait_1 ||
         s == State::fin_wait_2 || s == State::syn_received;
}

std::size_t total_length(std::span<const iovec> iov) {
  std::size_t n = 0;
  for (const iovec& v : iov)
    n += v.iov_len;
  return n;
}

}  // namespace

int Runtime::take_error(int& error) {
  const int e = error;
  error = 0;
  return -e;
}

bool Runtime::tcp_writeable(const TcpSocket& s) const {
  // sk_stream_is_writeable(): free space of at least half what is queued.
  if (s.conn == stack::kNoConn) return true;
  const tcp::Tcb& t = stack_at(s.stack).tcb(s.conn);
  return t.send_space() > 0 && t.send_space() >= t.send_queued() / 2;
}

void Runtime::adopt(TcpSocket& s, int fd, int stack, stack::ConnId id) {
  s.stack = stack;
  s.conn = id;
  conn_fd_[static_cast<std::size_t>(stack)][id] = fd;
  stack_at(stack).set_nodelay(id, s.opt.nodelay);
  apply_keepalive(s);
}

namespace {

// What the socket's options ask of its connections: Linux doubles SO_RCVBUF
// and SO_SNDBUF for its bookkeeping and, with its default tcp_adv_win_scale,
// advertises half the receive buffer: a connection gets what was set.
tcp::SocketLimits limits_of(const SocketOptions& opt) {
  tcp::SocketLimits l;
  if (opt.rcvbuf_locked) l.recv_buffer = static_cast<std::uint32_t>(opt.rcvbuf / 2);
  if (opt.sndbuf_locked) l.send_buffer = static_cast<std::uint32_t>(opt.sndbuf / 2);
  l.mss = static_cast<std::uint16_t>(opt.user_mss);
  return l;
}

}  // namespace

void Runtime::apply_limits(TcpSocket& s) {
  tcp::SocketLimits limits = limits_of(s.opt);
  for (const auto& [st, lid] : s.listeners)
    stack_at(st).set_limits(lid, limits);
  if (s.conn == stack::kNoConn) return;
  tcp::Tcb& tcb = stack_at(s.stack).tcb(s.conn);
  limits.mss = tcb.limits().mss;  // announced already
  tcb.set_limits(limits);
}

void Runtime::apply_keepalive(TcpSocket& s) {
  if (s.conn == stack::kNoConn) return;
  stack::Stack& st = stack_at(s.stack);
  if (st.tcb(s.conn).state() == State::closed) return;
  if (!s.opt.keepalive) {
    st.set_keepalive(s.conn, std::nullopt, driver_.now());
    return;
  }
  const tcp::TcpConfig& c = st.config().tcp;
  const tcp::KeepaliveSettings k{
      s.opt.keepidle > 0 ? Duration(std::chrono::seconds(s.opt.keepidle)) : c.keepalive_idle,
      s.opt.keepintvl > 0 ? Duration(std::chrono::seconds(s.opt.keepintvl)) : c.keepalive_interval,
      s.opt.keepcnt > 0 ? static_cast<std::uint8_t>(s.opt.keepcnt) : c.keepalive_count};
  st.set_keepalive(s.conn, k, driver_.now());
}

// ---------------------------------------------------------------------------
// Readiness

std::uint32_t Runtime::tcp_poll(TcpSocket& s) {
  if (s.listening()) {
    // inet_csk_listen_poll(): readable while a connection waits for accept().
    for (const auto& [st, lid] : s.listeners) {
      if (stack_at(st).accept_queue_size(lid) > 0) return EPOLLIN | EPOLLRDNORM;
    }
    return 0;
  }
  const tcp::Tcb* t = s.conn != stack::kNoConn ? &stack_at(s.stack).tcb(s.conn) : nullptr;
  const State state = t != nullptr ? t->state() : State::closed;
  // tcp_done() sets both shutdown bits; the peer's FIN sets RCV_SHUTDOWN.
  const bool rcv_shut =
      s.shut_rd || (t != nullptr && (state == State::closed || t->end_of_stream()));
  const bool snd_shut = s.shut_wr || (t != nullptr && state == State::closed);
  std::uint32_t mask = 0;
  // tcp_poll(): "EPOLLHUP is certainly not done right", but it is what Linux
  // reports: a closed socket (a fresh one too) or both directions shut.
  if ((rcv_shut && snd_shut) || state == State::closed) mask |= EPOLLHUP;
  if (rcv_shut) mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
  if (!handshaking(state)) {
    if (t != nullptr && t->recv_available() > 0) mask |= EPOLLIN | EPOLLRDNORM;
    if (!snd_shut) {
      if (tcp_writeable(s)) {
        mask |= EPOLLOUT | EPOLLWRNORM;
      } else {
        s.nospace = true;
      }
    } else {
      mask |= EPOLLOUT | EPOLLWRNORM;
    }
  }
  if (s.error != 0) mask |= EPOLLERR;
  return mask;
}

void Runtime::on_connection_events(int stack, stack::ConnId id, std::uint8_t events) {
  const auto& by_conn = conn_fd_[static_cast<std::size_t>(stack)];
  const auto it = by_conn.find(id);
  if (it == by_conn.end()) return;
  auto& s = static_cast<TcpSocket&>(*file(it->second));
  if ((events & ev::error) != 0) s.error = stack_at(stack).tcb(id).error();
  // Linux's callbacks: sk_state_change wakes with no key (every event),
  // sk_data_ready with the input bits, sk_write_space with the output bits and
  // only after a writer ran out of room.
  if ((events & (ev::connected | ev::end_of_stream | ev::error | ev::closed)) != 0) wake(s, 0);
  if ((events & ev::readable) != 0) wake(s, kInKey);
  if ((events & ev::writable) != 0 && s.nospace && tcp_writeable(s)) {
    s.nospace = false;
    wake(s, kOutKey);
  }
}

void Runtime::on_listener_ready(int stack, stack::ListenerId id) {
  const auto& by_listener = listener_fd_[static_cast<std::size_t>(stack)];
  const auto it = by_listener.find(id);
  if (it == by_listener.end()) return;
  wake(*file(it->second), kInKey);
}

// ---------------------------------------------------------------------------
// Passive open

int Runtime::tcp_listen(TcpSocket& s, int fd, int backlog) {
  // inet_listen(): only an unconnected socket, in CLOSE or already LISTEN.
  if (s.ss != SocketState::unconnected || s.conn != stack::kNoConn) return -EINVAL;
  // __sys_listen() compares as unsigned: a negative backlog is somaxconn.
  if (static_cast<unsigned>(backlog) > static_cast<unsigned>(kSomaxconn)) backlog = kSomaxconn;
  if (s.listening()) {
    for (const auto& [st, lid] : s.listeners)
      stack_at(st).set_backlog(lid, backlog);
    s.backlog = backlog;
    return 0;
  }
  if (!s.bound) {
    if (const int e = autobind(s, wire::Ipv4Address{}, s.opt)) return e;
  } else if (port_conflict(File::Kind::tcp, s, *s.bound, s.opt.reuseaddr, s.opt.reuseport)) {
    return -EADDRINUSE;
  }
  const tcp::Endpoint local{s.bound->addr, s.bound->port};
  for (std::size_t i = 0; i < stacks().size(); ++i) {
    const int st = static_cast<int>(i);
    if (s.stack >= 0 && st != s.stack) continue;
    stack::ListenerId lid = 0;
    if (const auto ec =
            stack_at(st).listen(local, backlog, s.opt.reuseport, lid, limits_of(s.opt))) {
      for (const auto& [done_st, done_lid] : s.listeners) {
        listener_fd_[static_cast<std::size_t>(done_st)].erase(done_lid);
        stack_at(done_st).close_listener(done_lid, driver_.now());
      }
      s.listeners.clear();
      return -ec.value();
    }
    s.listeners.emplace_back(st, lid);
    listener_fd_[i][lid] = fd;
  }
  s.backlog = backlog;
  return 0;
}

int Runtime::tcp_accept(TcpSocket& s, sockaddr* addr, socklen_t* len, int flags) {
  if (!s.listening()) return -EINVAL;
  auto find = [&s, this]() -> std::optional<std::pair<int, stack::ListenerId>> {
    for (const auto& l : s.listeners) {
      if (stack_at(l.first).accept_queue_size(l.second) > 0) return l;
    }
    return std::nullopt;
  };
  if (!find()) {
    if (s.nonblocking) return -EAGAIN;
    const int w = block([&find] { return find().has_value(); }, deadline_after(s.opt.rcvtimeo));
    if (w != 0) return w;
  }
  // The descriptor first, as Linux takes it before the connection: with none
  // free the connection stays queued.
  auto owned = std::make_unique<TcpSocket>();
  TcpSocket& n = *owned;
  n.opt = s.opt;  // what a child inherits from its listener
  n.nonblocking = (flags & SOCK_NONBLOCK) != 0;
  n.cloexec = (flags & SOCK_CLOEXEC) != 0;
  const int fd = allocate(std::move(owned));
  if (fd < 0) return fd;
  const auto [st, lid] = *find();
  const stack::ConnId id = *stack_at(st).accept(lid);
  const tcp::Tcb& t = stack_at(st).tcb(id);
  n.ss = SocketState::connected;
  // A connection the peer reset while it was queued is still accepted; its
  // error comes with the first call that reports one.
  if (t.state() == State::closed) n.error = t.error();
  n.bound = Binding{t.tuple().local.addr, t.tuple().local.port, false};
  tcp_ports_[t.tuple().local.port].push_back(fd);
  adopt(n, fd, st, id);
  if (addr != nullptr) {
    const tcp::Endpoint remote = t.tuple().remote;
    if (const int e = write_address(&remote, addr, len)) {
      // Linux has taken the connection and now drops it with the descriptor.
      (void)close(fd);
      return e;
    }
  }
  return fd;
}

// ---------------------------------------------------------------------------
// Active open

int Runtime::tcp_start_connect(TcpSocket& s, int fd, const tcp::Endpoint& remote) {
  int st = s.stack;
  if (st < 0) {
    st = route(remote.addr);
    if (st < 0) return -ENETUNREACH;
  }
  const tcp::Endpoint local{stack_at(st).address(), s.bound ? s.bound->port : std::uint16_t{0}};
  stack::ConnId id = stack::kNoConn;
  if (const auto ec = stack_at(st).connect(remote, local, driver_.now(), id, limits_of(s.opt))) {
    return -ec.value();
  }
  const std::uint16_t port = stack_at(st).tcb(id).tuple().local.port;
  if (!s.bound) {
    s.bound = Binding{local.addr, port, false};
    tcp_ports_[port].push_back(fd);
  } else {
    // connect() fixes the source address of an unspecified binding.
    s.bound->addr = local.addr;
  }
  s.shut_rd = s.shut_wr = false;
  adopt(s, fd, st, id);
  return 0;
}

void Runtime::tcp_disconnect(TcpSocket& s) {
  // tcp_disconnect(): whatever the socket was doing stops, with a RST where the
  // peer must hear of it, and the socket is as if new (an explicit bind stays).
  const Instant now = driver_.now();
  for (const auto& [st, lid] : s.listeners) {
    listener_fd_[static_cast<std::size_t>(st)].erase(lid);
    stack_at(st).close_listener(lid, now);
  }
  s.listeners.clear();
  if (s.conn != stack::kNoConn) {
    stack::Stack& st = stack_at(s.stack);
    const State state = st.tcb(s.conn).state();
    if (needs_reset(state) || state == State::syn_sent) s.error = ECONNRESET;
    conn_fd_[static_cast<std::size_t>(s.stack)].erase(s.conn);
    st.release(s.conn, true, now);
    s.conn = stack::kNoConn;
  }
  s.shut_rd = s.shut_wr = false;
  s.nospace = false;
  if (s.bound && !s.bound->user_port) {
    unbind_port(s);
    s.stack = -1;
  } else if (s.bound && !s.bound->user_addr) {
    // connect() had fixed the source address of an unspecified binding.
    s.bound->addr = wire::Ipv4Address{};
    s.stack = -1;
  }
  wake(s, 0);
}

int Runtime::tcp_connect(TcpSocket& s, int fd, const sockaddr* addr, socklen_t len) {
  // __inet_stream_connect().
  if (len < sizeof(sa_family_t)) return -EINVAL;
  const InetAddress a = read_address(addr, len);
  if (a.family == AF_UNSPEC) {
    tcp_disconnect(s);
    s.ss = SocketState::unconnected;
    return 0;
  }
  int err = 0;
  switch (s.ss) {
    case SocketState::connected:
      return -EISCONN;
    case SocketState::disconnecting:
      return -EINVAL;
    case SocketState::connecting:
      err = -EALREADY;
      break;
    case SocketState::unconnected:
      if (s.listening() || s.conn != stack::kNoConn) return -EISCONN;
      // tcp_v4_connect().
      if (len < sizeof(sockaddr_in)) return -EINVAL;
      if (a.family != AF_INET) return -EAFNOSUPPORT;
      if (const int e = tcp_start_connect(s, fd, a.endpoint)) return e;
      s.ss = SocketState::connecting;
      err = -EINPROGRESS;
      break;
  }
  auto state = [&s, this] { return stack_at(s.stack).tcb(s.conn).state(); };
  if (handshaking(state())) {
    if (s.nonblocking) return err;
    const int w = block([&state] { return !handshaking(state()); }, deadline_after(s.opt.sndtimeo));
    if (w == -EAGAIN) return err;  // SO_SNDTIMEO ran out: still in progress
    if (w != 0) return w;
  }
  if (state() == State::closed) {
    // Refused, reset or timed out: the error (once), and the socket may connect
    // again.
    int e = take_error(s.error);
    if (e == 0) e = -ECONNABORTED;
    s.ss = SocketState::unconnected;
    tcp_disconnect(s);
    s.error = 0;
    return e;
  }
  s.ss = SocketState::connected;
  return 0;
}

// ---------------------------------------------------------------------------
// Data

long Runtime::tcp_send(TcpSocket& s, std::span<const iovec> iov, int flags) {
  if ((flags & MSG_OOB) != 0) return -EOPNOTSUPP;  // no urgent data (docs/host-api.md)
  const bool nonblock = s.nonblocking || (flags & MSG_DONTWAIT) != 0;
  const std::optional<Instant> deadline = nonblock ? std::nullopt : deadline_after(s.opt.sndtimeo);
  auto state = [&s, this] {
    return s.conn == stack::kNoConn ? State::closed : stack_at(s.stack).tcb(s.conn).state();
  };
  // sk_stream_error(): EPIPE gives way to a pending error. Tandem never raises
  // SIGPIPE, with or without MSG_NOSIGNAL.
  auto pipe_error = [&s, this]() -> long { return s.error != 0 ? take_error(s.error) : -EPIPE; };
  // sk_stream_wait_connect(): a connection still opening is waited for.
  if (s.listening() || (state() != State::established && state() != State::close_wait)) {
    for (;;) {
      if (s.error != 0) return take_error(s.error);
      if (s.listening() || !handshaking(state())) return -EPIPE;
      if (nonblock) return -EAGAIN;
      const int w = block([&] { return s.error != 0 || !handshaking(state()); }, deadline);
      if (w != 0) return w;
      if (state() == State::established || state() == State::close_wait) break;
    }
  }
  const bool snd_shut = s.shut_wr || state() == State::closed;
  if (s.error != 0 || snd_shut) return pipe_error();
  stack::Stack& st = stack_at(s.stack);
  long copied = 0;
  for (const iovec& v : iov) {
    std::size_t off = 0;
    while (off < v.iov_len) {
      if (v.iov_base == nullptr) return copied > 0 ? copied : -EFAULT;
      const auto* base = static_cast<const std::byte*>(v.iov_base);
      const tcp::IoResult r =
          st.send(s.conn, wire::ByteSpan(base + off, v.iov_len - off), driver_.now());
      if (r.bytes > 0) {
        off += r.bytes;
        copied += static_cast<long>(r.bytes);
        continue;
      }
      if (r.error != EAGAIN) {
        if (copied > 0) return copied;
        return s.error != 0 ? take_error(s.error) : -r.error;
      }
      s.nospace = true;
      if (nonblock) return copied > 0 ? copied : -EAGAIN;
      const int w = block(
          [&] {
            return s.error != 0 || s.shut_wr || state() == State::closed ||
                   st.tcb(s.conn).send_space() > 0;
          },
          deadline);
      if (w != 0) return copied > 0 ? copied : w;
      if (s.error != 0 || s.shut_wr || state() == State::closed) {
        return copied > 0 ? copied : pipe_error();
      }
    }
  }
  return copied;
}

long Runtime::tcp_receive(TcpSocket& s, std::span<const iovec> iov, int flags) {
  if ((flags & MSG_OOB) != 0) return -EOPNOTSUPP;  // no urgent data (docs/host-api.md)
  if (s.listening()) return -ENOTCONN;
  const bool nonblock = s.nonblocking || (flags & MSG_DONTWAIT) != 0;
  const bool peek = (flags & MSG_PEEK) != 0;
  const std::size_t total = total_length(iov);
  // sock_rcvlowat(): with MSG_WAITALL the whole request, else a byte.
  const std::size_t target = (flags & MSG_WAITALL) != 0 ? std::max<std::size_t>(total, 1) : 1;
  const std::optional<Instant> deadline = nonblock ? std::nullopt : deadline_after(s.opt.rcvtimeo);
  auto tcb = [&s, this]() -> const tcp::Tcb* {
    return s.conn == stack::kNoConn ? nullptr : &stack_at(s.stack).tcb(s.conn);
  };
  auto available = [&] { return tcb() != nullptr ? tcb()->recv_available() : std::size_t{0}; };
  auto rcv_shut = [&] {
    const tcp::Tcb* t = tcb();
    return s.shut_rd || (t != nullptr && (t->state() == State::closed || t->end_of_stream()));
  };

  if (peek) {
    // Peeking reads from the front every time, so MSG_WAITALL means waiting
    // until the whole request is there (or no more can come).
    for (;;) {
      const std::size_t avail = available();
      if (avail > 0 &&
          (avail >= std::min(target, total) || nonblock || rcv_shut() || s.error != 0)) {
        break;
      }
      if (avail == 0) {
        if (tcb() != nullptr && tcb()->end_of_stream()) return 0;
        if (s.error != 0) return take_error(s.error);
        if (rcv_shut()) return 0;
        if (tcb() == nullptr || tcb()->state() == State::closed) return -ENOTCONN;
        if (nonblock) return -EAGAIN;
      }
      const int w =
          block([&] { return available() > avail || rcv_shut() || s.error != 0; }, deadline);
      if (w != 0) {
        if (available() > 0) break;
        return w;
      }
    }
    std::size_t copied = 0;
    std::vector<std::byte> front(std::min(available(), total));
    const std::size_t n = tcb()->peek(front);
    for (const iovec& v : iov) {
      if (copied == n) break;
      const std::size_t take = std::min(v.iov_len, n - copied);
      if (take == 0) continue;
      if (v.iov_base == nullptr) return copied > 0 ? static_cast<long>(copied) : -EFAULT;
      std::copy_n(front.begin() + static_cast<std::ptrdiff_t>(copied), take,
                  static_cast<std::byte*>(v.iov_base));
      copied += take;
    }
    return static_cast<long>(copied);
  }

  // tcp_recvmsg_locked().
  std::size_t copied = 0;
  std::size_t seg = 0;
  std::size_t seg_off = 0;
  for (;;) {
    if (available() > 0) {
      while (available() > 0 && copied < total) {
        while (seg < iov.size() && seg_off == iov[seg].iov_len) {
          ++seg;
          seg_off = 0;
        }
        const iovec& v = iov[seg];
        if (v.iov_base == nullptr) return copied > 0 ? static_cast<long>(copied) : -EFAULT;
        auto* base = static_cast<std::byte*>(v.iov_base);
        const tcp::IoResult r = stack_at(s.stack).receive(
            s.conn, wire::MutableByteSpan(base + seg_off, v.iov_len - seg_off), driver_.now());
        seg_off += r.bytes;
        copied += r.bytes;
        if (r.bytes == 0) break;
      }
      // An empty request with data waiting is answered at once with 0.
      if (copied >= total || copied >= target) break;
    }
    if (copied > 0) {
      if (nonblock || s.error != 0 || rcv_shut()) break;
    } else {
      if (tcb() != nullptr && tcb()->end_of_stream()) break;
      if (s.error != 0) return take_error(s.error);
      if (rcv_shut()) break;
      if (tcb() == nullptr || tcb()->state() == State::closed) return -ENOTCONN;
      if (nonblock) return -EAGAIN;
    }
    const int w = block([&] { return available() > 0 || rcv_shut() || s.error != 0; }, deadline);
    if (w != 0) return copied > 0 ? static_cast<long>(copied) : w;
  }
  return static_cast<long>(copied);
}

// ---------------------------------------------------------------------------
// Closing

int Runtime::tcp_shutdown(TcpSocket& s, int how) {
  const unsigned mask = static_cast<unsigned>(how) + 1u;
  const State state =
      s.conn != stack::kNoConn ? stack_at(s.stack).tcb(s.conn).state() : State::closed;
  if (s.ss == SocketState::connecting) {
    s.ss = handshaking(state) || state == State::closed ? SocketState::disconnecting
                                                        : SocketState::connected;
  }
  int err = 0;
  if (s.listening()) {
    // A listener stops listening only when its receiving side is shut.
    if ((mask & 1u) != 0) {
      tcp_disconnect(s);
      s.error = 0;
      s.ss = SocketState::unconnected;
    }
  } else if (state == State::syn_sent) {
    tcp_disconnect(s);
    s.ss = SocketState::unconnected;
  } else {
    // A closed socket is not connected, but its shutdown bits are set anyway.
    if (state == State::closed) err = -ENOTCONN;
    if ((mask & 1u) != 0) s.shut_rd = true;
    if ((mask & 2u) != 0) {
      s.shut_wr = true;
      // tcp_shutdown(): a FIN, unless one went already or the state has none.
      if (state == State::established || state == State::syn_received ||
          state == State::close_wait) {
        stack_at(s.stack).shutdown_write(s.conn, driver_.now());
      }
    }
  }
  wake(s, 0);
  return err;
}

void Runtime::tcp_close(TcpSocket& s) {
  const Instant now = driver_.now();
  for (const auto& [st, lid] : s.listeners) {
    listener_fd_[static_cast<std::size_t>(st)].erase(lid);
    stack_at(st).close_listener(lid, now);
  }
  s.listeners.clear();
  if (s.conn == stack::kNoConn) return;
  stack::Stack& st = stack_at(s.stack);
  conn_fd_[static_cast<std::size_t>(s.stack)].erase(s.conn);
  // tcp_close(): unread data resets the connection (the Tcb does that), then
  // SO_LINGER with a zero timeout resets it, then a positive one waits (even on
  // a non-blocking socket) until the FIN is acknowledged or the time is up.
  const bool abort = s.opt.linger_on && s.opt.linger_seconds == 0;
  const tcp::Tcb& t = st.tcb(s.conn);
  if (!abort && s.opt.linger_on && t.recv_available() == 0 &&
      (t.state() == State::established || t.state() == State::close_wait)) {
    st.shutdown_write(s.conn, now);
    auto closing = [&t] {
      const State x = t.state();
      return x == State::fin_wait_1 || x == State::closing || x == State::last_ack;
    };
    (void)block([&closing] { return !closing(); },
                deadline_after(std::chrono::seconds(s.opt.linger_seconds)));
  }
  st.release(s.conn, abort, driver_.now());
  s.conn = stack::kNoConn;
}

}  // namespace tandem::api
