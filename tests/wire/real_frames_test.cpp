// SPDX-License-Identifier: Apache-2.0
// Every wire parser against frames Tandem did not write: Linux's own (captured by
// tests/data/capture_linux_frames.sh) and scapy's, valid and malformed (written by
// tests/data/make_scapy_frames.py). Linux's frames must re-emit byte for byte, which
// pins the option layout and checksums to what a real stack sends; the malformed
// ones must be refused at the layer and for the reason their sidecar names.
#define BOOST_TEST_MODULE real_frames
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "host/dev/pcap.hpp"
#include "host/wire/arp.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/icmp.hpp"
#include "host/wire/ipv4.hpp"
#include "host/wire/result.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/udp.hpp"

namespace {

namespace wire = tandem::wire;
using wire::ByteSpan;
using wire::ChecksumMode;
using wire::MutableByteSpan;
using wire::ParseError;

constexpr auto kSoftware = ChecksumMode::software;

std::string data_path(const std::string& name) {
  return std::string(TANDEM_TEST_DATA_DIR) + "/" + name;
}

// A frame in a heap block of exactly its size. A std::vector may own spare
// capacity past its size, which would hide a parser reading one byte too far from
// AddressSanitizer; this cannot.
class ExactBuffer {
 public:
  explicit ExactBuffer(ByteSpan bytes)
      : size_(bytes.size()), data_(std::make_unique<std::byte[]>(bytes.size())) {
    std::copy(bytes.begin(), bytes.end(), data_.get());
  }
  ByteSpan span() const { return {data_.get(), size_}; }

 private:
  std::size_t size_;
  std::unique_ptr<std::byte[]> data_;
};

std::vector<ExactBuffer> load_pcap(const std::string& name) {
  std::vector<ExactBuffer> frames;
  for (const auto& f : tandem::dev::read_pcap(data_path(name)))
    frames.emplace_back(f.bytes);
  return frames;
}

// The sidecar of a pcap: one line per frame, the first words what the test expects.
std::vector<std::string> load_lines(const std::string& name) {
  std::ifstream in(data_path(name));
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << data_path(name));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::string to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out.push_back(i % 16 == 0 ? '\n' : ' ');
    const auto b = static_cast<unsigned>(bytes[i]);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

// A frame taken apart at every layer Tandem speaks.
struct Dissection {
  wire::EthernetRepr eth;
  std::optional<wire::ArpRepr> arp;
  std::optional<wire::Ipv4Repr> ip;
  std::size_t ip_header_len = 0;  // as received, options included
  std::optional<wire::IcmpRepr> icmp;
  std::optional<wire::UdpRepr> udp;
  std::optional<wire::TcpRepr> tcp;
  std::vector<std::byte> l4_payload;  // after the ICMP, UDP or TCP header
  // The bytes that carry the packet; anything after them is link padding.
  std::size_t wire_len = 0;

