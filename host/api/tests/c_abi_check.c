/* SPDX-License-Identifier: Apache-2.0 */
/* tandem/socket.h is a C header: this file includes it from C and takes the
 * address of every call, so a C++-only construct or a signature that drifts
 * from POSIX's fails the build. */
#include <tandem/socket.h>

#include <stddef.h>

/* Same types as the POSIX calls they stand for. */
int (*const tandem_c_check_socket)(int, int, int) = tdm_socket;
int (*const tandem_c_check_accept4)(int, struct sockaddr*, socklen_t*, int) = tdm_accept4;
ssize_t (*const tandem_c_check_recvmsg)(int, struct msghdr*, int) = tdm_recvmsg;
ssize_t (*const tandem_c_check_writev)(int, const struct iovec*, int) = tdm_writev;
int (*const tandem_c_check_fcntl)(int, int, ...) = tdm_fcntl;
int (*const tandem_c_check_poll)(struct pollfd*, nfds_t, int) = tdm_poll;
int (*const tandem_c_check_epoll_wait)(int, struct epoll_event*, int, int) = tdm_epoll_wait;

/* Called from the C++ test: a round trip through the C ABI from C. */
int tandem_c_check_socket_pair(void);
int tandem_c_check_socket_pair(void) {
  const int fd = tdm_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int type = 0;
  socklen_t len = sizeof type;
  if (tdm_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return -2;
  if (tdm_close(fd) != 0) return -3;
  return type;
}
