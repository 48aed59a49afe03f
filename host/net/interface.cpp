// SPDX-License-Identifier: Apache-2.0
#include "host/net/interface.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include "host/wire/arp.hpp"
#include "host/wire/icmp.hpp"

namespace tandem::net {

using contract::ChecksumStatus;
using wire::ByteSpan;
using wire::ChecksumMode;
using wire::Ipv4Address;
using wire::MacAddress;

namespace {

constexpr auto kProtoIcmp = static_cast<std::uint8_t>(wire::IpProtocol::icmp);
constexpr auto kProtoUdp = static_cast<std::uint8_t>(wire::IpProtocol::udp);
constexpr auto kProtoTcp = static_cast<std::uint8_t>(wire::IpProtocol::tcp);

std::error_code err(std::errc e) {
  return std::make_error_code(e);
}

// What the NIC said about a checksum we may rely on, or nullopt when software
// must look. A verdict counts only from a device that offers RX checksums and a
// frame its parser took as far as the layer in question (contract: nothing past
// a parse error is trusted).
std::optional<bool> nic_l3_verdict(const contract::Capabilities& caps,
                                   const contract::RxMeta& meta) {
  if (!caps.rx_checksum || meta.l3 != contract::L3Kind::ipv4) return std::nullopt;
  if (meta.l3_checksum == ChecksumStatus::good) return true;
  if (meta.l3_checksum == ChecksumStatus::bad) return false;
  return std::nullopt;
}

std::optional<bool> nic_l4_verdict(const contract::Capabilities& caps, const contract::RxMeta& meta,
                                   contract::L4Kind kind) {
  if (!caps.rx_checksum || meta.parse != contract::ParseStatus::ok || meta.l4 != kind) {
    return std::nullopt;
  }
  if (meta.l4_checksum == ChecksumStatus::good) return true;
  if (meta.l4_checksum == ChecksumStatus::bad) return false;
  return std::nullopt;
}

}  // namespace

Interface::Interface(dev::Device& device, const InterfaceConfig& config, Instant start)
    : device_(device),
      caps_(device.capabilities()),
      config_(config),
      mtu_(std::min(config.mtu, caps_.mtu)),
      // An IPv4 total length is 16 bits: leave room for the largest headers.
      max_tso_payload_(std::min<std::size_t>(caps_.tso_max_payload, 0xffff - 20 - 60)),
      netmask_(config.prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - config.prefix_len)),
      subnet_broadcast_{config.address.value | ~netmask_},
      now_(start),
      wheel_(config.timer_tick, start),
      arp_(config.arp, wheel_, *this, counters_.arp),
      icmp_limiter_(config.icmp_errors_per_second, config.icmp_error_burst) {
  if (config_.prefix_len > 32) throw std::invalid_argument("Interface: prefix_len over 32");
  if (config_.address.is_unspecified() || config_.address.is_multicast() ||
      is_broadcast(config_.address)) {
    throw std::invalid_argument("Interface: the address must be a unicast address");
  }
  if (config_.gateway && (!on_link(*config_.gateway) || is_broadcast(*config_.gateway))) {
    throw std::invalid_argument("Interface: the gateway must be a unicast address on the link");
  }
  if (config_.queue >= caps_.queues) throw std::invalid_argument("Interface: no such queue");
  if (config_.rx_budget == 0) throw std::invalid_argument("Interface: rx_budget of 0");
  if (config_.rx_queues == 0 || config_.queue + config_.rx_queues > caps_.queues) {
    throw std::invalid_argument("Interface: RX queues beyond the device's");
  }
  // An IPv4 datagram of 68 bytes must always pass (RFC 791 §3.2); an ICMP error
  // must fit as well.
  if (mtu_ < 68) throw std::invalid_argument("Interface: MTU under 68");
}

Interface::~Interface() = default;

// ---------------------------------------------------------------------------
// Polling

void Interface::poll(Instant now) {
  now_ = std::max(now_, now);
  rx_more_ = false;
  for (std::uint16_t q = 0; q < config_.rx_queues; ++q) {
    const auto queue = static_cast<std::uint16_t>(config_.queue + q);
    rx_more_ = device_.receive(queue, config_.rx_budget, *this) == config_.rx_budget || rx_more_;
  }
  wheel_.advance(now_, [this](Timer& t) { arp_.on_timer(t, now_); });
  flush_tx(now_);
}

