// SPDX-License-Identifier: Apache-2.0
// The interfaces through which the network layer hands received data upwards:
// UDP datagrams to a port's handler, ICMP echo replies to whoever pings, and
// whole IPv4 payloads of a registered protocol (TCP, in a later layer) together
// with the NIC's RX metadata, so that its connection id reaches the TCB lookup.
#pragma once

#include <cstdint>

#include "contract/nic_contract.hpp"
#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/ipv4.hpp"

namespace tandem::net {

struct UdpEndpoint {
  wire::Ipv4Address address;
  std::uint16_t port = 0;
  friend bool operator==(const UdpEndpoint&, const UdpEndpoint&) = default;
};

// One handler per bound local port. The payload is valid only during the call;
// the handler may send from inside it.
class UdpHandler {
 public:
  virtual void on_datagram(UdpEndpoint from, std::uint16_t local_port, wire::ByteSpan payload) = 0;

 protected:
  ~UdpHandler() = default;
};

class EchoReplyHandler {
 public:
  virtual void on_echo_reply(wire::Ipv4Address from, std::uint16_t ident, std::uint16_t seq,
                             wire::ByteSpan data) = 0;

 protected:
  ~EchoReplyHandler() = default;
};

// A datagram for a registered protocol, after every IPv4 check. `l4` is the IPv4
// payload (bounded by the total length, Ethernet padding excluded). The handler
// parses it with `l4_checksum`: `offloaded` when the NIC has verified the L4
// checksum, `software` when it is still to be checked (no RX offload, or a NIC
// that found it bad: the handler's own parse then refuses and counts it).
struct Ipv4Input {
  wire::Ipv4Repr ip;
  wire::ByteSpan l4;
  const contract::RxMeta& meta;  // conn_id: the NIC's flow lookup
  wire::ChecksumMode l4_checksum;
  bool broadcast;  // sent to a broadcast address, not to ours
};

class Ipv4ProtocolHandler {
 public:
  virtual void on_ipv4(const Ipv4Input& input) = 0;

 protected:
  ~Ipv4ProtocolHandler() = default;
};

}  // namespace tandem::net
