// SPDX-License-Identifier: Apache-2.0
#include "examples/common/net_util.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

#include "host/api/tandem/socket.h"

namespace tandem::examples {

namespace {

[[noreturn]] void fail(const char* call) {
  throw std::system_error(errno, std::generic_category(), call);
}

}  // namespace

sockaddr_in to_sockaddr(wire::Ipv4Address address, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(address.value);
  return a;
}

std::string to_string(const sockaddr_in& addr) {
  return wire::Ipv4Address{ntohl(addr.sin_addr.s_addr)}.to_string() + ":" +
         std::to_string(ntohs(addr.sin_port));
}

void set_nonblocking(int fd) {
  const int flags = tdm_fcntl(fd, F_GETFL);
  if (flags < 0 || tdm_fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail("tdm_fcntl");
}

int listen_tcp(wire::Ipv4Address address, std::uint16_t port, int backlog, bool reuseport) {
  const int fd = tdm_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("tdm_socket");
  const int one = 1;
  tdm_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuseport && tdm_setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    fail("tdm_setsockopt(SO_REUSEPORT)");
  }
  const sockaddr_in a = to_sockaddr(address, port);
  if (tdm_bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) fail("tdm_bind");
  if (tdm_listen(fd, backlog) != 0) fail("tdm_listen");
  return fd;
}

int connect_tcp(wire::Ipv4Address to, std::uint16_t port, wire::Ipv4Address from) {
  const int fd = tdm_socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("tdm_socket");
  if (!from.is_unspecified()) {
    const sockaddr_in local = to_sockaddr(from, 0);
    if (tdm_bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
      fail("tdm_bind");
    }
  }
  const sockaddr_in remote = to_sockaddr(to, port);
  if (tdm_connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
    const int e = errno;
    tdm_close(fd);
    errno = e;
    fail("tdm_connect");
  }
  return fd;
}

}  // namespace tandem::examples
