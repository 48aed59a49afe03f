// SPDX-License-Identifier: Apache-2.0
// UDP sockets over the interfaces' UDP ports (net/ipv4/udp.c udp_sendmsg,
// udp_recvmsg; net/ipv4/datagram.c ip4_datagram_connect). A port is bound on
// the interface of every stack a socket's address covers; the Runtime picks the
// socket for each datagram as Linux's lookup scores them: a connected socket's
// peer and an exact local address win over the unspecified ones.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "host/api/runtime.hpp"
#include "host/api/sockaddr.hpp"

namespace tandem::api {

namespace {

constexpr std::uint32_t kInKey = EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND;
// udp_sendmsg(): what an IPv4 datagram's length field can describe.
constexpr std::size_t kMaxUdpLength = 0xffff;

std::uint32_t handler_key(int stack, std::uint16_t port) {
  return (static_cast<std::uint32_t>(stack) << 16) | port;
}

bool covers(const UdpSocket& s, int stack) {
  return s.stack < 0 || s.stack == stack;
}

}  // namespace

int Runtime::udp_listen_ports(UdpSocket& s) {
  const std::uint16_t port = s.bound->port;
  for (std::size_t i = 0; i < stacks().size(); ++i) {
    const int st = static_cast<int>(i);
    if (!covers(s, st) || udp_handlers_.contains(handler_key(st, port))) continue;
    auto handler = std::make_unique<UdpPort>(*this, st);
    if (const auto ec = stack_at(st).interface().bind_udp(port, *handler)) {
      udp_unlisten_ports(s);
      return -ec.value();
    }
    udp_handlers_.emplace(handler_key(st, port), std::move(handler));
  }
  return 0;
}

void Runtime::udp_unlisten_ports(UdpSocket& s) {
  if (!s.bound) return;
  const std::uint16_t port = s.bound->port;
  const auto users = udp_ports_.find(port);
  for (std::size_t i = 0; i < stacks().size(); ++i) {
    const int st = static_cast<int>(i);
    const auto h = udp_handlers_.find(handler_key(st, port));
    if (h == udp_handlers_.end()) continue;
    bool still_used = false;
    if (users != udp_ports_.end()) {
      for (const int fd : users->second) {
        const File* f = file(fd);
        if (f != nullptr && f != &s && covers(static_cast<const UdpSocket&>(*f), st)) {
          still_used = true;
        }
      }
    }
    if (still_used) continue;
    (void)stack_at(st).interface().unbind_udp(port);
    udp_handlers_.erase(h);
  }
}

std::uint32_t Runtime::udp_poll(const UdpSocket& s) const {
  // datagram_poll(): a datagram socket can always send (its datagrams leave at
  // once), and reads when one waits or its receiving side is shut.
  std::uint32_t mask = 0;
  if (s.error != 0) mask |= EPOLLERR;
  if (s.shut_rd) mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
  if (s.shut_rd && s.shut_wr) mask |= EPOLLHUP;
  if (!s.queue.empty()) mask |= EPOLLIN | EPOLLRDNORM;
  mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
  return mask;
}

void Runtime::on_datagram(int stack, net::UdpEndpoint from, std::uint16_t port,
                          wire::ByteSpan payload) {
  const auto users = udp_ports_.find(port);
  UdpSocket* best = nullptr;
  int best_score = -1;
  if (users != udp_ports_.end()) {
    for (const int fd : users->second) {
      auto& u = static_cast<UdpSocket&>(*file(fd));
      if (!covers(u, stack)) continue;
      int score = 0;
      if (u.stack == stack) score += 4;
      if (u.peer) {
        if (u.peer->addr != from.address || u.peer->port != from.port) continue;
        score += 4;
      }
      if (score >= best_score) {
        best = &u;
        best_score = score;
      }
    }
  }
  if (best == nullptr) {
    ++counters_.udp_no_socket;
    return;
  }
  if (best->queued_bytes + payload.size() > static_cast<std::size_t>(best->opt.rcvbuf)) {
    ++best->dropped;
    ++counters_.udp_dropped_rcvbuf;
    return;
  }
  best->queue.push_back(UdpSocket::Datagram{
      from, stack_at(stack).address(), std::vector<std::byte>(payload.begin(), payload.end())});
  best->queued_bytes += payload.size();
  wake(*best, kInKey);
}

int Runtime::udp_connect(UdpSocket& s, const sockaddr* addr, socklen_t len) {
  // inet_dgram_connect(), then ip4_datagram_connect().
  if (len < sizeof(sa_family_t)) return -EINVAL;
  const InetAddress a = read_address(addr, len);
  if (a.family == AF_UNSPEC) {
    // udp_disconnect(): the peer is forgotten; a port bind() did not name is
    // given back.
    s.peer.reset();
    if (s.bound && !s.bound->user_port) {
      udp_unlisten_ports(s);
      unbind_port(s);
      s.stack = -1;
    } else if (s.bound && !s.bound->user_addr) {
      s.stack = -1;  // back to every stack's address
    }
    return 0;
  }
  if (!s.bound) {
    if (autobind(s, wire::Ipv4Address{}, s.opt) != 0) return -EAGAIN;
    if (const int e = udp_listen_ports(s)) {
      unbind_port(s);
      return e;
    }
  }
  if (len < sizeof(sockaddr_in)) return -EINVAL;
  if (a.family != AF_INET) return -EAFNOSUPPORT;
  const int st = s.stack >= 0 ? s.stack : route(a.endpoint.addr);
  if (st < 0) return -ENETUNREACH;
  s.peer = a.endpoint;
  s.stack = st;
  return 0;
}

long Runtime::udp_send(UdpSocket& s, std::span<const iovec> iov, int flags, const sockaddr* to,
                       socklen_t to_len) {
  // inet_send_prepare(): an unbound socket gets a port first.
  if (!s.bound) {
    if (autobind(s, wire::Ipv4Address{}, s.opt) != 0) return -EAGAIN;
    if (const int e = udp_listen_ports(s)) {
      unbind_port(s);
      return e;
    }
  }
  std::size_t total = 0;
  for (const iovec& v : iov)
    total += v.iov_len;
  if (total > kMaxUdpLength) return -EMSGSIZE;
  if ((flags & MSG_OOB) != 0) return -EOPNOTSUPP;
  tcp::Endpoint dst;
  if (to != nullptr) {
    if (to_len < sizeof(sockaddr_in)) return -EINVAL;
    const InetAddress a = read_address(to, to_len);
    if (a.family != AF_INET && a.family != AF_UNSPEC) return -EAFNOSUPPORT;
    if (a.endpoint.port == 0) return -EINVAL;
    dst = a.endpoint;
  } else {
    if (!s.peer) return -EDESTADDRREQ;
    dst = *s.peer;
  }
  const int st = s.stack >= 0 ? s.stack : route(dst.addr);
  if (st < 0) return -ENETUNREACH;
  std::vector<std::byte> payload;
  payload.reserve(total);
  for (const iovec& v : iov) {
    if (v.iov_len == 0) continue;
    if (v.iov_base == nullptr) return -EFAULT;
    const auto* base = static_cast<const std::byte*>(v.iov_base);
    payload.insert(payload.end(), base, base + v.iov_len);
  }
  // Tandem sends no IP fragments: a datagram must fit the interface's MTU.
  if (payload.size() > stack_at(st).interface().max_udp_payload()) return -EMSGSIZE;
  if (const auto ec = stack_at(st).interface().send_udp(
          s.bound->port, net::UdpEndpoint{dst.addr, dst.port}, payload)) {
    return -ec.value();
  }
  stack_at(st).interface().flush(driver_.now());
  return static_cast<long>(total);
}

long Runtime::udp_receive(UdpSocket& s, std::span<const iovec> iov, int flags, ReceiveInfo& info) {
  const bool nonblock = s.nonblocking || (flags & MSG_DONTWAIT) != 0;
  for (;;) {
    if (!s.queue.empty()) {
      UdpSocket::Datagram& d = s.queue.front();
      std::size_t copied = 0;
      long result = 0;
      for (const iovec& v : iov) {
        const std::size_t take = std::min(v.iov_len, d.bytes.size() - copied);
        if (take == 0) continue;
        if (v.iov_base == nullptr) {
          result = -EFAULT;
          break;
        }
        std::copy_n(d.bytes.begin() + static_cast<std::ptrdiff_t>(copied), take,
                    static_cast<std::byte*>(v.iov_base));
        copied += take;
      }
      if (result == 0) {
        info.has_name = true;
        info.from = tcp::Endpoint{d.from.address, d.from.port};
        if (copied < d.bytes.size()) info.msg_flags |= MSG_TRUNC;
        result = static_cast<long>((flags & MSG_TRUNC) != 0 ? d.bytes.size() : copied);
      }
      // A datagram that could not be copied out is dropped all the same, as
      // Linux drops it (unless it was only peeked at).
      if ((flags & MSG_PEEK) == 0) {
        s.queued_bytes -= d.bytes.size();
        s.queue.pop_front();
      }
      return result;
    }
    if (s.error != 0) return take_error(s.error);
    if (nonblock) return -EAGAIN;
    if (s.shut_rd) return 0;
    const int w = block([&s] { return !s.queue.empty() || s.error != 0 || s.shut_rd; },
                        deadline_after(s.opt.rcvtimeo));
    if (w != 0) return w;
  }
}

}  // namespace tandem::api
