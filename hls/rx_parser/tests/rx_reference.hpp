// SPDX-License-Identifier: Apache-2.0
// Test support shared by the RX kernels' tests (rx_parser, checksum): what
// host/wire's parsers say about a frame, expressed as the contract's RxMeta — the
// independent reference the kernels are held to — frames built with host/wire's
// emitters, and printers that make a mismatch readable.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "contract/nic_contract.hpp"
#include "hls/common/rx_types.hpp"
#include "hls/rx_parser/rx_parser.hpp"
#include "host/dev/pcap.hpp"
#include "host/wire/arp.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/icmp.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/udp.hpp"

namespace tandem::hls_test {

using Frame = std::vector<std::byte>;
using contract::ChecksumStatus;
using contract::L3Kind;
using contract::L4Kind;
using contract::ParseStatus;
using hls_kernels::RxParsed;

inline constexpr std::size_t kEth = wire::kEthernetHeaderLen;

// How a testbench paces a kernel: the chance per cycle that the producer offers
// a word, that the consumer is ready (the kernel's m_ready, its tready), and that
// the consumer takes a word off each output.
struct Pace {
  const char* name;
  double feed;
  double ready;
  double drain;
};

inline constexpr Pace kFullRate{"full rate", 1.0, 1.0, 1.0};
inline constexpr Pace kPaces[] = {
    kFullRate,
    {"idle input", 0.4, 1.0, 1.0},
    {"back-pressure", 1.0, 0.5, 1.0},
    {"slow consumer", 1.0, 1.0, 0.3},
    {"everything", 0.6, 0.7, 0.5},
};

// ---------------------------------------------------------------------------
// Beats. The same layout as hls/common/beats.hpp (byte i in lane i % 64 of beat
// i / 64, tkeep for the valid lanes, tlast on the final beat), built from 64-bit
// words with shifts: the native ap_uint<512> assigns a byte range bit by bit,
// which would make the testbench slower than the kernels it drives.

inline std::vector<hls_kernels::AxisBeat> frame_to_beats(wire::ByteSpan frame) {
  std::vector<hls_kernels::AxisBeat> beats;
  beats.reserve((frame.size() + 63) / 64);
  for (std::size_t start = 0; start < frame.size(); start += 64) {
    const std::size_t n = std::min<std::size_t>(64, frame.size() - start);
    hls_kernels::AxisBeat beat{};
    ap_uint<hls_kernels::kBeatBits> data = 0;
    for (std::size_t w = 8; w-- > 0;) {
      std::uint64_t word = 0;
      for (std::size_t i = 0; i < 8; ++i) {
        const std::size_t at = 8 * w + i;
        if (at < n) word |= std::uint64_t{static_cast<std::uint8_t>(frame[start + at])} << (8 * i);
      }
      data = (data << 64) | ap_uint<hls_kernels::kBeatBits>(word);
    }
    beat.data = data;
    beat.keep = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    beat.last = start + n == frame.size();
    beats.push_back(beat);
  }
  return beats;
}

// Appends the bytes of the lanes whose tkeep bit is set, in lane order.
inline void append_beat_bytes(const hls_kernels::AxisBeat& beat, Frame& out) {
  const std::uint64_t keep = beat.keep.to_uint64();
  for (int w = 0; w < 8; ++w) {
    const std::uint64_t word = (beat.data >> (64 * w)).to_uint64();
    for (int i = 0; i < 8; ++i) {
      if ((keep >> (8 * w + i)) & 1u) out.push_back(static_cast<std::byte>(word >> (8 * i)));
    }
  }
}

// ---------------------------------------------------------------------------
// The reference: host/wire's checked views, their errors mapped onto the
// contract's ParseStatus. host/wire checks IPv4 in the order the kernel does
// (size >= 20, version/IHL, total >= IHL*4, then header and total within the
// bytes), so its first error names the same layer; truncated and malformed only
// need splitting into "header" and "length".

inline ParseStatus map_ipv4_error(wire::ParseError error, wire::ByteSpan l3) {
  const bool header_short = l3.size() < wire::kIpv4MinHeaderLen ||
                            l3.size() < std::size_t{wire::load_u8(l3, 0) & 0x0fu} * 4;
  switch (error) {
    case wire::ParseError::truncated:
      return header_short ? ParseStatus::bad_l3_header : ParseStatus::bad_l3_length;
    case wire::ParseError::malformed: {
      const unsigned version_ihl = wire::load_u8(l3, 0);
      const bool bad_header = (version_ihl >> 4) != 4 || (version_ihl & 0x0fu) < 5;
      return bad_header ? ParseStatus::bad_l3_header : ParseStatus::bad_l3_length;
    }
    default:
      return ParseStatus::bad_l3_header;
  }
}

inline RxParsed reference_parse(wire::ByteSpan frame,
                                std::size_t max_frame = hls_kernels::kRxDefaultMaxFrameLength) {
  RxParsed out;
  auto& m = out.meta;
  m.frame_length = static_cast<std::uint16_t>(std::min<std::size_t>(frame.size(), 0xffff));
  const auto eth = wire::EthernetFrame::new_checked(frame);
  if (!eth) {
    m.parse = ParseStatus::runt;
    return out;
  }
  if (frame.size() > max_frame) {
    m.parse = ParseStatus::oversize;
    return out;
  }
  m.l3_offset = kEth;
  if (eth->ethertype() == static_cast<std::uint16_t>(wire::EtherType::arp)) {
    m.l3 = L3Kind::arp;
    if (!wire::ArpPacket::new_checked(eth->payload())) m.parse = ParseStatus::bad_l3_header;
    return out;
  }
  if (eth->ethertype() != static_cast<std::uint16_t>(wire::EtherType::ipv4)) {
    m.l3 = L3Kind::other;
    return out;
  }
  m.l3 = L3Kind::ipv4;
  const auto ip = wire::Ipv4Packet::new_checked(eth->payload());
  if (!ip) {
    m.parse = map_ipv4_error(ip.error(), eth->payload());
    return out;
  }
  const auto ip_repr = wire::Ipv4Repr::parse(*ip, wire::ChecksumMode::offloaded);
  if (!ip_repr) {
    // The only error left in offloaded mode: a fragment.
    m.parse = ip_repr.error() == wire::ParseError::unsupported ? ParseStatus::fragment
                                                               : ParseStatus::bad_l3_header;
    return out;
  }
  const std::size_t l4 = kEth + ip->header_len();
  m.l4_offset = static_cast<std::uint8_t>(l4);
  const wire::ByteSpan segment = ip->payload();
  switch (ip->protocol()) {
    case static_cast<std::uint8_t>(wire::IpProtocol::tcp): {
      m.l4 = L4Kind::tcp;
      const auto tcp = wire::TcpPacket::new_checked(segment);
      if (!tcp) {
        m.parse = ParseStatus::bad_l4_header;
        break;
      }
      m.payload_offset = static_cast<std::uint16_t>(l4 + tcp->header_len());
      m.payload_length = static_cast<std::uint16_t>(tcp->payload().size());
      m.tcp_flags = tcp->flags();
      out.key = {ip->src().value, ip->dst().value, tcp->src_port(), tcp->dst_port()};
      break;
    }
    case static_cast<std::uint8_t>(wire::IpProtocol::udp): {
      m.l4 = L4Kind::udp;
      const auto udp = wire::UdpPacket::new_checked(segment);
      // host/wire accepts a UDP length shorter than the IPv4 payload (it trims the
      // view); the kernel's contract refuses any disagreement.
      if (!udp || udp->length() != segment.size()) {
        m.parse = ParseStatus::bad_l4_header;
        break;
      }
      m.payload_offset = static_cast<std::uint16_t>(l4 + wire::kUdpHeaderLen);
      m.payload_length = static_cast<std::uint16_t>(udp->payload().size());
      break;
    }
    case static_cast<std::uint8_t>(wire::IpProtocol::icmp): {
      m.l4 = L4Kind::icmp;
      const auto icmp = wire::IcmpPacket::new_checked(segment);
      if (!icmp) {
        m.parse = ParseStatus::bad_l4_header;
        break;
      }
      m.payload_offset = static_cast<std::uint16_t>(l4 + wire::kIcmpHeaderLen);
      m.payload_length = static_cast<std::uint16_t>(icmp->payload().size());
      break;
    }
    default:
      m.l4 = L4Kind::other;
      break;
  }
  return out;
}

// The checksum verdicts host/wire gives the same bytes: the IPv4 header's when the
// header itself parsed (ok, bad L4 header, fragment), the L4 checksum only when
// everything parsed and the protocol is TCP, UDP or ICMP.
inline void reference_checksums(wire::ByteSpan frame, contract::RxMeta& m) {
  auto verdict = [](bool good) { return good ? ChecksumStatus::good : ChecksumStatus::bad; };
  if (m.l3 != L3Kind::ipv4) return;
  if (m.parse != ParseStatus::ok && m.parse != ParseStatus::bad_l4_header &&
      m.parse != ParseStatus::fragment) {
    return;
  }
  const auto ip = wire::Ipv4Packet::new_checked(frame.subspan(kEth));
  m.l3_checksum = verdict(ip->verify_checksum());
  if (m.parse != ParseStatus::ok) return;
  switch (m.l4) {
    case L4Kind::tcp:
      m.l4_checksum = verdict(
          wire::TcpPacket::new_checked(ip->payload())->verify_checksum(ip->src(), ip->dst()));
      break;
    case L4Kind::udp:
      m.l4_checksum = verdict(
          wire::UdpPacket::new_checked(ip->payload())->verify_checksum(ip->src(), ip->dst()));
      break;
    case L4Kind::icmp:
      m.l4_checksum = verdict(wire::IcmpPacket::new_checked(ip->payload())->verify_checksum());
      break;
    default:
      break;
  }
}

inline std::string describe(const RxParsed& p) {
  const auto& m = p.meta;
  std::ostringstream os;
  os << "len=" << m.frame_length << " l3off=" << unsigned{m.l3_offset}
     << " l4off=" << unsigned{m.l4_offset} << " payoff=" << m.payload_offset
     << " paylen=" << m.payload_length << " l3=" << static_cast<unsigned>(m.l3)
     << " l4=" << static_cast<unsigned>(m.l4) << " parse=" << static_cast<unsigned>(m.parse)
     << " l3csum=" << static_cast<unsigned>(m.l3_checksum)
     << " l4csum=" << static_cast<unsigned>(m.l4_checksum) << " flags=" << unsigned{m.tcp_flags}
     << " conn=" << m.conn_id << " queue=" << m.queue << " rss=" << m.rss_hash
     << " key=" << std::hex << p.key.remote_ip << ':' << p.key.remote_port << '>' << p.key.local_ip
     << ':' << p.key.local_port;
  return os.str();
}

// ---------------------------------------------------------------------------
// The frames of a capture in tests/data.
inline std::vector<Frame> read_frames(const std::string& name) {
  std::vector<Frame> frames;
  for (auto& f : dev::read_pcap(std::string(TANDEM_TEST_DATA_DIR) + "/" + name)) {
    frames.push_back(std::move(f.bytes));
  }
  return frames;
}

// Frames scapy built (tests/data/make_scapy_frames.py): a pcap and a text file
// with one line per frame, "<layer> <error> <note>" for the malformed set and
// "<exact|reparse> <note>" for the valid one.

struct LabelledFrame {
  Frame frame;
  std::string layer;  // malformed: ethernet, ipv4, tcp, udp, icmp, arp
  std::string error;  // malformed: truncated, malformed, unsupported, bad_checksum
  std::string note;
};

inline std::vector<LabelledFrame> read_labelled(const std::string& stem, bool malformed) {
  const std::string dir = TANDEM_TEST_DATA_DIR;
  auto captured = dev::read_pcap(dir + "/" + stem + ".pcap");
  std::ifstream labels(dir + "/" + stem + ".txt");
  if (!labels) throw std::runtime_error("cannot read " + stem + ".txt");
  std::vector<LabelledFrame> out;
  std::string line;
  for (auto& c : captured) {
    if (!std::getline(labels, line))
      throw std::runtime_error(stem + ".txt: fewer lines than frames");
    LabelledFrame f;
    f.frame = std::move(c.bytes);
    std::istringstream words(line);
    if (malformed)
      words >> f.layer >> f.error;
    else
      words >> f.error;
    std::getline(words >> std::ws, f.note);
    out.push_back(std::move(f));
  }
  if (std::getline(labels, line) && !line.empty()) {
    throw std::runtime_error(stem + ".txt: more lines than frames");
  }
  return out;
}

// The contract's ParseStatus for a frame host/wire refuses with `error` at
// `layer`. The kernel parses headers, not TCP options, and does not verify
// checksums while parsing; ARP it only bounds, so some of host/wire's refusals
// are a clean parse for the kernel.
inline ParseStatus contract_status(const LabelledFrame& f) {
  const bool bad_checksum = f.error == "bad_checksum";
  if (f.layer == "ethernet") return ParseStatus::runt;
  if (f.layer == "ipv4") {
    if (bad_checksum) return ParseStatus::ok;
    if (f.error == "unsupported") return ParseStatus::fragment;
    // host/wire says truncated or malformed for both the header and the total
    // length; the notes name which field is wrong.
    return f.note.find("total length") != std::string::npos ? ParseStatus::bad_l3_length
                                                            : ParseStatus::bad_l3_header;
  }
  if (f.layer == "arp") {
    return f.error == "truncated" ? ParseStatus::bad_l3_header : ParseStatus::ok;
  }
  if (bad_checksum) return ParseStatus::ok;
  if (f.layer == "tcp") {
    // An option error leaves the fixed header and data offset intact.
    const auto ip = wire::Ipv4Packet::new_checked(wire::ByteSpan(f.frame).subspan(kEth));
    if (ip && wire::TcpPacket::new_checked(ip->payload())) return ParseStatus::ok;
  }
  return ParseStatus::bad_l4_header;
}

// ---------------------------------------------------------------------------
// Frame builders, on host/wire's emitters. The checksum mode decides whether the
// checksum fields are computed (software) or left zero (offloaded, as the host
// hands frames to the NIC).

inline Frame random_bytes(std::mt19937_64& rng, std::size_t n) {
  Frame out(n);
  for (auto& b : out)
    b = static_cast<std::byte>(rng());
  return out;
}

inline Frame ethernet_frame(std::uint16_t ethertype, wire::ByteSpan payload) {
  Frame out(kEth + payload.size());
  wire::EthernetRepr{wire::MacAddress{{0x02, 0, 0, 0, 0, 0x02}},
                     wire::MacAddress{{0x02, 0, 0, 0, 0, 0x01}}, ethertype}
      .emit(out);
  std::copy(payload.begin(), payload.end(), out.begin() + kEth);
  return out;
}

// An IPv4 packet around `segment`. host/wire emits no options, so the header is
// widened here: IHL and total length rewritten, options inserted, checksum redone.
inline Frame ipv4_packet(const wire::Ipv4Repr& ip, wire::ByteSpan options, wire::ByteSpan segment,
                         wire::ChecksumMode mode) {
  const std::size_t header_len = wire::kIpv4MinHeaderLen + options.size();
  Frame out(header_len + segment.size());
  wire::Ipv4Repr repr = ip;
  repr.payload_len = static_cast<std::uint16_t>(segment.size());
  repr.emit(out, wire::ChecksumMode::offloaded);
  wire::store_u8(out, 0, static_cast<std::uint8_t>(0x40 | (header_len / 4)));
  wire::store_be16(out, 2, static_cast<std::uint16_t>(out.size()));
  std::copy(options.begin(), options.end(), out.begin() + wire::kIpv4MinHeaderLen);
  std::copy(segment.begin(), segment.end(), out.begin() + static_cast<std::ptrdiff_t>(header_len));
  if (mode == wire::ChecksumMode::software) {
    wire::store_be16(out, 10, wire::internet_checksum(wire::ByteSpan(out).first(header_len)));
  }
  return out;
}

inline Frame tcp_segment(const wire::TcpRepr& tcp, wire::ByteSpan payload, wire::Ipv4Address src,
                         wire::Ipv4Address dst, wire::ChecksumMode mode) {
  wire::TcpRepr repr = tcp;
  repr.payload_len = payload.size();
  Frame out(repr.header_len() + payload.size());
  std::copy(payload.begin(), payload.end(),
            out.begin() + static_cast<std::ptrdiff_t>(repr.header_len()));
  repr.emit(out, src, dst, mode);
  return out;
}

inline Frame udp_datagram(std::uint16_t src_port, std::uint16_t dst_port, wire::ByteSpan payload,
                          wire::Ipv4Address src, wire::Ipv4Address dst, wire::ChecksumMode mode) {
  Frame out(wire::kUdpHeaderLen + payload.size());
  std::copy(payload.begin(), payload.end(), out.begin() + wire::kUdpHeaderLen);
  wire::UdpRepr{src_port, dst_port, payload.size()}.emit(out, src, dst, mode);
  return out;
}

inline Frame icmp_message(const wire::IcmpRepr& icmp, wire::ByteSpan payload,
                          wire::ChecksumMode mode) {
  wire::IcmpRepr repr = icmp;
  repr.payload_len = payload.size();
  Frame out(wire::kIcmpHeaderLen + payload.size());
  std::copy(payload.begin(), payload.end(), out.begin() + wire::kIcmpHeaderLen);
  repr.emit(out, mode);
  return out;
}

inline wire::TcpOptions random_tcp_options(std::mt19937_64& rng) {
  wire::TcpOptions o;
  if (rng() % 2) o.mss = static_cast<std::uint16_t>(rng());
  if (rng() % 2) o.window_scale = static_cast<std::uint8_t>(rng() % 15);
  o.sack_permitted = rng() % 2 == 0;
  if (rng() % 2)
    o.timestamps =
        wire::TcpTimestamps{static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())};
  // Whatever room the other options leave (40 bytes in all) goes to SACK blocks.
  const std::size_t used =
      (o.mss ? 4 : 0) + (o.timestamps ? 12 : (o.sack_permitted ? 4 : 0)) + (o.window_scale ? 4 : 0);
  const std::size_t room =
      used + 4 < wire::kTcpMaxOptionsLen ? (wire::kTcpMaxOptionsLen - used - 4) / 8 : 0;
  o.sack_count =
      static_cast<std::uint8_t>(rng() % (std::min(room, wire::TcpOptions::kMaxSackBlocks) + 1));
  for (std::size_t i = 0; i < o.sack_count; ++i) {
    const auto left = static_cast<std::uint32_t>(rng());
    o.sack_blocks[i] = {wire::SeqNum(left), wire::SeqNum(left + 1 + rng() % 100000)};
  }
  return o;
}

