// SPDX-License-Identifier: Apache-2.0
// The Runtime's descriptor table, its stacks and port tables, waiting, and the
// calls common to every kind of socket. TCP, UDP, epoll and the socket options
// have files of their own.
#include "host/api/runtime.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>

#include "host/api/sockaddr.hpp"

namespace tandem::api {

namespace {

thread_local Runtime* g_current = nullptr;

// Linux's rmem_default and wmem_default: a UDP socket's buffers.
constexpr int kUdpDefaultBuffer = 212992;

const SocketOptions* options_of(const File& f) {
  switch (f.kind) {
    case File::Kind::tcp:
      return &static_cast<const TcpSocket&>(f).opt;
    case File::Kind::udp:
      return &static_cast<const UdpSocket&>(f).opt;
    case File::Kind::epoll:
      break;
  }
  return nullptr;
}

const std::optional<Binding>* binding_of(const File& f) {
  switch (f.kind) {
    case File::Kind::tcp:
      return &static_cast<const TcpSocket&>(f).bound;
    case File::Kind::udp:
      return &static_cast<const UdpSocket&>(f).bound;
    case File::Kind::epoll:
      break;
  }
  return nullptr;
}

}  // namespace

Runtime::Runtime(Driver& driver, const RuntimeConfig& config) : driver_(driver), config_(config) {
  const auto all = stacks();
  conn_fd_.resize(all.size());
  listener_fd_.resize(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    observers_.push_back(std::make_unique<StackObserver>(*this, static_cast<int>(i)));
    all[i]->set_observer(observers_.back().get());
  }
  if (!all.empty()) next_ephemeral_ = all[0]->config().ephemeral_first;
}

Runtime::~Runtime() {
  for (std::size_t fd = 0; fd < files_.size(); ++fd) {
    if (files_[fd]) (void)close(static_cast<int>(fd));
  }
  for (stack::Stack* s : stacks())
    s->set_observer(nullptr);
  if (g_current == this) g_current = nullptr;
}

void Runtime::make_current() {
  g_current = this;
}

Runtime* Runtime::current() {
  return g_current;
}

// ---------------------------------------------------------------------------
// Descriptors

int Runtime::allocate(std::unique_ptr<File> f) {
  int fd = 0;
  if (!free_fds_.empty()) {
    fd = *free_fds_.begin();
    free_fds_.erase(free_fds_.begin());
  } else {
    if (files_.size() >= static_cast<std::size_t>(config_.max_descriptors)) return -EMFILE;
    fd = static_cast<int>(files_.size());
    files_.emplace_back();
  }
  f->fd = fd;
  files_[static_cast<std::size_t>(fd)] = std::move(f);
  ++open_;
  return fd;
}

File* Runtime::file(int fd) const {
  if (fd < 0 || static_cast<std::size_t>(fd) >= files_.size()) return nullptr;
  return files_[static_cast<std::size_t>(fd)].get();
}

int Runtime::lookup_socket(int fd, File*& out) const {
  out = file(fd);
  if (out == nullptr) return -EBADF;
  if (out->kind == File::Kind::epoll) return -ENOTSOCK;
  return 0;
}

void Runtime::release_file(int fd) {
  files_[static_cast<std::size_t>(fd)].reset();
  free_fds_.insert(fd);
  --open_;
}

// ---------------------------------------------------------------------------
// Stacks, addresses and ports

int Runtime::stack_of_address(wire::Ipv4Address addr) const {
  const auto all = stacks();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i]->address() == addr) return static_cast<int>(i);
  }
  return -1;
}

int Runtime::route(wire::Ipv4Address dst) const {
  // The stack whose subnet holds the destination (and which is not the
  // destination itself: two stacks of one Runtime may talk to each other); else
  // one with a gateway.
  const auto all = stacks();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const net::InterfaceConfig& c = all[i]->interface().config();
    const std::uint32_t mask = c.prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - c.prefix_len);
    if ((dst.value & mask) == (c.address.value & mask) && c.address != dst) {
      return static_cast<int>(i);
    }
  }
  // A stack has no loopback: its own address is reachable only from another
  // stack of the Runtime on the same link.
  if (stack_of_address(dst) >= 0) return -1;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i]->interface().config().gateway) return static_cast<int>(i);
  }
  return -1;
}