std::optional<Instant> Interface::poll_at() const {
  std::optional<Instant> at = wheel_.next_expiry();
  auto consider = [&at](Instant t) {
    if (!at || t < *at) at = t;
  };
  if (rx_more_) consider(now_);
  if (!tx_queue_.empty()) consider(tx_blocked_until_.value_or(now_));
  return at;
}

contract::TxStatus Interface::send_tso_job(const OutgoingFrame& f) {
  const wire::ByteSpan all(f.bytes);
  const std::array<wire::ByteSpan, 1> payload{all.subspan(f.tso_header_len)};
  return device_.send_tso(config_.queue, all.first(f.tso_header_len), payload, f.tso_mss);
}

void Interface::flush_tx(Instant now) {
  if (tx_blocked_until_ && now < *tx_blocked_until_) return;
  tx_blocked_until_.reset();
  while (!tx_queue_.empty()) {
    const OutgoingFrame& f = tx_queue_.front();
    const auto status =
        f.tso_mss == 0 ? device_.send_frame(config_.queue, f.bytes, f.flags) : send_tso_job(f);
    if (status == contract::TxStatus::ring_full) {
      // Contract: keep the frame and retry; a full ring never loses one.
      ++counters_.link.tx_ring_full;
      tx_blocked_until_ = now + config_.tx_retry;
      return;
    }
    if (status == contract::TxStatus::ok) {
      ++counters_.link.tx_frames;
    } else {
      ++counters_.link.tx_refused;
    }
    tx_queue_.pop_front();
  }
}

// ---------------------------------------------------------------------------
// Transmit

OutgoingFrame Interface::new_frame(std::size_t length) {
  OutgoingFrame f;
  // Short frames are padded to Ethernet's minimum here rather than left to the
  // MAC; IPv4's total length bounds the datagram (RFC 1122 §2.3.3's padding).
  f.bytes.assign(std::max(length, wire::kEthernetMinFrameLen), std::byte{0});
  return f;
}

bool Interface::transmit(OutgoingFrame&& frame, const MacAddress& dst) {
  if (tx_queue_.size() >= config_.tx_queue_limit) {
    ++counters_.link.tx_queue_full;
    return false;
  }
  std::copy(dst.octets.begin(), dst.octets.end(),
            reinterpret_cast<std::uint8_t*>(frame.bytes.data()));
  tx_queue_.push_back(std::move(frame));
  return true;
}

std::error_code Interface::route_to(Ipv4Address to, Route& route) {
  if (to.is_unspecified() || to.is_multicast() || to == config_.address || to.is_loopback()) {
    return err(std::errc::invalid_argument);
  }
  route.dst = to;
  route.broadcast = is_broadcast(to);
  if (route.broadcast || on_link(to)) {
    route.next_hop = to;
  } else if (config_.gateway) {
    route.next_hop = *config_.gateway;
  } else {
    ++counters_.ip.out_no_routes;
    return err(std::errc::network_unreachable);
  }
  ++counters_.ip.out_requests;
  return {};
}

wire::Ipv4Repr Interface::ipv4_header(Ipv4Address to, std::uint8_t protocol, std::size_t l4_len) {
  wire::Ipv4Repr ip;
  ip.src = config_.address;
  ip.dst = to;
  ip.protocol = protocol;
  ip.payload_len = static_cast<std::uint16_t>(l4_len);
  ip.ttl = config_.ttl;
  // RFC 6864 §4.1: an atomic datagram's ID has no meaning; a counter will do.
  ip.ident = next_ident_++;
  ip.dont_fragment = true;  // Tandem never fragments (RFC 1191 needs DF, too)
  return ip;
}

std::error_code Interface::begin_ipv4(Ipv4Address to, std::uint8_t protocol, std::size_t l4_len,
                                      bool l4_offloadable, Route& route, OutgoingFrame& frame) {
  if (wire::Ipv4Repr::header_len() + l4_len > mtu_) return err(std::errc::message_size);
  if (auto ec = route_to(to, route)) return ec;
  const wire::Ipv4Repr ip = ipv4_header(to, protocol, l4_len);
  frame = new_frame(kL4Offset + l4_len);
  wire::EthernetRepr{MacAddress{}, config_.mac, static_cast<std::uint16_t>(wire::EtherType::ipv4)}
      .emit(frame.bytes);
  const auto l3 = std::span(frame.bytes).subspan(kL3Offset);
  if (caps_.tx_ipv4_checksum) {
    ip.emit(l3, ChecksumMode::offloaded);
    frame.flags |= contract::tx_flag::fill_ipv4_checksum;
  } else {
    ip.emit(l3, ChecksumMode::software);
  }
  if (l4_mode(l4_offloadable) == ChecksumMode::offloaded) {
    frame.flags |= contract::tx_flag::fill_l4_checksum;
  }
  return {};
}