inline wire::TcpRepr random_tcp(std::mt19937_64& rng) {
  wire::TcpRepr t;
  t.src_port = static_cast<std::uint16_t>(rng());
  t.dst_port = static_cast<std::uint16_t>(rng());
  t.seq = wire::SeqNum(static_cast<std::uint32_t>(rng()));
  t.ack = wire::SeqNum(static_cast<std::uint32_t>(rng()));
  t.flags = static_cast<std::uint8_t>(rng());
  t.window = static_cast<std::uint16_t>(rng());
  t.urgent_pointer = static_cast<std::uint16_t>(rng());
  t.options = random_tcp_options(rng);
  return t;
}

inline wire::Ipv4Repr random_ipv4(std::mt19937_64& rng, wire::IpProtocol protocol) {
  wire::Ipv4Repr ip;
  ip.src = {static_cast<std::uint32_t>(rng())};
  ip.dst = {static_cast<std::uint32_t>(rng())};
  ip.protocol = static_cast<std::uint8_t>(protocol);
  ip.ttl = static_cast<std::uint8_t>(1 + rng() % 255);
  ip.ident = static_cast<std::uint16_t>(rng());
  ip.dont_fragment = rng() % 2 == 0;
  ip.dscp_ecn = static_cast<std::uint8_t>(rng());
  return ip;
}

