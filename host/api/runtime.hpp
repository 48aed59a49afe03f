// SPDX-License-Identifier: Apache-2.0
// The socket layer of one core: the descriptor table, the sockets and epoll
// instances, and the stacks they run on (design §4).
//
// A Runtime belongs to one thread. make_current() binds it to the calling thread
// and the C API (tandem/socket.h) then works on it; each core runs its own
// Runtime over its own stacks and nothing is shared between them, so nothing is
// locked. Blocking calls run the world through the Driver until they can
// complete: on real time they sleep, on virtual time they jump the clock.
//
// The calls below are the C API's, in the kernel's style: a result >= 0, or a
// negated errno. They follow Linux's own code paths closely enough to give the
// same results and errno values, including the order in which errors are found;
// docs/host-api.md lists the deliberate departures.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "host/api/driver.hpp"
#include "host/api/file.hpp"
#include "host/stack/stack.hpp"

namespace tandem::api {

struct RuntimeConfig {
  // Descriptors this Runtime hands out (its RLIMIT_NOFILE): EMFILE beyond.
  int max_descriptors = 1 << 20;
};

// What recvmsg() learned besides the bytes.
struct ReceiveInfo {
  bool has_name = false;  // a datagram socket names the sender
  tcp::Endpoint from;
  int msg_flags = 0;  // MSG_TRUNC
};

// Counters for what the socket layer itself dropped or refused.
struct RuntimeCounters {
  std::uint64_t udp_dropped_rcvbuf = 0;  // a datagram found its socket's SO_RCVBUF full
  std::uint64_t udp_no_socket = 0;       // a datagram for a port without a socket on that address
  std::uint64_t wakeups = 0;             // wake-ups delivered to epoll items
};

class Runtime {
 public:
  explicit Runtime(Driver& driver, const RuntimeConfig& config = {});
  // Closes every descriptor still open (connections are closed as close(2)
  // would) and unbinds the Runtime from its thread if it is current there.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The calling thread's C API calls go to this Runtime from now on.
  void make_current();
  static Runtime* current();

  Driver& driver() { return driver_; }
  std::span<stack::Stack* const> stacks() const { return driver_.stacks(); }
  std::size_t open_descriptors() const { return open_; }
  const RuntimeCounters& counters() const { return counters_; }

