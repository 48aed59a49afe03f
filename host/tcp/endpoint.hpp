// SPDX-License-Identifier: Apache-2.0
// The addresses that name a connection. Behind types of their own so that IPv6
// endpoints can join without reshaping the TCB (design §1 "Addresses").
#pragma once

#include <compare>
#include <cstdint>

#include "host/wire/address.hpp"

namespace tandem::tcp {

struct Endpoint {
  wire::Ipv4Address addr;
  std::uint16_t port = 0;
  friend constexpr auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

struct FourTuple {
  Endpoint local;
  Endpoint remote;
  friend constexpr auto operator<=>(const FourTuple&, const FourTuple&) = default;
};

}  // namespace tandem::tcp