bool Runtime::port_conflict(File::Kind kind, const File& self, const Binding& b, bool reuseaddr,
                            bool reuseport) const {
  // Linux's inet_bind_conflict(): two sockets may share a port when their
  // addresses differ (neither unspecified), when both set SO_REUSEADDR and the
  // other is not listening, or when both set SO_REUSEPORT.
  const auto& table = kind == File::Kind::tcp ? tcp_ports_ : udp_ports_;
  if (const auto it = table.find(b.port); it != table.end()) {
    for (const int other_fd : it->second) {
      const File* other = file(other_fd);
      if (other == nullptr || other == &self) continue;
      const Binding& ob = **binding_of(*other);
      const bool overlap = b.addr.is_unspecified() || ob.addr.is_unspecified() || b.addr == ob.addr;
      if (!overlap) continue;
      const SocketOptions& oo = *options_of(*other);
      const bool other_listening =
          other->kind == File::Kind::tcp && static_cast<const TcpSocket*>(other)->listening();
      if (reuseaddr && oo.reuseaddr && !other_listening) continue;
      if (reuseport && oo.reuseport) continue;
      return true;
    }
  }
  // Connections that outlived their sockets (TIME-WAIT, a close finishing)
  // still hold the port; SO_REUSEADDR lets a new socket past them, as on Linux.
  if (kind == File::Kind::tcp && !reuseaddr && !reuseport) {
    const auto all = stacks();
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (!b.addr.is_unspecified() && all[i]->address() != b.addr) continue;
      if (all[i]->tcp_port_in_use(b.port) && (table.find(b.port) == table.end())) return true;
    }
  }
  return false;
}

int Runtime::bind_port(File& f, Binding b, const SocketOptions& opt) {
  if (port_conflict(f.kind, f, b, opt.reuseaddr, opt.reuseport)) return -EADDRINUSE;
  auto& table = f.kind == File::Kind::tcp ? tcp_ports_ : udp_ports_;
  table[b.port].push_back(f.fd);
  if (f.kind == File::Kind::tcp) {
    static_cast<TcpSocket&>(f).bound = b;
  } else {
    static_cast<UdpSocket&>(f).bound = b;
  }
  return 0;
}

int Runtime::autobind(File& f, wire::Ipv4Address addr, const SocketOptions& opt) {
  if (stacks().empty()) return -EADDRNOTAVAIL;
  const stack::StackConfig& c = stack_at(0).config();
  const std::uint32_t range = c.ephemeral_last - c.ephemeral_first + 1u;
  const auto& table = f.kind == File::Kind::tcp ? tcp_ports_ : udp_ports_;
  for (std::uint32_t tries = 0; tries < range; ++tries) {
    if (next_ephemeral_ < c.ephemeral_first || next_ephemeral_ > c.ephemeral_last) {
      next_ephemeral_ = c.ephemeral_first;
    }
    const std::uint16_t port = next_ephemeral_++;
    // Like Linux's bind(0), a port nobody holds at all.
    if (table.contains(port)) continue;
    if (f.kind == File::Kind::tcp &&
        std::any_of(stacks().begin(), stacks().end(),
                    [port](const stack::Stack* s) { return s->tcp_port_in_use(port); })) {
      continue;
    }
    return bind_port(f, Binding{addr, port, false}, opt);
  }
  return -EADDRINUSE;
}

void Runtime::unbind_port(File& f) {
  const std::optional<Binding>* b = binding_of(f);
  if (b == nullptr || !b->has_value()) return;
  auto& table = f.kind == File::Kind::tcp ? tcp_ports_ : udp_ports_;
  const auto it = table.find((*b)->port);
  if (it != table.end()) {
    std::erase(it->second, f.fd);
    if (it->second.empty()) table.erase(it);
  }
  if (f.kind == File::Kind::tcp) {
    static_cast<TcpSocket&>(f).bound.reset();
  } else {
    static_cast<UdpSocket&>(f).bound.reset();
  }
}

// ---------------------------------------------------------------------------
// Waiting

int Runtime::block(const std::function<bool()>& ready, std::optional<Instant> deadline) {
  while (!ready()) {
    if (deadline && driver_.now() >= *deadline) return -EAGAIN;
    if (!driver_.wait(deadline)) return -EDEADLK;
  }
  return 0;
}

std::optional<Instant> Runtime::deadline_after(Duration timeout) const {
  if (timeout <= Duration{0}) return std::nullopt;
  return driver_.now() + timeout;
}

// ---------------------------------------------------------------------------
// Calls common to every socket

