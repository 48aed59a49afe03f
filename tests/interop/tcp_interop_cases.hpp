// SPDX-License-Identifier: Apache-2.0
// Tandem's TCP (the per-core Stack) against the Linux kernel's, one set of
// cases for every backend that can face Linux:
//   - Linux socat sends a bulk stream to a Tandem server, and a Tandem client
//     sends one to a Linux socat server; both checked by SHA-256 (sha256sum);
//   - curl fetches from a minimal Tandem HTTP responder;
//   - Linux connects to a closed Tandem port and is refused; Tandem connects to
//     a closed Linux port and is refused;
//   - every capture passes the tshark check.
// A backend's test supplies a TcpPeer (its device and a Stack on it, in a
// network namespace of the test's own, Linux at kLinuxIp on the other side)
// and registers the cases with TANDEM_TCP_INTEROP_CASES. Include after
// <boost/test/unit_test.hpp>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/base/time.hpp"
#include "host/stack/stack.hpp"
#include "host/wire/address.hpp"
#include "tests/interop/netns.hpp"

namespace tandem::interop::tcp_cases {

// Addresses inside the test's namespace, the same on every backend.
inline const std::string kLinuxIp = "10.79.0.1";
inline const std::string kTandemIp = "10.79.0.2";
inline const wire::Ipv4Address kLinuxAddress = wire::Ipv4Address::from_octets(10, 79, 0, 1);
inline const wire::Ipv4Address kTandemAddress = wire::Ipv4Address::from_octets(10, 79, 0, 2);
inline constexpr std::uint8_t kPrefixLen = 24;

// What the cases need of a backend. Linux's side of the link has kLinuxIp,
// Tandem's Stack kTandemIp.
class TcpPeer {
 public:
  virtual ~TcpPeer();

  // The namespace Linux's tools run in.
  virtual const NetworkNamespace& linux_ns() const = 0;
  virtual stack::Stack& tandem() = 0;
  // Runs the device and the Stack in real time until `done()` holds or `limit`
  // has passed; returns done().
  virtual bool run_until(const std::function<bool()>& done, Duration limit) = 0;
  // Bytes sent each way by the bulk cases.
  virtual std::size_t bulk_bytes() const = 0;
  // Everything the device was given has gone out: puts the capture of what
  // crossed the wire on disk, checks whatever the backend has to check at the
  // end, and returns the capture's path.
  virtual std::string finish_capture() = 0;

  // A file for the case's data, removed with the peer.
  std::string temp(const std::string& what);
  // Lets the last frames go out, then: no buffers left held, and the capture
  // passes tshark with `data_ports` decoded as plain data.
  void finish_and_check_capture(const std::vector<std::uint16_t>& data_ports = {});

 private:
  std::vector<std::string> temp_files_;
};

// A Stack at kTandemAddress with `mac`, and a secret drawn from the OS.
stack::StackConfig stack_config(const wire::MacAddress& mac);

void linux_client_sends_bulk_data_to_a_tandem_server(TcpPeer& p);
void tandem_client_sends_bulk_data_to_a_linux_server(TcpPeer& p);
void curl_fetches_from_a_tandem_http_responder(TcpPeer& p);
void closed_ports_refuse_both_ways(TcpPeer& p);

}  // namespace tandem::interop::tcp_cases

// The cases as Boost.Test cases on fixture `Peer` (a TcpPeer that is default
// constructible), in the current suite.
#define TANDEM_TCP_INTEROP_CASE(Peer, name)    \
  BOOST_FIXTURE_TEST_CASE(name, Peer) {        \
    ::tandem::interop::tcp_cases::name(*this); \
  }
#define TANDEM_TCP_INTEROP_CASES(Peer)                                           \
  TANDEM_TCP_INTEROP_CASE(Peer, linux_client_sends_bulk_data_to_a_tandem_server) \
  TANDEM_TCP_INTEROP_CASE(Peer, tandem_client_sends_bulk_data_to_a_linux_server) \
  TANDEM_TCP_INTEROP_CASE(Peer, curl_fetches_from_a_tandem_http_responder)       \
  TANDEM_TCP_INTEROP_CASE(Peer, closed_ports_refuse_both_ways)
