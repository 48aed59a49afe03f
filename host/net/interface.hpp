// SPDX-License-Identifier: Apache-2.0
// One IPv4 interface on one device queue: ARP, IPv4, ICMP and UDP, and the hook
// through which TCP (a later layer) receives its segments.
//
// It is poll-driven and has no I/O or clock of its own (docs/host-net.md):
// poll(now) takes what the device queue has received, runs due timers and hands
// queued frames to the device; poll_at() says when it next wants to be polled.
// Advancing the device itself is the caller's business, since a device may carry
// several queues. What it sends between polls is stamped with the time of the
// last poll and leaves the interface at the next one.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "host/base/time.hpp"
#include "host/base/timer_wheel.hpp"
#include "host/dev/device.hpp"
#include "host/net/arp_cache.hpp"
#include "host/net/counters.hpp"
#include "host/net/protocol.hpp"
#include "host/net/token_bucket.hpp"
#include "host/wire/address.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/icmp.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/udp.hpp"

namespace tandem::net {

struct InterfaceConfig {
  wire::MacAddress mac;
  wire::Ipv4Address address;
  std::uint8_t prefix_len = 24;
  std::optional<wire::Ipv4Address> gateway;  // must be on-link
  std::uint16_t queue = 0;                   // the device queue this interface owns
  // RX queues drained, from `queue` on: a device steers flows across all its
  // queues, so a stack that is the device's only one must drain every queue.
  std::uint16_t rx_queues = 1;
  std::uint16_t mtu = 1500;  // lowered to the device's if that is smaller
  std::uint8_t ttl = 64;     // RFC 1700's recommendation, Linux's default
  ArpConfig arp;
  Duration timer_tick = std::chrono::milliseconds(1);
  std::uint32_t icmp_errors_per_second = 1000;  // 0: unlimited
  std::uint32_t icmp_error_burst = 50;
  std::size_t rx_budget = 64;                         // completions taken per poll
  std::size_t tx_queue_limit = 1024;                  // frames waiting for the device
  Duration tx_retry = std::chrono::microseconds(10);  // after the device's ring was full
};

class Interface final : private dev::RxSink, private ArpOutput {
 public:
  // The largest ICMP error datagram we send, and so how much of the offending
  // datagram it quotes: RFC 1812 §4.3.2.3's 576 bytes, as Linux does.
  static constexpr std::size_t kIcmpErrorMaxLen = 576;

  // Throws std::invalid_argument for a configuration that cannot work (prefix
  // over 32, an unspecified address, a gateway off the link).
  Interface(dev::Device& device, const InterfaceConfig& config, Instant start = Instant{});
  ~Interface();
  Interface(const Interface&) = delete;
  Interface& operator=(const Interface&) = delete;

  void poll(Instant now);
  // Hands queued frames to the device now, without taking any received ones:
  // what an upper layer sent outside poll() need not wait for the next one.
  void flush(Instant now) {
    now_ = std::max(now_, now);
    flush_tx(now_);
  }
  std::optional<Instant> poll_at() const;

  // UDP. Errors (POSIX, as the socket API will report them): EINVAL for port 0;
  // EADDRINUSE for a bound port; EMSGSIZE for a payload over the MTU (Tandem sends
  // no fragments); ENETUNREACH with no route; ENOBUFS when the TX queue is full.
  [[nodiscard]] std::error_code bind_udp(std::uint16_t port, UdpHandler& handler);
  [[nodiscard]] std::error_code unbind_udp(std::uint16_t port);
  [[nodiscard]] std::error_code send_udp(std::uint16_t src_port, UdpEndpoint to,
                                         wire::ByteSpan payload);
  std::size_t max_udp_payload() const {
    return mtu_ - wire::Ipv4Repr::header_len() - wire::kUdpHeaderLen;
  }

  // ICMP echo (ping); replies go to the handler, if one is set.
  [[nodiscard]] std::error_code send_echo_request(wire::Ipv4Address to, std::uint16_t ident,
                                                  std::uint16_t seq, wire::ByteSpan data);
  void set_echo_reply_handler(EchoReplyHandler* handler) { echo_handler_ = handler; }

  // Protocols above IP other than ICMP and UDP (TCP): EINVAL for those two,
  // EADDRINUSE if the protocol already has a handler.
  [[nodiscard]] std::error_code register_protocol(std::uint8_t protocol,
                                                  Ipv4ProtocolHandler& handler);
  [[nodiscard]] std::error_code unregister_protocol(std::uint8_t protocol);

  // Sends an IPv4 datagram of `protocol` to `to`, its `l4_len` payload written by
  // `write(std::span<std::byte> l4, wire::ChecksumMode mode)`: with `offloaded`
  // the NIC fills the TCP/UDP checksum (leave it zero), with `software` the
  // writer computes it. Set `l4_offloadable` only for protocols the NIC knows
  // (TCP, UDP). Errors as send_udp.
  template <typename Write>
  [[nodiscard]] std::error_code send_ipv4(wire::Ipv4Address to, std::uint8_t protocol,
                                          std::size_t l4_len, bool l4_offloadable, Write&& write) {
    Route route;
    OutgoingFrame frame;
    if (auto ec = begin_ipv4(to, protocol, l4_len, l4_offloadable, route, frame)) return ec;
    std::forward<Write>(write)(std::span(frame.bytes).subspan(kL4Offset, l4_len),
                               l4_mode(l4_offloadable));
    return finish_ipv4(route, std::move(frame));
  }