// A complete Ethernet/IPv4 frame carrying `protocol` with `payload_len` payload
// bytes and `ip_options_len` bytes of IPv4 options (a multiple of 4, <= 40). TCP
// gets random options unless `tcp_options` is false (a 20-byte header, for frames
// of an exact size).
inline Frame random_l4_frame(std::mt19937_64& rng, wire::IpProtocol protocol,
                             std::size_t payload_len, std::size_t ip_options_len,
                             wire::ChecksumMode mode, bool tcp_options = true) {
  const wire::Ipv4Repr ip = random_ipv4(rng, protocol);
  const Frame payload = random_bytes(rng, payload_len);
  Frame segment;
  switch (protocol) {
    case wire::IpProtocol::tcp: {
      wire::TcpRepr tcp = random_tcp(rng);
      if (!tcp_options) tcp.options = {};
      segment = tcp_segment(tcp, payload, ip.src, ip.dst, mode);
    } break;
    case wire::IpProtocol::udp:
      segment = udp_datagram(static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()),
                             payload, ip.src, ip.dst, mode);
      break;
    case wire::IpProtocol::icmp:
      segment = icmp_message(
          wire::IcmpRepr::echo(wire::IcmpType::echo_request, static_cast<std::uint16_t>(rng()),
                               static_cast<std::uint16_t>(rng()), 0),
          payload, mode);
      break;
  }
  const Frame options = random_bytes(rng, ip_options_len);
  return ethernet_frame(static_cast<std::uint16_t>(wire::EtherType::ipv4),
                        ipv4_packet(ip, options, segment, mode));
}