int Runtime::socket(int domain, int type, int protocol) {
  // __sys_socket() and __sock_create(), in their order.
  constexpr int kTypeMask = 0xf;
  constexpr int kSockMax = 11;
  const int flags = type & ~kTypeMask;
  if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
  type &= kTypeMask;
  if (domain < 0 || domain >= AF_MAX) return -EAFNOSUPPORT;
  if (type >= kSockMax) return -EINVAL;
  if (domain != AF_INET) return -EAFNOSUPPORT;
  std::unique_ptr<File> f;
  const tcp::TcpConfig* tcp_cfg = stacks().empty() ? nullptr : &stack_at(0).config().tcp;
  if (type == SOCK_STREAM) {
    if (protocol != 0 && protocol != IPPROTO_TCP) return -EPROTONOSUPPORT;
    auto s = std::make_unique<TcpSocket>();
    // The buffers the stack really uses, not Linux's sysctl defaults.
    s->opt.rcvbuf = tcp_cfg != nullptr ? static_cast<int>(tcp_cfg->recv_buffer) : 131072;
    s->opt.sndbuf = tcp_cfg != nullptr ? static_cast<int>(tcp_cfg->send_buffer) : 16384;
    f = std::move(s);
  } else if (type == SOCK_DGRAM) {
    if (protocol != 0 && protocol != IPPROTO_UDP) return -EPROTONOSUPPORT;
    auto s = std::make_unique<UdpSocket>();
    s->opt.rcvbuf = kUdpDefaultBuffer;
    s->opt.sndbuf = kUdpDefaultBuffer;
    f = std::move(s);
  } else {
    return -ESOCKTNOSUPPORT;
  }
  f->nonblocking = (flags & SOCK_NONBLOCK) != 0;
  f->cloexec = (flags & SOCK_CLOEXEC) != 0;
  return allocate(std::move(f));
}

int Runtime::bind(int fd, const sockaddr* addr, socklen_t len) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  if (const int e = check_address_in(addr, len)) return e;
  driver_.poll();
  // inet_bind(): the length, the family (AF_UNSPEC passes for INADDR_ANY, one
  // of Linux's "compatibility games"), an address of ours, then the state.
  if (len < sizeof(sockaddr_in)) return -EINVAL;
  const InetAddress a = read_address(addr, len);
  if (a.family != AF_INET && !(a.family == AF_UNSPEC && a.endpoint.addr.is_unspecified())) {
    return -EAFNOSUPPORT;
  }
  int stack = -1;
  if (!a.endpoint.addr.is_unspecified()) {
    stack = stack_of_address(a.endpoint.addr);
    if (stack < 0) return -EADDRNOTAVAIL;
  }
  if (f->kind == File::Kind::tcp) {
    auto& s = static_cast<TcpSocket&>(*f);
    if (s.bound || s.listening() || s.conn != stack::kNoConn) return -EINVAL;
    const int e =
        a.endpoint.port == 0
            ? autobind(s, a.endpoint.addr, s.opt)
            : bind_port(s, Binding{a.endpoint.addr, a.endpoint.port, true, stack >= 0}, s.opt);
    if (e != 0) return e;
    s.bound->user_addr = stack >= 0;
    s.stack = stack;
    return 0;
  }
  auto& s = static_cast<UdpSocket&>(*f);
  if (s.bound) return -EINVAL;
  const int e =
      a.endpoint.port == 0
          ? autobind(s, a.endpoint.addr, s.opt)
          : bind_port(s, Binding{a.endpoint.addr, a.endpoint.port, true, stack >= 0}, s.opt);
  if (e != 0) return e;
  s.bound->user_addr = stack >= 0;
  s.stack = stack;
  if (const int r = udp_listen_ports(s)) {
    unbind_port(s);
    return r;
  }
  return 0;
}

int Runtime::listen(int fd, int backlog) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  driver_.poll();
  if (f->kind != File::Kind::tcp) return -EOPNOTSUPP;
  return tcp_listen(static_cast<TcpSocket&>(*f), fd, backlog);
}

int Runtime::accept(int fd, sockaddr* addr, socklen_t* len, int flags) {
  if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  driver_.poll();
  if (f->kind != File::Kind::tcp) return -EOPNOTSUPP;
  return tcp_accept(static_cast<TcpSocket&>(*f), addr, len, flags);
}

int Runtime::connect(int fd, const sockaddr* addr, socklen_t len) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  if (const int e = check_address_in(addr, len)) return e;
  driver_.poll();
  if (f->kind == File::Kind::tcp) return tcp_connect(static_cast<TcpSocket&>(*f), fd, addr, len);
  return udp_connect(static_cast<UdpSocket&>(*f), addr, len);
}

