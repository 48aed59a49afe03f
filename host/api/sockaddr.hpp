// SPDX-License-Identifier: Apache-2.0
// struct sockaddr in and out of the API, with the checks and the truncation
// rules of Linux's move_addr_to_kernel() and move_addr_to_user().
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "host/tcp/endpoint.hpp"

namespace tandem::api {

// move_addr_to_kernel(): a length outside [0, sizeof(sockaddr_storage)] is
// EINVAL; a non-empty address at a null pointer cannot be copied (EFAULT).
inline int check_address_in(const sockaddr* addr, socklen_t len) {
  if (static_cast<int>(len) < 0 || len > sizeof(sockaddr_storage)) return -EINVAL;
  if (len > 0 && addr == nullptr) return -EFAULT;
  return 0;
}

struct InetAddress {
  sa_family_t family = AF_UNSPEC;
  tcp::Endpoint endpoint;
};

// The bytes the caller gave, read as a sockaddr_in (missing bytes are zero).
inline InetAddress read_address(const sockaddr* addr, socklen_t len) {
  sockaddr_in in{};
  if (addr != nullptr && len > 0) std::memcpy(&in, addr, std::min<std::size_t>(len, sizeof in));
  return InetAddress{in.sin_family, tcp::Endpoint{wire::Ipv4Address{ntohl(in.sin_addr.s_addr)},
                                                  ntohs(in.sin_port)}};
}

inline sockaddr_in to_sockaddr(const tcp::Endpoint& e) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(e.port);
  in.sin_addr.s_addr = htonl(e.addr.value);
  return in;
}

// move_addr_to_user(): copies as much of the address as *len allows and sets
// *len to the address's full length (0 for `none`, as TCP's recvfrom() has).
inline int write_address(const tcp::Endpoint* endpoint, sockaddr* addr, socklen_t* len) {
  if (len == nullptr) return -EFAULT;
  const int full = endpoint != nullptr ? static_cast<int>(sizeof(sockaddr_in)) : 0;
  int n = static_cast<int>(*len);
  if (n > full) n = full;
  if (n < 0) return -EINVAL;
  if (n > 0) {
    if (addr == nullptr) return -EFAULT;
    const sockaddr_in in = to_sockaddr(*endpoint);
    std::memcpy(addr, &in, static_cast<std::size_t>(n));
  }
  *len = static_cast<socklen_t>(full);
  return 0;
}

}  // namespace tandem::api