  // --- The C API's calls ---------------------------------------------------
  int socket(int domain, int type, int protocol);
  int bind(int fd, const sockaddr* addr, socklen_t len);
  int listen(int fd, int backlog);
  int accept(int fd, sockaddr* addr, socklen_t* len, int flags);
  int connect(int fd, const sockaddr* addr, socklen_t len);
  int shutdown(int fd, int how);
  int close(int fd);
  // sendmsg/recvmsg with the message already copied in: `to` is the
  // destination (null when none), `iov` the buffers (bases may be null: the
  // copy then fails with EFAULT as the kernel's would).
  long send(int fd, std::span<const iovec> iov, int flags, const sockaddr* to, socklen_t to_len);
  long receive(int fd, std::span<const iovec> iov, int flags, ReceiveInfo& info);
  int setsockopt(int fd, int level, int name, const void* value, socklen_t len);
  int getsockopt(int fd, int level, int name, void* value, socklen_t* len);
  int getsockname(int fd, sockaddr* addr, socklen_t* len);
  int getpeername(int fd, sockaddr* addr, socklen_t* len);
  int fcntl(int fd, int cmd, long arg);
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms);
  int epoll_create(int flags);
  int epoll_ctl(int epfd, int op, int fd, const epoll_event* event);
  int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout_ms);

  // The readiness poll(2) would report for `fd` (EPOLL* bits), 0 for no file.
  std::uint32_t readiness(int fd);
  // 0 when `fd` names a socket, -EBADF when it names nothing, -ENOTSOCK for an
  // epoll instance: the first check of every socket call.
  int check_socket(int fd) const {
    File* f = nullptr;
    return lookup_socket(fd, f);
  }

 private:
  class StackObserver final : public stack::ReadinessObserver {
   public:
    StackObserver(Runtime& runtime, int index) : runtime_(runtime), index_(index) {}
    void on_connection_events(stack::ConnId id, std::uint8_t events) override {
      runtime_.on_connection_events(index_, id, events);
    }
    void on_listener_ready(stack::ListenerId id) override {
      runtime_.on_listener_ready(index_, id);
    }

   private:
    Runtime& runtime_;
    int index_;
  };

  // The interface's handler of one UDP port on one stack.
  class UdpPort final : public net::UdpHandler {
   public:
    UdpPort(Runtime& runtime, int stack) : runtime_(runtime), stack_(stack) {}
    void on_datagram(net::UdpEndpoint from, std::uint16_t local_port,
                     wire::ByteSpan payload) override {
      runtime_.on_datagram(stack_, from, local_port, payload);
    }

   private:
    Runtime& runtime_;
    int stack_;
  };

  // --- descriptors ---
  int allocate(std::unique_ptr<File> file);
  File* file(int fd) const;
  // The socket `fd` names: -EBADF for none, -ENOTSOCK for an epoll instance.
  int lookup_socket(int fd, File*& out) const;
  void release_file(int fd);

  // --- stacks and addresses ---
  stack::Stack& stack_at(int index) const { return *stacks()[static_cast<std::size_t>(index)]; }
  int stack_of_address(wire::Ipv4Address addr) const;  // -1: not ours
  int route(wire::Ipv4Address dst) const;              // -1: no stack reaches it
  bool port_conflict(File::Kind kind, const File& self, const Binding& b, bool reuseaddr,
                     bool reuseport) const;
  int bind_port(File& f, Binding b, const SocketOptions& opt);
  int autobind(File& f, wire::Ipv4Address addr, const SocketOptions& opt);
  void unbind_port(File& f);

  // --- waiting ---
  // Runs the world until `ready()` or `deadline`: 0, -EAGAIN when the deadline
  // came first, -EDEADLK when nothing could ever make it ready (virtual time).
  int block(const std::function<bool()>& ready, std::optional<Instant> deadline);
  std::optional<Instant> deadline_after(Duration timeout) const;

  // --- readiness and epoll ---
  std::uint32_t poll_mask(File& f);
  std::uint32_t tcp_poll(TcpSocket& s);
  std::uint32_t udp_poll(const UdpSocket& s) const;
  std::uint32_t epoll_poll(EpollInstance& ep);
  // A wake-up of `f`'s waiters with a poll key (0: every event), as Linux's
  // wake_up_*_poll() gives it to ep_poll_callback().
  void wake(File& f, std::uint32_t key);
  bool epoll_callback(EpollInstance& ep, int fd, std::uint32_t key);
  int epoll_scan(EpollInstance& ep, epoll_event* out, int maxevents);
  void unwatch_all(File& f);

  // --- TCP ---
  void on_connection_events(int stack, stack::ConnId id, std::uint8_t events);
  void on_listener_ready(int stack, stack::ListenerId id);
  int tcp_listen(TcpSocket& s, int fd, int backlog);
  int tcp_accept(TcpSocket& s, sockaddr* addr, socklen_t* len, int flags);
  int tcp_connect(TcpSocket& s, int fd, const sockaddr* addr, socklen_t len);
  int tcp_start_connect(TcpSocket& s, int fd, const tcp::Endpoint& remote);
  void tcp_disconnect(TcpSocket& s);
  long tcp_send(TcpSocket& s, std::span<const iovec> iov, int flags);
  long tcp_receive(TcpSocket& s, std::span<const iovec> iov, int flags);
  int tcp_shutdown(TcpSocket& s, int how);
  void tcp_close(TcpSocket& s);
  bool tcp_writeable(const TcpSocket& s) const;
  int take_error(int& error);
  void adopt(TcpSocket& s, int fd, int stack, stack::ConnId id);
  void apply_keepalive(TcpSocket& s);
  // SO_RCVBUF, SO_SNDBUF and TCP_MAXSEG to the socket's listeners or
  // connection (for a connection past its SYN, only the buffer sizes).
  void apply_limits(TcpSocket& s);
  int tcp_setsockopt(TcpSocket& s, int name, const void* value, socklen_t len);
  int tcp_getsockopt(TcpSocket& s, int name, void* value, socklen_t* len);

  // --- UDP ---
  void on_datagram(int stack, net::UdpEndpoint from, std::uint16_t port, wire::ByteSpan payload);
  int udp_connect(UdpSocket& s, const sockaddr* addr, socklen_t len);
  long udp_send(UdpSocket& s, std::span<const iovec> iov, int flags, const sockaddr* to,
                socklen_t to_len);
  long udp_receive(UdpSocket& s, std::span<const iovec> iov, int flags, ReceiveInfo& info);
  int udp_listen_ports(UdpSocket& s);
  void udp_unlisten_ports(UdpSocket& s);

  Driver& driver_;
  RuntimeConfig config_;
  RuntimeCounters counters_;
  std::vector<std::unique_ptr<File>> files_;
  std::set<int> free_fds_;  // below files_.size(): reused lowest first, as POSIX asks
  std::size_t open_ = 0;
  std::vector<std::unique_ptr<StackObserver>> observers_;
  // Per stack: which descriptor owns a connection or a listener.
  std::vector<std::unordered_map<stack::ConnId, int>> conn_fd_;
  std::vector<std::unordered_map<stack::ListenerId, int>> listener_fd_;
  // The port tables (Linux's bind hash): descriptors holding each local port.
  std::unordered_map<std::uint16_t, std::vector<int>> tcp_ports_;
  std::unordered_map<std::uint16_t, std::vector<int>> udp_ports_;
  std::unordered_map<std::uint32_t, std::unique_ptr<UdpPort>> udp_handlers_;  // stack << 16 | port
  std::uint16_t next_ephemeral_ = 0;
};

}  // namespace tandem::api