std::error_code Interface::begin_tso(Ipv4Address to, std::size_t l4_header_len,
                                     std::size_t payload_len, std::uint16_t mss, Route& route,
                                     OutgoingFrame& frame) {
  if (max_tso_payload_ == 0 || payload_len > max_tso_payload_ || mss == 0 ||
      wire::Ipv4Repr::header_len() + l4_header_len + mss > mtu_) {
    return err(std::errc::message_size);
  }
  if (auto ec = route_to(to, route)) return ec;
  if (route.broadcast) return err(std::errc::invalid_argument);
  // The template's lengths and checksums are the NIC's to fill for each
  // segment (contract::TsoJob); the first segment's values are written anyway.
  const wire::Ipv4Repr ip =
      ipv4_header(to, kProtoTcp, l4_header_len + std::min<std::size_t>(mss, payload_len));
  frame.bytes.assign(kL4Offset + l4_header_len + payload_len, std::byte{0});
  frame.tso_mss = mss;
  frame.tso_header_len = static_cast<std::uint16_t>(kL4Offset + l4_header_len);
  wire::EthernetRepr{MacAddress{}, config_.mac, static_cast<std::uint16_t>(wire::EtherType::ipv4)}
      .emit(frame.bytes);
  ip.emit(std::span(frame.bytes).subspan(kL3Offset), ChecksumMode::offloaded);
  return {};
}

std::error_code Interface::finish_ipv4(const Route& route, OutgoingFrame&& frame) {
  if (route.broadcast) {
    return transmit(std::move(frame), MacAddress::broadcast()) ? std::error_code{}
                                                               : err(std::errc::no_buffer_space);
  }
  if (const auto mac = arp_.lookup(route.next_hop, now_)) {
    return transmit(std::move(frame), *mac) ? std::error_code{} : err(std::errc::no_buffer_space);
  }
  // Accepted, as a socket accepts a datagram before its next hop resolves; if it
  // never does, the cache counts the loss as host unreachable.
  arp_.enqueue(route.next_hop, std::move(frame), now_);
  return {};
}

void Interface::send_resolved(OutgoingFrame&& frame, const MacAddress& dst) {
  transmit(std::move(frame), dst);
}

void Interface::send_arp_request(Ipv4Address target, const MacAddress& eth_dst) {
  OutgoingFrame f = new_frame(kL3Offset + wire::ArpRepr::len());
  wire::EthernetRepr{eth_dst, config_.mac, static_cast<std::uint16_t>(wire::EtherType::arp)}.emit(
      f.bytes);
  wire::ArpRepr{wire::ArpOperation::request, config_.mac, config_.address, MacAddress{}, target}
      .emit(std::span(f.bytes).subspan(kL3Offset));
  transmit(std::move(f), eth_dst);
}

std::error_code Interface::send_udp(std::uint16_t src_port, UdpEndpoint to, ByteSpan payload) {
  if (src_port == 0 || to.port == 0) return err(std::errc::invalid_argument);
  if (payload.size() > max_udp_payload()) return err(std::errc::message_size);
  const wire::UdpRepr udp{src_port, to.port, payload.size()};
  const Ipv4Address src = config_.address;
  const auto ec =
      send_ipv4(to.address, kProtoUdp, wire::kUdpHeaderLen + payload.size(), true,
                [&](std::span<std::byte> l4, ChecksumMode mode) {
                  std::copy(payload.begin(), payload.end(), l4.begin() + wire::kUdpHeaderLen);
                  udp.emit(l4, src, to.address, mode);
                });
  if (!ec) ++counters_.udp.out_datagrams;
  return ec;
}