// Random bytes of every length from a bare Ethernet header to 300 bytes, 24
// frames a length, shaped more and more like IPv4/TCP/UDP (plausible IPv4:
// version 4, IHL mostly in range, total length mostly matching the frame or
// its padding, rarely a fragment; TCP data offset mostly within the segment,
// UDP length mostly right) so that every check of the parser is reached both
// ways.
inline std::vector<Frame> random_frames_14_to_300(std::mt19937_64& rng) {
  std::vector<Frame> frames;
  for (std::size_t len = kEth; len <= 300; ++len) {
    for (int variant = 0; variant < 24; ++variant) {
      Frame f = random_bytes(rng, len);
      const int shape = variant % 6;
      if (shape == 0) {
        frames.push_back(std::move(f));
        continue;
      }
      if (shape == 1) {
        wire::store_be16(f, 12, static_cast<std::uint16_t>(wire::EtherType::arp));
        if (len >= 20 && rng() % 2) {
          wire::store_u8(f, 18, 6);
          wire::store_u8(f, 19, 4);
        }
        frames.push_back(std::move(f));
        continue;
      }
      wire::store_be16(f, 12, static_cast<std::uint16_t>(wire::EtherType::ipv4));
      const std::size_t l3_len = len - kEth;
      if (shape >= 3 && l3_len >= 20) {
        const unsigned ihl = rng() % 4 ? 5 + rng() % 11 : rng() % 16;
        wire::store_u8(f, kEth, static_cast<std::uint8_t>(0x40 | ihl));
        const std::size_t total =
            rng() % 4 ? l3_len - (rng() % 3 == 0 ? rng() % 8 : 0) : rng() % (l3_len + 8);
        wire::store_be16(f, kEth + 2, static_cast<std::uint16_t>(total));
        wire::store_be16(f, kEth + 6, rng() % 8 ? 0x4000 : static_cast<std::uint16_t>(rng()));
        static constexpr std::uint8_t kProtocols[] = {1, 6, 17, 6, 17, 47};
        wire::store_u8(f, kEth + 9, kProtocols[rng() % 6]);
        const std::size_t l4 = kEth + ihl * 4;
        const std::size_t segment = total > ihl * 4 ? total - ihl * 4 : 0;
        if (shape >= 4 && l4 + 14 <= len) {
          const unsigned doff = rng() % 4 ? 5 + rng() % 11 : rng() % 16;
          wire::store_u8(f, l4 + 12, static_cast<std::uint8_t>(doff << 4));
          if (wire::load_u8(f, kEth + 9) == 17) {
            wire::store_be16(
                f, l4 + 4,
                static_cast<std::uint16_t>(rng() % 3 ? segment : segment + rng() % 5 - 2));
          }
        }
      }
      frames.push_back(std::move(f));
    }
  }
  return frames;
}

}  // namespace tandem::hls_test