int Runtime::shutdown(int fd, int how) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  driver_.poll();
  // inet_shutdown(): SHUT_RD, SHUT_WR, SHUT_RDWR become the masks 1, 2, 3.
  const unsigned mask = static_cast<unsigned>(how) + 1u;
  if ((mask & ~3u) != 0 || mask == 0) return -EINVAL;
  if (f->kind == File::Kind::tcp) return tcp_shutdown(static_cast<TcpSocket&>(*f), how);
  auto& s = static_cast<UdpSocket&>(*f);
  // An unconnected datagram socket is "not connected", yet the shutdown bits
  // are set all the same (Linux wakes pollers for EPOLLHUP this way).
  const int result = s.peer ? 0 : -ENOTCONN;
  if ((mask & 1u) != 0) s.shut_rd = true;
  if ((mask & 2u) != 0) s.shut_wr = true;
  wake(s, 0);
  return result;
}

int Runtime::close(int fd) {
  File* f = file(fd);
  if (f == nullptr) return -EBADF;
  driver_.poll();
  unwatch_all(*f);
  switch (f->kind) {
    case File::Kind::tcp:
      tcp_close(static_cast<TcpSocket&>(*f));
      break;
    case File::Kind::udp:
      udp_unlisten_ports(static_cast<UdpSocket&>(*f));
      break;
    case File::Kind::epoll:
      break;
  }
  unbind_port(*f);
  release_file(fd);
  return 0;
}

long Runtime::send(int fd, std::span<const iovec> iov, int flags, const sockaddr* to,
                   socklen_t to_len) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  if (to != nullptr || to_len != 0) {
    if (const int e = check_address_in(to, to_len)) return e;
  }
  driver_.poll();
  if (f->kind == File::Kind::tcp) {
    // TCP ignores the destination, as Linux does without TCP Fast Open.
    return tcp_send(static_cast<TcpSocket&>(*f), iov, flags);
  }
  return udp_send(static_cast<UdpSocket&>(*f), iov, flags, to, to_len);
}

long Runtime::receive(int fd, std::span<const iovec> iov, int flags, ReceiveInfo& info) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  driver_.poll();
  info = ReceiveInfo{};
  if (f->kind == File::Kind::tcp) return tcp_receive(static_cast<TcpSocket&>(*f), iov, flags);
  return udp_receive(static_cast<UdpSocket&>(*f), iov, flags, info);
}

int Runtime::getsockname(int fd, sockaddr* addr, socklen_t* len) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  tcp::Endpoint local{};
  if (f->kind == File::Kind::tcp) {
    const auto& s = static_cast<const TcpSocket&>(*f);
    if (s.conn != stack::kNoConn) {
      local = stack_at(s.stack).tcb(s.conn).tuple().local;
    } else if (s.bound) {
      local = tcp::Endpoint{s.bound->addr, s.bound->port};
    }
  } else {
    const auto& s = static_cast<const UdpSocket&>(*f);
    if (s.bound) local = tcp::Endpoint{s.bound->addr, s.bound->port};
    // connect() chose the source address of an unspecified binding.
    if (s.peer && local.addr.is_unspecified() && s.stack >= 0) {
      local.addr = stack_at(s.stack).address();
    }
  }
  return write_address(&local, addr, len);
}

int Runtime::getpeername(int fd, sockaddr* addr, socklen_t* len) {
  File* f = nullptr;
  if (const int e = lookup_socket(fd, f)) return e;
  driver_.poll();
  if (f->kind == File::Kind::tcp) {
    const auto& s = static_cast<const TcpSocket&>(*f);
    if (s.conn == stack::kNoConn) return -ENOTCONN;
    const tcp::Tcb& t = stack_at(s.stack).tcb(s.conn);
    if (t.state() == tcp::State::closed || t.state() == tcp::State::syn_sent) return -ENOTCONN;
    return write_address(&t.tuple().remote, addr, len);
  }
  const auto& s = static_cast<const UdpSocket&>(*f);
  if (!s.peer) return -ENOTCONN;
  return write_address(&*s.peer, addr, len);
}

int Runtime::fcntl(int fd, int cmd, long arg) {
  File* f = file(fd);
  if (f == nullptr) return -EBADF;
  switch (cmd) {
    case F_GETFL:
      return O_RDWR | (f->nonblocking ? O_NONBLOCK : 0);
    case F_SETFL:
      // Only O_NONBLOCK means anything to a Tandem descriptor; the access mode
      // and creation flags are ignored, as Linux ignores them.
      f->nonblocking = (arg & O_NONBLOCK) != 0;
      return 0;
    case F_GETFD:
      return f->cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
      f->cloexec = (arg & FD_CLOEXEC) != 0;
      return 0;
    default:
      return -EINVAL;
  }
}

}  // namespace tandem::api