  // A TCP segment larger than the MTU, handed to the NIC as one TSO job
  // (contract::TsoJob): `write(l4, mode)` writes the TCP header (`l4_header_len`
  // bytes) and the `payload_len` bytes after it, and the NIC cuts the payload into
  // `mss`-byte segments. Only when the device offers TSO (max_tso_payload() > 0);
  // errors as send_udp, EMSGSIZE for a payload over the device's limit or an MSS
  // that does not fit the MTU.
  template <typename Write>
  [[nodiscard]] std::error_code send_tcp_tso(wire::Ipv4Address to, std::size_t l4_header_len,
                                             std::size_t payload_len, std::uint16_t mss,
                                             Write&& write) {
    Route route;
    OutgoingFrame frame;
    if (auto ec = begin_tso(to, l4_header_len, payload_len, mss, route, frame)) return ec;
    std::forward<Write>(write)(
        std::span(frame.bytes).subspan(kL4Offset, l4_header_len + payload_len),
        wire::ChecksumMode::offloaded);
    return finish_ipv4(route, std::move(frame));
  }
  // The largest payload send_tcp_tso() takes: the device's limit, kept inside
  // what an IPv4 total length could describe. 0: the device has no TSO.
  std::size_t max_tso_payload() const { return max_tso_payload_; }

  const NetCounters& counters() const { return counters_; }
  const InterfaceConfig& config() const { return config_; }
  std::uint16_t mtu() const { return mtu_; }
  const ArpCache& arp_cache() const { return arp_; }
  const TimerWheel& timers() const { return wheel_; }
  // Frames handed to us but not yet to the device.
  std::size_t tx_queued() const { return tx_queue_.size(); }

 private:
  static constexpr std::size_t kL3Offset = wire::kEthernetHeaderLen;
  static constexpr std::size_t kL4Offset = kL3Offset + wire::kIpv4MinHeaderLen;

  struct Route {
    wire::Ipv4Address dst;
    wire::Ipv4Address next_hop;
    bool broadcast = false;
  };

  // dev::RxSink
  void on_receive(const contract::RxMeta& meta, wire::ByteSpan frame) override;
  // ArpOutput
  void send_arp_request(wire::Ipv4Address target, const wire::MacAddress& eth_dst) override;
  void send_resolved(OutgoingFrame&& frame, const wire::MacAddress& dst) override;

  void on_arp(wire::ByteSpan bytes);
  void on_ipv4(const contract::RxMeta& meta, wire::ByteSpan bytes);
  void on_icmp(const contract::RxMeta& meta, const wire::Ipv4Repr& ip, wire::ByteSpan l4,
               bool broadcast);
  void on_udp(const contract::RxMeta& meta, const wire::Ipv4Repr& ip, wire::ByteSpan l4,
              wire::ByteSpan datagram, bool broadcast);
  void send_icmp_unreachable(wire::IcmpUnreachableCode code, wire::Ipv4Address to,
                             wire::ByteSpan datagram);

  bool is_broadcast(wire::Ipv4Address a) const {
    return a.is_broadcast() || a == subnet_broadcast_;
  }
  bool on_link(wire::Ipv4Address a) const {
    return (a.value & netmask_) == (config_.address.value & netmask_);
  }
  wire::ChecksumMode l4_mode(bool offloadable) const {
    return offloadable && caps_.tx_l4_checksum ? wire::ChecksumMode::offloaded
                                               : wire::ChecksumMode::software;
  }
  std::error_code begin_ipv4(wire::Ipv4Address to, std::uint8_t protocol, std::size_t l4_len,
                             bool l4_offloadable, Route& route, OutgoingFrame& frame);
  std::error_code begin_tso(wire::Ipv4Address to, std::size_t l4_header_len,
                            std::size_t payload_len, std::uint16_t mss, Route& route,
                            OutgoingFrame& frame);
  std::error_code route_to(wire::Ipv4Address to, Route& route);
  wire::Ipv4Repr ipv4_header(wire::Ipv4Address to, std::uint8_t protocol, std::size_t l4_len);
  std::error_code finish_ipv4(const Route& route, OutgoingFrame&& frame);
  OutgoingFrame new_frame(std::size_t length);
  bool transmit(OutgoingFrame&& frame, const wire::MacAddress& dst);
  void flush_tx(Instant now);
  contract::TxStatus send_tso_job(const OutgoingFrame& f);

  dev::Device& device_;
  const contract::Capabilities caps_;
  InterfaceConfig config_;
  std::uint16_t mtu_;
  std::size_t max_tso_payload_;
  std::uint32_t netmask_;
  wire::Ipv4Address subnet_broadcast_;
  Instant now_;
  TimerWheel wheel_;
  NetCounters counters_;
  ArpCache arp_;
  TokenBucket icmp_limiter_;
  std::uint16_t next_ident_ = 0;

  std::unordered_map<std::uint16_t, UdpHandler*> udp_ports_;
  std::array<Ipv4ProtocolHandler*, 256> protocols_{};
  EchoReplyHandler* echo_handler_ = nullptr;

  std::deque<OutgoingFrame> tx_queue_;
  std::optional<Instant> tx_blocked_until_;  // the device's ring was full
  bool rx_more_ = false;                     // the last poll used its whole budget
};

}  // namespace tandem::net