std::error_code Interface::send_echo_request(Ipv4Address to, std::uint16_t ident, std::uint16_t seq,
                                             ByteSpan data) {
  const auto icmp = wire::IcmpRepr::echo(wire::IcmpType::echo_request, ident, seq, data.size());
  // ICMP's checksum is not one the NIC fills (contract: TCP/UDP only).
  const auto ec = send_ipv4(to, kProtoIcmp, icmp.header_len() + data.size(), false,
                            [&](std::span<std::byte> l4, ChecksumMode mode) {
                              std::copy(data.begin(), data.end(), l4.begin() + icmp.header_len());
                              icmp.emit(l4, mode);
                            });
  if (!ec) ++counters_.icmp.out_echos;
  return ec;
}

// RFC 1122 §3.2.2: the callers have already ruled out what must never draw an
// ICMP error (a broadcast destination, a source that is not one host, a
// non-initial fragment, an ICMP error). The quote is as much of the datagram as
// keeps the error within 576 bytes, as Linux does (RFC 1812 §4.3.2.3).
void Interface::send_icmp_unreachable(wire::IcmpUnreachableCode code, Ipv4Address to,
                                      ByteSpan datagram) {
  if (!icmp_limiter_.take(now_)) {
    ++counters_.icmp.out_rate_limited;
    return;
  }
  const std::size_t room = std::min<std::size_t>(kIcmpErrorMaxLen, mtu_) -
                           wire::Ipv4Repr::header_len() - wire::kIcmpHeaderLen;
  const ByteSpan quote = datagram.first(std::min(datagram.size(), room));
  const wire::IcmpRepr icmp{static_cast<std::uint8_t>(wire::IcmpType::destination_unreachable),
                            static_cast<std::uint8_t>(code), 0, quote.size()};
  const auto ec = send_ipv4(to, kProtoIcmp, icmp.header_len() + quote.size(), false,
                            [&](std::span<std::byte> l4, ChecksumMode mode) {
                              std::copy(quote.begin(), quote.end(), l4.begin() + icmp.header_len());
                              icmp.emit(l4, mode);
                            });
  if (!ec) ++counters_.icmp.out_dest_unreachs;
}

// ---------------------------------------------------------------------------
// Receive

void Interface::on_receive(const contract::RxMeta& meta, ByteSpan frame) {
  ++counters_.link.rx_frames;
  const auto eth = wire::EthernetFrame::new_checked(frame);
  if (!eth) {
    ++counters_.link.rx_truncated;
    return;
  }
  const MacAddress dst = eth->dst();
  if (dst != config_.mac && !dst.is_broadcast()) {
    ++counters_.link.rx_not_for_us;
    return;
  }
  switch (static_cast<wire::EtherType>(eth->ethertype())) {
    case wire::EtherType::arp:
      on_arp(eth->payload());
      return;
    case wire::EtherType::ipv4:
      on_ipv4(meta, eth->payload());
      return;
    default:
      ++counters_.link.rx_unknown_ethertype;
      return;
  }
}

// RFC 826, "Packet Reception", in its order.
void Interface::on_arp(ByteSpan bytes) {
  ++counters_.arp.rx_packets;
  const auto packet = wire::ArpPacket::new_checked(bytes);
  if (!packet) {
    ++counters_.arp.rx_malformed;
    return;
  }
  // ?Do I have the hardware type / speak the protocol in ar$hrd, ar$pro?
  const auto arp = wire::ArpRepr::parse(*packet);
  if (!arp) {
    if (arp.error() == wire::ParseError::unsupported) {
      ++counters_.arp.rx_unsupported;
    } else {
      ++counters_.arp.rx_malformed;
    }
    return;
  }
  if (arp->operation == wire::ArpOperation::request) {
    ++counters_.arp.rx_requests;
  } else {
    ++counters_.arp.rx_replies;
  }
  // Not in RFC 826: a group or zero sender MAC can only poison the cache.
  if (arp->sender_mac.is_multicast() || arp->sender_mac.is_zero()) {
    ++counters_.arp.rx_bad_sender;
    return;
  }
  if (arp->sender_ip == config_.address) {
    // Someone else uses our address (RFC 5227 §2.4); we count it, not defend.
    ++counters_.arp.rx_address_conflicts;
    return;
  }
  // An RFC 5227 probe has no sender address to learn; it may still be answered.
  const bool learnable = !arp->sender_ip.is_unspecified() && !is_broadcast(arp->sender_ip) &&
                         !arp->sender_ip.is_multicast();
  // Merge_flag: if the sender is already in the table, update its MAC.
  const bool merged = learnable && arp_.update(arp->sender_ip, arp->sender_mac, now_);
  // ?Am I the target protocol address?
  if (arp->target_ip != config_.address) return;
  if (!merged && learnable) arp_.learn(arp->sender_ip, arp->sender_mac, now_);
  // ?Is the opcode ares_op$REQUEST? Swap fields, put ours in, send a reply.
  if (arp->operation != wire::ArpOperation::request) return;
  OutgoingFrame f = new_frame(kL3Offset + wire::ArpRepr::len());
  wire::EthernetRepr{arp->sender_mac, config_.mac, static_cast<std::uint16_t>(wire::EtherType::arp)}
      .emit(f.bytes);
  wire::ArpRepr{wire::ArpOperation::reply, config_.mac, config_.address, arp->sender_mac,
                arp->sender_ip}
      .emit(std::span(f.bytes).subspan(kL3Offset));
  if (transmit(std::move(f), arp->sender_mac)) ++counters_.arp.tx_replies;
}

