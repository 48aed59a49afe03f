/* SPDX-License-Identifier: Apache-2.0 */
/* Tandem's socket and epoll API (design §4): the POSIX calls with a `tdm_`
 * prefix, the same signatures, flags, option names and errno values as Linux, so
 * that a program ports by renaming its calls. docs/host-api.md lists where
 * Tandem deliberately differs.
 *
 * Descriptors are Tandem's own small integers, allocated lowest-first from 0 in
 * a table that belongs to the calling thread's Runtime (tandem::api::Runtime,
 * host/api/runtime.hpp). They are not kernel file descriptors: passing one to
 * read(2) or close(2) reaches the kernel, not Tandem, and a kernel descriptor
 * passed here fails with EBADF unless it happens to name a Tandem one. Every
 * call must be made on the thread whose Runtime is current (make_current());
 * without one, every call fails with EBADF (ENETDOWN for tdm_socket and
 * tdm_epoll_create1).
 *
 * Tandem never raises SIGPIPE: a send on a connection that can carry no more
 * data fails with EPIPE whether or not MSG_NOSIGNAL is given. */
#ifndef TANDEM_SOCKET_H
#define TANDEM_SOCKET_H

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

int tdm_socket(int domain, int type, int protocol);
int tdm_bind(int fd, const struct sockaddr* addr, socklen_t addrlen);
int tdm_listen(int fd, int backlog);
int tdm_accept(int fd, struct sockaddr* addr, socklen_t* addrlen);
int tdm_accept4(int fd, struct sockaddr* addr, socklen_t* addrlen, int flags);
int tdm_connect(int fd, const struct sockaddr* addr, socklen_t addrlen);
int tdm_shutdown(int fd, int how);
int tdm_close(int fd);

ssize_t tdm_send(int fd, const void* buf, size_t len, int flags);
ssize_t tdm_recv(int fd, void* buf, size_t len, int flags);
ssize_t tdm_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* dest,
                   socklen_t addrlen);
ssize_t tdm_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* src,
                     socklen_t* addrlen);
ssize_t tdm_sendmsg(int fd, const struct msghdr* msg, int flags);
ssize_t tdm_recvmsg(int fd, struct msghdr* msg, int flags);
ssize_t tdm_read(int fd, void* buf, size_t count);
ssize_t tdm_write(int fd, const void* buf, size_t count);
ssize_t tdm_readv(int fd, const struct iovec* iov, int iovcnt);
ssize_t tdm_writev(int fd, const struct iovec* iov, int iovcnt);

int tdm_setsockopt(int fd, int level, int optname, const void* optval, socklen_t optlen);
int tdm_getsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen);
int tdm_getsockname(int fd, struct sockaddr* addr, socklen_t* addrlen);
int tdm_getpeername(int fd, struct sockaddr* addr, socklen_t* addrlen);
/* F_GETFL/F_SETFL (O_NONBLOCK) and F_GETFD/F_SETFD (FD_CLOEXEC). */
int tdm_fcntl(int fd, int cmd, ...);

int tdm_poll(struct pollfd* fds, nfds_t nfds, int timeout);
int tdm_epoll_create(int size);
int tdm_epoll_create1(int flags);
int tdm_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event);
int tdm_epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_SOCKET_H */