  friend bool operator==(const Dissection&, const Dissection&) = default;
};

struct Refusal {
  std::string layer;
  ParseError error;
};

// Which layer refused the frame is the test's own classification; an ethertype
// or IP protocol Tandem has no parser for counts as `unsupported` at the layer
// that names it.
std::variant<Dissection, Refusal> dissect(ByteSpan frame) {
  auto eth_view = wire::EthernetFrame::new_checked(frame);
  if (!eth_view) return Refusal{"ethernet", eth_view.error()};
  Dissection d;
  d.eth = wire::EthernetRepr::parse(*eth_view);

  if (d.eth.ethertype == static_cast<std::uint16_t>(wire::EtherType::arp)) {
    auto view = wire::ArpPacket::new_checked(eth_view->payload());
    if (!view) return Refusal{"arp", view.error()};
    auto arp = wire::ArpRepr::parse(*view);
    if (!arp) return Refusal{"arp", arp.error()};
    d.arp = *arp;
    d.wire_len = wire::kEthernetHeaderLen + view->bytes().size();
    return d;
  }
  if (d.eth.ethertype != static_cast<std::uint16_t>(wire::EtherType::ipv4)) {
    return Refusal{"ethernet", ParseError::unsupported};
  }

  auto ip_view = wire::Ipv4Packet::new_checked(eth_view->payload());
  if (!ip_view) return Refusal{"ipv4", ip_view.error()};
  auto ip = wire::Ipv4Repr::parse(*ip_view, kSoftware);
  if (!ip) return Refusal{"ipv4", ip.error()};
  // The repr verified the checksum; the view's own check must agree.
  BOOST_TEST(ip_view->verify_checksum());
  d.ip = *ip;
  d.ip_header_len = ip_view->header_len();
  d.wire_len = wire::kEthernetHeaderLen + ip_view->bytes().size();
  const ByteSpan l4 = ip_view->payload();
  ByteSpan payload;

  switch (static_cast<wire::IpProtocol>(ip->protocol)) {
    case wire::IpProtocol::icmp: {
      auto view = wire::IcmpPacket::new_checked(l4);
      if (!view) return Refusal{"icmp", view.error()};
      auto icmp = wire::IcmpRepr::parse(*view, kSoftware);
      if (!icmp) return Refusal{"icmp", icmp.error()};
      BOOST_TEST(view->verify_checksum());
      d.icmp = *icmp;
      payload = view->payload();
      break;
    }
    case wire::IpProtocol::udp: {
      auto view = wire::UdpPacket::new_checked(l4);
      if (!view) return Refusal{"udp", view.error()};
      auto udp = wire::UdpRepr::parse(*view, ip->src, ip->dst, kSoftware);
      if (!udp) return Refusal{"udp", udp.error()};
      BOOST_TEST(view->verify_checksum(ip->src, ip->dst));
      d.udp = *udp;
      payload = view->payload();
      break;
    }
    case wire::IpProtocol::tcp: {
      auto view = wire::TcpPacket::new_checked(l4);
      if (!view) return Refusal{"tcp", view.error()};
      auto tcp = wire::TcpRepr::parse(*view, ip->src, ip->dst, kSoftware);
      if (!tcp) return Refusal{"tcp", tcp.error()};
      BOOST_TEST(view->verify_checksum(ip->src, ip->dst));
      d.tcp = *tcp;
      payload = view->payload();
      break;
    }
    default:
      return Refusal{"ipv4", ParseError::unsupported};
  }
  d.l4_payload.assign(payload.begin(), payload.end());
  return d;
}

// Builds the frame back from its parsed values alone, the way Tandem's transmit
// path does: payload in place first, then each header from the inside out so that
// the checksums cover what is under them.
std::vector<std::byte> emit(const Dissection& d) {
  const std::size_t eth_len = wire::EthernetRepr::header_len();
  std::vector<std::byte> out;
  if (d.arp) {
    out.resize(eth_len + wire::ArpRepr::len());
    d.arp->emit(MutableByteSpan(out).subspan(eth_len));
    d.eth.emit(out);
    return out;
  }
  std::size_t l4_header_len = 0;
  if (d.icmp) l4_header_len = wire::IcmpRepr::header_len();
  if (d.udp) l4_header_len = wire::UdpRepr::header_len();
  if (d.tcp) l4_header_len = d.tcp->header_len();
  const std::size_t ip_len = wire::Ipv4Repr::header_len();
  out.resize(eth_len + ip_len + l4_header_len + d.l4_payload.size());
  std::copy(d.l4_payload.begin(), d.l4_payload.end(),
            out.begin() + static_cast<std::ptrdiff_t>(eth_len + ip_len + l4_header_len));

  const MutableByteSpan l4 = MutableByteSpan(out).subspan(eth_len + ip_len);
  if (d.icmp) d.icmp->emit(l4, kSoftware);
  if (d.udp) d.udp->emit(l4, d.ip->src, d.ip->dst, kSoftware);
  if (d.tcp) d.tcp->emit(l4, d.ip->src, d.ip->dst, kSoftware);
  // Other stacks lay TCP options out differently, so the datagram may change
  // size; the IPv4 header is re-emitted for what it now carries.
  wire::Ipv4Repr ip = *d.ip;
  ip.payload_len = static_cast<std::uint16_t>(l4.size());
  ip.emit(MutableByteSpan(out).subspan(eth_len), kSoftware);
  d.eth.emit(out);
  return out;
}

std::string describe(const Dissection& d) {
  std::ostringstream os;
  os << d.wire_len << " bytes: eth " << d.eth.src.to_string() << " > " << d.eth.dst.to_string()
     << " type " << d.eth.ethertype;
  if (d.arp) {
    os << "; arp op " << static_cast<int>(d.arp->operation) << ' ' << d.arp->sender_ip.to_string()
       << " > " << d.arp->target_ip.to_string();
  }
  if (d.ip) {
    os << "; ipv4 " << d.ip->src.to_string() << " > " << d.ip->dst.to_string() << " proto "
       << int{d.ip->protocol} << " len " << d.ip->payload_len << " ttl " << int{d.ip->ttl} << " id "
       << d.ip->ident << " df " << d.ip->dont_fragment << " tos " << int{d.ip->dscp_ecn} << " hlen "
       << d.ip_header_len;
  }
  if (d.icmp) {
    os << "; icmp " << int{d.icmp->type} << '/' << int{d.icmp->code} << " rest "
       << d.icmp->rest_of_header << " len " << d.icmp->payload_len;
  }
  if (d.udp)
    os << "; udp " << d.udp->src_port << " > " << d.udp->dst_port << " len " << d.udp->payload_len;
  if (d.tcp) {
    const auto& t = *d.tcp;
    const auto& o = t.options;
    os << "; tcp " << t.src_port << " > " << t.dst_port << " seq " << t.seq << " ack " << t.ack
       << " flags " << int{t.flags} << " win " << t.window << " urg " << t.urgent_pointer << " len "
       << t.payload_len << " opts[mss " << (o.mss ? int{*o.mss} : -1) << " ws "
       << (o.window_scale ? int{*o.window_scale} : -1) << " sackp " << o.sack_permitted;
    if (o.timestamps) os << " ts " << o.timestamps->value << '/' << o.timestamps->echo;
    for (std::size_t i = 0; i < o.sack_count; ++i) {
      os << " sack " << o.sack_blocks[i].left << '-' << o.sack_blocks[i].right;
    }
    os << ']';
  }
  return os.str();
}

// Parses a frame, checks it re-emits to the same values, and, when `exact`, to the
// same bytes. Returns whether the byte-exact comparison ran and held.
bool check_round_trip(ByteSpan frame, bool exact) {
  auto outcome = dissect(frame);
  if (const auto* refusal = std::get_if<Refusal>(&outcome)) {
    BOOST_ERROR("refused at " << refusal->layer << ": " << wire::to_string(refusal->error) << "\n"
                              << to_hex(frame));
    return false;
  }
  const auto& d = std::get<Dissection>(outcome);
  BOOST_TEST_REQUIRE(d.wire_len <= frame.size());

  const std::vector<std::byte> emitted = emit(d);
  const ExactBuffer copy(emitted);
  auto again = dissect(copy.span());
  if (const auto* refusal = std::get_if<Refusal>(&again)) {
    BOOST_ERROR("own emission refused at " << refusal->layer << ": "
                                           << wire::to_string(refusal->error) << "\n"
                                           << to_hex(emitted));
    return false;
  }
  // Tandem emits no IPv4 options and its own TCP option layout: the header
  // lengths, and with them the datagram and frame lengths, are all re-emission
  // may change.
  Dissection reparsed = std::get<Dissection>(again);
  reparsed.ip_header_len = d.ip_header_len;
  reparsed.wire_len = d.wire_len;
  if (reparsed.ip) reparsed.ip->payload_len = d.ip->payload_len;
  BOOST_CHECK_MESSAGE(reparsed == d, "parse(emit(parse(x))) != parse(x)\n  parse(x):  "
                                         << describe(d) << "\n  reparsed:  " << describe(reparsed));
  if (!exact) return false;

  // Link padding is not part of the packet, so the comparison stops where it starts.
  const ByteSpan original = frame.first(d.wire_len);
  BOOST_TEST(to_hex(emitted) == to_hex(original));
  return to_hex(emitted) == to_hex(original);
}

// Every prefix of a valid frame that cuts into its packet must be refused as
// truncated, by the Ethernet, ARP or IPv4 view; run over exact-size buffers, this
// also shows no parser reads past the bytes it was given.
void check_prefixes_truncated(ByteSpan frame, std::size_t wire_len) {
  for (std::size_t n = 0; n < wire_len; ++n) {
    const ExactBuffer prefix(frame.first(n));
    auto outcome = dissect(prefix.span());
    const auto* refusal = std::get_if<Refusal>(&outcome);
    BOOST_TEST_REQUIRE(refusal != nullptr, "a " << n << "-byte prefix of a " << wire_len
                                                << "-byte packet was accepted");
    BOOST_TEST(wire::to_string(refusal->error) == "truncated", "prefix of " << n << " bytes");
  }
}

std::size_t wire_len_of(ByteSpan frame) {
  auto outcome = dissect(frame);
  BOOST_TEST_REQUIRE(std::holds_alternative<Dissection>(outcome));
  return std::get<Dissection>(outcome).wire_len;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(linux_capture)

BOOST_AUTO_TEST_CASE(every_frame_round_trips_byte_exactly) {
  const auto frames = load_pcap("linux_frames.pcap");
  // The capture script's conversation is 45 frames; far fewer means it lost some.
  BOOST_TEST_REQUIRE(frames.size() >= 40u);
  std::size_t exact = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST_CONTEXT("linux frame " << i + 1) {
      if (check_round_trip(frames[i].span(), true)) ++exact;
    }
  }
  BOOST_TEST(exact == frames.size());
}

BOOST_AUTO_TEST_CASE(capture_holds_the_expected_conversation) {
  bool arp_request = false, arp_reply = false, echo_request = false, echo_reply = false;
  bool port_unreachable = false, udp = false, syn_full_options = false, syn_ack = false;
  bool rst = false, fin = false, full_sized = false, client_data = false, server_data = false;

  for (const auto& frame : load_pcap("linux_frames.pcap")) {
    auto outcome = dissect(frame.span());
    BOOST_TEST_REQUIRE(std::holds_alternative<Dissection>(outcome));
    const auto& d = std::get<Dissection>(outcome);
    if (d.arp) {
      arp_request |= d.arp->operation == wire::ArpOperation::request;
      arp_reply |= d.arp->operation == wire::ArpOperation::reply;
    }
    if (d.icmp) {
      echo_request |= d.icmp->type == static_cast<std::uint8_t>(wire::IcmpType::echo_request);
      echo_reply |= d.icmp->type == static_cast<std::uint8_t>(wire::IcmpType::echo_reply);
      port_unreachable |=
          d.icmp->type == static_cast<std::uint8_t>(wire::IcmpType::destination_unreachable) &&
          d.icmp->code == static_cast<std::uint8_t>(wire::IcmpUnreachableCode::port);
    }
    udp |= d.udp.has_value();
    if (d.tcp) {
      const auto& t = *d.tcp;
      const auto& o = t.options;
      const bool all_options = o.mss && o.window_scale && o.sack_permitted && o.timestamps;
      syn_full_options |= t.has(wire::tcp_flag::syn) && !t.has(wire::tcp_flag::ack) && all_options;
      syn_ack |= t.has(wire::tcp_flag::syn) && t.has(wire::tcp_flag::ack) && all_options;
      rst |= t.has(wire::tcp_flag::rst);
      fin |= t.has(wire::tcp_flag::fin);
      // 1460-byte MSS less 12 bytes of timestamps.
      full_sized |= t.payload_len == 1448;
      // The capture script's request/response exchange runs on port 5001.
      client_data |= t.payload_len > 0 && t.dst_port == 5001;
      server_data |= t.payload_len > 0 && t.src_port == 5001;
    }
  }
  BOOST_TEST(arp_request);
  BOOST_TEST(arp_reply);
  BOOST_TEST(echo_request);
  BOOST_TEST(echo_reply);
  BOOST_TEST(port_unreachable);
  BOOST_TEST(udp);
  BOOST_TEST(syn_full_options);
  BOOST_TEST(syn_ack);
  BOOST_TEST(rst);
  BOOST_TEST(fin);
  BOOST_TEST(full_sized);
  BOOST_TEST(client_data);
  BOOST_TEST(server_data);
}

BOOST_AUTO_TEST_CASE(every_cut_short_frame_is_truncated) {
  for (const auto& frame : load_pcap("linux_frames.pcap")) {
    check_prefixes_truncated(frame.span(), wire_len_of(frame.span()));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scapy_valid)

BOOST_AUTO_TEST_CASE(every_frame_round_trips) {
  const auto frames = load_pcap("scapy_valid.pcap");
  const auto lines = load_lines("scapy_valid.txt");
  BOOST_TEST_REQUIRE(frames.size() == lines.size());
  std::size_t expected_exact = 0, exact = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    std::istringstream line(lines[i]);
    std::string mode;
    line >> mode;
    BOOST_TEST_REQUIRE((mode == "exact" || mode == "reparse"),
                       "line " << i + 1 << ": " << lines[i]);
    BOOST_TEST_CONTEXT("scapy valid frame " << i + 1 << ": " << lines[i]) {
      expected_exact += mode == "exact";
      if (check_round_trip(frames[i].span(), mode == "exact")) ++exact;
    }
  }
  // The sidecar marks most frames byte-exact; a shrunken list would let the test
  // pass on round trips alone.
  BOOST_TEST(expected_exact >= 30u);
  BOOST_TEST(exact == expected_exact);
}

BOOST_AUTO_TEST_CASE(every_cut_short_frame_is_truncated) {
  for (const auto& frame : load_pcap("scapy_valid.pcap")) {
    check_prefixes_truncated(frame.span(), wire_len_of(frame.span()));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scapy_malformed)

BOOST_AUTO_TEST_CASE(every_frame_is_refused_where_the_sidecar_says) {
  const auto frames = load_pcap("scapy_malformed.pcap");
  const auto lines = load_lines("scapy_malformed.txt");
  BOOST_TEST_REQUIRE(frames.size() == lines.size());
  BOOST_TEST_REQUIRE(frames.size() >= 30u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    std::istringstream line(lines[i]);
    std::string layer, error;
    line >> layer >> error;
    BOOST_TEST_CONTEXT("scapy malformed frame " << i + 1 << ": " << lines[i]) {
      auto outcome = dissect(frames[i].span());
      const auto* refusal = std::get_if<Refusal>(&outcome);
      if (refusal == nullptr) {
        BOOST_ERROR("accepted: " << describe(std::get<Dissection>(outcome)) << "\n"
                                 << to_hex(frames[i].span()));
        continue;
      }
      BOOST_TEST(refusal->layer == layer);
      BOOST_TEST(std::string(wire::to_string(refusal->error)) == error);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
