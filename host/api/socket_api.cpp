// SPDX-License-Identifier: Apache-2.0
// The C ABI of tandem/socket.h: each call finds the thread's Runtime, copies
// its arguments in the way the kernel's system call does (struct msghdr,
// iovec arrays, the checks of net/socket.c and fs/read_write.c), and turns the
// Runtime's negated errno into -1 and errno.
#include "host/api/tandem/socket.h"

#include <fcntl.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <new>
#include <span>

#include "host/api/runtime.hpp"
#include "host/api/sockaddr.hpp"

namespace {

using tandem::api::ReceiveInfo;
using tandem::api::Runtime;

// UIO_MAXIOV: the most iovec entries one call takes.
constexpr std::size_t kMaxIov = 1024;

// Runs `call` on the thread's Runtime; without one the call fails with
// `no_runtime`. Allocation failure inside is ENOMEM, as in the kernel.
template <typename Call>
long with_runtime(int no_runtime, Call&& call) {
  Runtime* rt = Runtime::current();
  if (rt == nullptr) return -no_runtime;
  try {
    return call(*rt);
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
}

long finish(long result) {
  if (result < 0) {
    errno = static_cast<int>(-result);
    return -1;
  }
  return result;
}

// import_iovec(): the array, its length and the total it describes.
long check_iov(const iovec* iov, std::size_t count, long too_many) {
  if (count > kMaxIov) return too_many;
  if (count > 0 && iov == nullptr) return -EFAULT;
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (iov[i].iov_len > static_cast<std::size_t>(SSIZE_MAX) - total) return -EINVAL;
    total += iov[i].iov_len;
  }
  return 0;
}

std::size_t iov_total(const iovec* iov, std::size_t count) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i)
    total += iov[i].iov_len;
  return total;
}

// read(2)/write(2) on an epoll instance: it has neither, EINVAL.
long check_rw(Runtime& rt, int fd) {
  const int e = rt.check_socket(fd);
  return e == -ENOTSOCK ? -EINVAL : e;
}

long receive_into(Runtime& rt, int fd, std::span<const iovec> iov, int flags, sockaddr* from,
                  socklen_t* from_len, int* msg_flags) {
  ReceiveInfo info;
  const long n = rt.receive(fd, iov, flags, info);
  if (n < 0) return n;
  if (msg_flags != nullptr) *msg_flags = info.msg_flags;
  // The bytes are taken even when the address cannot be written back.
  if (from != nullptr) {
    const int e = tandem::api::write_address(info.has_name ? &info.from : nullptr, from, from_len);
    if (e < 0) return e;
  }
  return n;
}

}  // namespace

extern "C" {

int tdm_socket(int domain, int type, int protocol) {
  return static_cast<int>(finish(
      with_runtime(ENETDOWN, [&](Runtime& rt) { return rt.socket(domain, type, protocol); })));
}

int tdm_bind(int fd, const struct sockaddr* addr, socklen_t addrlen) {
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.bind(fd, addr, addrlen); })));
}

int tdm_listen(int fd, int backlog) {
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.listen(fd, backlog); })));
}

int tdm_accept(int fd, struct sockaddr* addr, socklen_t* addrlen) {
  return tdm_accept4(fd, addr, addrlen, 0);
}

int tdm_accept4(int fd, struct sockaddr* addr, socklen_t* addrlen, int flags) {
  return static_cast<int>(finish(
      with_runtime(EBADF, [&](Runtime& rt) { return rt.accept(fd, addr, addrlen, flags); })));
}

int tdm_connect(int fd, const struct sockaddr* addr, socklen_t addrlen) {
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.connect(fd, addr, addrlen); })));
}

int tdm_shutdown(int fd, int how) {
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.shutdown(fd, how); })));
}

int tdm_close(int fd) {
  return static_cast<int>(finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.close(fd); })));
}

ssize_t tdm_send(int fd, const void* buf, size_t len, int flags) {
  return tdm_sendto(fd, buf, len, flags, nullptr, 0);
}

ssize_t tdm_recv(int fd, void* buf, size_t len, int flags) {
  return tdm_recvfrom(fd, buf, len, flags, nullptr, nullptr);
}

ssize_t tdm_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* dest,
                   socklen_t addrlen) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    const iovec v{const_cast<void*>(buf), len};
    return rt.send(fd, std::span(&v, 1), flags, dest, dest != nullptr ? addrlen : 0);
  }));
}

ssize_t tdm_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* src,
                     socklen_t* addrlen) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    const iovec v{buf, len};
    return receive_into(rt, fd, std::span(&v, 1), flags, src, addrlen, nullptr);
  }));
}

ssize_t tdm_sendmsg(int fd, const struct msghdr* msg, int flags) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    // ___sys_sendmsg(): the descriptor, then the message header.
    if (const int e = rt.check_socket(fd)) return e;
    if (msg == nullptr) return -EFAULT;
    if (static_cast<int>(msg->msg_namelen) < 0) return -EINVAL;
    const socklen_t name_len =
        msg->msg_name == nullptr ? 0
                                 : std::min<socklen_t>(msg->msg_namelen, sizeof(sockaddr_storage));
    if (const long e = check_iov(msg->msg_iov, msg->msg_iovlen, -EMSGSIZE)) return e;
    const auto* to = name_len > 0 ? static_cast<const sockaddr*>(msg->msg_name) : nullptr;
    return rt.send(fd, std::span<const iovec>(msg->msg_iov, msg->msg_iovlen), flags, to, name_len);
  }));
}