// RFC 1122 §3.2.1 (and RFC 791 §3.2) input checks, each drop counted.
void Interface::on_ipv4(const contract::RxMeta& meta, ByteSpan bytes) {
  ++counters_.ip.in_receives;
  const auto packet = wire::Ipv4Packet::new_checked(bytes);
  if (!packet) {
    if (packet.error() == wire::ParseError::truncated) {
      ++counters_.ip.in_truncated;
    } else {
      ++counters_.ip.in_hdr_errors;  // §3.2.1.1 version, §3.2.1.2 IHL / length
    }
    return;
  }
  // §3.2.1.2: a datagram whose header checksum fails MUST be discarded. The NIC's
  // verdict stands in for our own when the device offers one.
  const bool header_ok = nic_l3_verdict(caps_, meta).value_or(packet->verify_checksum());
  if (!header_ok) {
    ++counters_.ip.in_csum_errors;
    return;
  }
  const auto ip = wire::Ipv4Repr::parse(*packet, ChecksumMode::offloaded);
  if (!ip) {
    // The checksum is done, so the only refusal left is a fragment: Tandem sends
    // none (DF always set) and does not reassemble (RFC 1122 §3.3.2 asks hosts
    // to; a departure, counted).
    ++counters_.ip.in_fragments_dropped;
    return;
  }
  // §3.2.1.3: a source that is not one host MUST be discarded.
  if (ip->src.is_multicast() || is_broadcast(ip->src) || ip->src == config_.address ||
      ip->src.is_loopback()) {
    ++counters_.ip.in_bad_source;
    return;
  }
  const bool broadcast = is_broadcast(ip->dst);
  if (ip->dst != config_.address && !broadcast) {
    // §3.3.4.2 hosts do not forward: anything else is silently dropped.
    ++counters_.ip.in_addr_errors;
    return;
  }
  const ByteSpan l4 = packet->payload();
  switch (ip->protocol) {
    case kProtoIcmp:
      ++counters_.ip.in_delivers;
      on_icmp(meta, *ip, l4, broadcast);
      return;
    case kProtoUdp:
      ++counters_.ip.in_delivers;
      on_udp(meta, *ip, l4, packet->bytes(), broadcast);
      return;
    default:
      break;
  }
  if (Ipv4ProtocolHandler* handler = protocols_[ip->protocol]) {
    ++counters_.ip.in_delivers;
    const auto kind = ip->protocol == static_cast<std::uint8_t>(wire::IpProtocol::tcp)
                          ? contract::L4Kind::tcp
                          : contract::L4Kind::other;
    const bool nic_verified = nic_l4_verdict(caps_, meta, kind).value_or(false);
    handler->on_ipv4(Ipv4Input{
        *ip, l4, meta, nic_verified ? ChecksumMode::offloaded : ChecksumMode::software, broadcast});
    return;
  }
  // RFC 1122 §3.2.2.1: a host SHOULD say protocol unreachable.
  ++counters_.ip.in_unknown_protos;
  if (!broadcast)
    send_icmp_unreachable(wire::IcmpUnreachableCode::protocol, ip->src, packet->bytes());
}

