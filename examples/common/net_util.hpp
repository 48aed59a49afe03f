// SPDX-License-Identifier: Apache-2.0
// Small conveniences over the tdm_* calls that every example needs.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "host/wire/address.hpp"

namespace tandem::examples {

sockaddr_in to_sockaddr(wire::Ipv4Address address, std::uint16_t port);
std::string to_string(const sockaddr_in& addr);
// A non-blocking TCP listener on `address`:`port` with SO_REUSEADDR, and with
// SO_REUSEPORT when `reuseport` (one listener per core on the same port);
// throws std::system_error naming the call that failed.
int listen_tcp(wire::Ipv4Address address, std::uint16_t port, int backlog, bool reuseport = false);
// A TCP connection to `to`, from `from` (its stack) when given; blocking.
int connect_tcp(wire::Ipv4Address to, std::uint16_t port,
                wire::Ipv4Address from = wire::Ipv4Address{});
void set_nonblocking(int fd);

}  // namespace tandem::examples