ssize_t tdm_recvmsg(int fd, struct msghdr* msg, int flags) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    if (const int e = rt.check_socket(fd)) return e;
    if (msg == nullptr) return -EFAULT;
    if (static_cast<int>(msg->msg_namelen) < 0) return -EINVAL;
    if (const long e = check_iov(msg->msg_iov, msg->msg_iovlen, -EMSGSIZE)) return e;
    int msg_flags = 0;
    ReceiveInfo info;
    const long n =
        rt.receive(fd, std::span<const iovec>(msg->msg_iov, msg->msg_iovlen), flags, info);
    if (n < 0) return n;
    msg_flags = info.msg_flags;
    if (msg->msg_name != nullptr) {
      if (const int e = tandem::api::write_address(info.has_name ? &info.from : nullptr,
                                                   static_cast<sockaddr*>(msg->msg_name),
                                                   &msg->msg_namelen)) {
        return e;
      }
    } else {
      msg->msg_namelen = 0;
    }
    msg->msg_flags = msg_flags;
    msg->msg_controllen = 0;  // Tandem passes no ancillary data
    return n;
  }));
}

ssize_t tdm_read(int fd, void* buf, size_t count) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    if (const long e = check_rw(rt, fd)) return e;
    // sock_read_iter(): "Match SYS5 behaviour", an empty read is 0 at once.
    if (count == 0) return 0;
    const iovec v{buf, count};
    return receive_into(rt, fd, std::span(&v, 1), 0, nullptr, nullptr, nullptr);
  }));
}

ssize_t tdm_write(int fd, const void* buf, size_t count) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    if (const long e = check_rw(rt, fd)) return e;
    const iovec v{const_cast<void*>(buf), count};
    return rt.send(fd, std::span(&v, 1), 0, nullptr, 0);
  }));
}

ssize_t tdm_readv(int fd, const struct iovec* iov, int iovcnt) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    if (const long e = check_rw(rt, fd)) return e;
    if (iovcnt < 0) return -EINVAL;
    const auto n = static_cast<std::size_t>(iovcnt);
    if (const long e = check_iov(iov, n, -EINVAL)) return e;
    if (iov_total(iov, n) == 0) return 0;
    return receive_into(rt, fd, std::span(iov, n), 0, nullptr, nullptr, nullptr);
  }));
}

ssize_t tdm_writev(int fd, const struct iovec* iov, int iovcnt) {
  return finish(with_runtime(EBADF, [&](Runtime& rt) -> long {
    if (const long e = check_rw(rt, fd)) return e;
    if (iovcnt < 0) return -EINVAL;
    const auto n = static_cast<std::size_t>(iovcnt);
    if (const long e = check_iov(iov, n, -EINVAL)) return e;
    if (iov_total(iov, n) == 0) return 0;
    return rt.send(fd, std::span(iov, n), 0, nullptr, 0);
  }));
}

int tdm_setsockopt(int fd, int level, int optname, const void* optval, socklen_t optlen) {
  return static_cast<int>(finish(with_runtime(
      EBADF, [&](Runtime& rt) { return rt.setsockopt(fd, level, optname, optval, optlen); })));
}

int tdm_getsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen) {
  return static_cast<int>(finish(with_runtime(
      EBADF, [&](Runtime& rt) { return rt.getsockopt(fd, level, optname, optval, optlen); })));
}

int tdm_getsockname(int fd, struct sockaddr* addr, socklen_t* addrlen) {
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.getsockname(fd, addr, addrlen); })));
}

int tdm_getpeername(int fd, struct sockaddr* addr, socklen_t* addrlen) {
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.getpeername(fd, addr, addrlen); })));
}

int tdm_fcntl(int fd, int cmd, ...) {
  // Only the commands that take an argument may read one.
  std::va_list ap;
  va_start(ap, cmd);
  // va_start above initializes `ap`; clang's analyzer loses it in the branch.
  // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
  const long arg = cmd == F_SETFL || cmd == F_SETFD ? va_arg(ap, long) : 0;
  va_end(ap);
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.fcntl(fd, cmd, arg); })));
}

int tdm_poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  Runtime* rt = Runtime::current();
  if (rt == nullptr) {
    // No Runtime: no descriptor is open.
    if (nfds > 0 && fds == nullptr) return static_cast<int>(finish(-EFAULT));
    int n = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
      fds[i].revents = fds[i].fd >= 0 ? POLLNVAL : 0;
      if (fds[i].revents != 0) ++n;
    }
    return n;
  }
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& r) { return r.poll(fds, nfds, timeout); })));
}

int tdm_epoll_create(int size) {
  if (size <= 0) return static_cast<int>(finish(-EINVAL));
  return tdm_epoll_create1(0);
}

int tdm_epoll_create1(int flags) {
  return static_cast<int>(
      finish(with_runtime(ENETDOWN, [&](Runtime& rt) { return rt.epoll_create(flags); })));
}

int tdm_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
  return static_cast<int>(
      finish(with_runtime(EBADF, [&](Runtime& rt) { return rt.epoll_ctl(epfd, op, fd, event); })));
}

int tdm_epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout) {
  return static_cast<int>(finish(with_runtime(
      EBADF, [&](Runtime& rt) { return rt.epoll_wait(epfd, events, maxevents, timeout); })));
}

}  // extern "C"