void Interface::on_icmp(const contract::RxMeta& meta, const wire::Ipv4Repr& ip, ByteSpan l4,
                        bool broadcast) {
  ++counters_.icmp.in_msgs;
  const auto packet = wire::IcmpPacket::new_checked(l4);
  if (!packet) {
    ++counters_.icmp.in_errors;
    return;
  }
  if (!nic_l4_verdict(caps_, meta, contract::L4Kind::icmp).value_or(packet->verify_checksum())) {
    ++counters_.icmp.in_errors;
    ++counters_.icmp.in_csum_errors;
    return;
  }
  const auto icmp = wire::IcmpRepr::parse(*packet, ChecksumMode::offloaded);
  assert(icmp.ok());
  switch (static_cast<wire::IcmpType>(icmp->type)) {
    case wire::IcmpType::echo_request: {
      ++counters_.icmp.in_echos;
      if (broadcast) {
        ++counters_.icmp.in_broadcast_echos_ignored;
        return;
      }
      // RFC 1122 §3.2.2.6: the reply carries the request's identifier, sequence
      // number and data unchanged.
      const ByteSpan data = packet->payload();
      const auto reply = wire::IcmpRepr::echo(wire::IcmpType::echo_reply, icmp->echo_ident(),
                                              icmp->echo_seq(), data.size());
      const auto ec =
          send_ipv4(ip.src, kProtoIcmp, reply.header_len() + data.size(), false,
                    [&](std::span<std::byte> out, ChecksumMode mode) {
                      std::copy(data.begin(), data.end(), out.begin() + reply.header_len());
                      reply.emit(out, mode);
                    });
      if (!ec) ++counters_.icmp.out_echo_replies;
      return;
    }
    case wire::IcmpType::echo_reply:
      ++counters_.icmp.in_echo_replies;
      if (echo_handler_ != nullptr) {
        echo_handler_->on_echo_reply(ip.src, icmp->echo_ident(), icmp->echo_seq(),
                                     packet->payload());
      }
      return;
    case wire::IcmpType::destination_unreachable:
      ++counters_.icmp.in_dest_unreachs;
      return;
    default:
      ++counters_.icmp.in_other;
      return;
  }
}

void Interface::on_udp(const contract::RxMeta& meta, const wire::Ipv4Repr& ip, ByteSpan l4,
                       ByteSpan datagram, bool broadcast) {
  const auto packet = wire::UdpPacket::new_checked(l4);
  if (!packet) {
    ++counters_.udp.in_errors;
    return;
  }
  if (!nic_l4_verdict(caps_, meta, contract::L4Kind::udp)
           .value_or(packet->verify_checksum(ip.src, ip.dst))) {
    ++counters_.udp.in_errors;
    ++counters_.udp.in_csum_errors;
    return;
  }
  const auto it = udp_ports_.find(packet->dst_port());
  if (it == udp_ports_.end()) {
    ++counters_.udp.no_ports;
    // RFC 1122 §4.1.3.1: port unreachable, but never for a broadcast (§3.2.2).
    if (!broadcast) send_icmp_unreachable(wire::IcmpUnreachableCode::port, ip.src, datagram);
    return;
  }
  ++counters_.udp.in_datagrams;
  it->second->on_datagram(UdpEndpoint{ip.src, packet->src_port()}, packet->dst_port(),
                          packet->payload());
}

// ---------------------------------------------------------------------------
// Registration

std::error_code Interface::bind_udp(std::uint16_t port, UdpHandler& handler) {
  if (port == 0) return err(std::errc::invalid_argument);
  if (!udp_ports_.try_emplace(port, &handler).second) return err(std::errc::address_in_use);
  return {};
}

std::error_code Interface::unbind_udp(std::uint16_t port) {
  return udp_ports_.erase(port) == 1 ? std::error_code{} : err(std::errc::invalid_argument);
}

std::error_code Interface::register_protocol(std::uint8_t protocol, Ipv4ProtocolHandler& handler) {
  if (protocol == kProtoIcmp || protocol == kProtoUdp) return err(std::errc::invalid_argument);
  if (protocols_[protocol] != nullptr) return err(std::errc::address_in_use);
  protocols_[protocol] = &handler;
  return {};
}

std::error_code Interface::unregister_protocol(std::uint8_t protocol) {
  if (protocols_[protocol] == nullptr) return err(std::errc::invalid_argument);
  protocols_[protocol] = nullptr;
  return {};
}

}  // namespace tandem::net
