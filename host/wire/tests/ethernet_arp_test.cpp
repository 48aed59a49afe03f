// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "host/wire/arp.hpp"
#include "host/wire/ethernet.hpp"
#include "host/wire/tests/wire_test_util.hpp"

namespace tw = tandem::wire;
using tw::test::error_of;
using tw::test::from_hex;
using tw::test::to_hex;

namespace {

// A who-has 10.0.0.2 from 10.0.0.1 as it appears on the wire: broadcast, padded
// to the 60-byte minimum frame.
const std::vector<std::byte> kArpRequestFrame = from_hex(
    "ff ff ff ff ff ff  52 54 00 12 34 56  08 06"              // Ethernet: dst, src, type ARP
    "00 01 08 00 06 04 00 01"                                  // Ethernet/IPv4, 6/4, request
    "52 54 00 12 34 56  0a 00 00 01"                           // sender MAC, IP
    "00 00 00 00 00 00  0a 00 00 02"                           // target MAC, IP
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");  // padding

const tw::MacAddress kMacA{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

tw::ByteSpan arp_part(const std::vector<std::byte>& frame) {
  return tw::ByteSpan(frame).subspan(tw::kEthernetHeaderLen);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ethernet)

BOOST_AUTO_TEST_CASE(parses_a_real_frame_and_reemits_it) {
  BOOST_TEST_REQUIRE(kArpRequestFrame.size() == tw::kEthernetMinFrameLen);
  const auto frame = tw::EthernetFrame::new_checked(kArpRequestFrame);
  BOOST_TEST_REQUIRE(frame.ok());
  BOOST_TEST(frame->dst().is_broadcast());
  BOOST_TEST(frame->src() == kMacA);
  BOOST_TEST(frame->ethertype() == static_cast<std::uint16_t>(tw::EtherType::arp));
  // Ethernet has no length field: the payload is everything after the header.
  BOOST_TEST(frame->payload().size() == tw::kEthernetMinFrameLen - tw::kEthernetHeaderLen);

  const tw::EthernetRepr repr = tw::EthernetRepr::parse(*frame);
  BOOST_TEST(repr == (tw::EthernetRepr{tw::MacAddress::broadcast(), kMacA, 0x0806}));
  std::vector<std::byte> out(tw::EthernetRepr::header_len());
  repr.emit(out);
  BOOST_TEST(to_hex(out) == to_hex(tw::ByteSpan(kArpRequestFrame).first(14)));
}

BOOST_AUTO_TEST_CASE(every_short_prefix_is_truncated) {
  for (std::size_t n = 0; n < tw::kEthernetHeaderLen; ++n) {
    const auto frame = tw::EthernetFrame::new_checked(tw::ByteSpan(kArpRequestFrame).first(n));
    BOOST_TEST(error_of(frame) == tw::ParseError::truncated, "length " << n);
  }
  const auto bare = tw::EthernetFrame::new_checked(tw::ByteSpan(kArpRequestFrame).first(14));
  BOOST_TEST_REQUIRE(bare.ok());
  BOOST_TEST(bare->payload().empty());
}

BOOST_AUTO_TEST_CASE(parse_inverts_emit_randomized) {
  std::mt19937 rng(802);
  for (int iter = 0; iter < 500; ++iter) {
    tw::EthernetRepr repr;
    for (auto& o : repr.dst.octets)
      o = tw::test::random_uint<std::uint8_t>(rng);
    for (auto& o : repr.src.octets)
      o = tw::test::random_uint<std::uint8_t>(rng);
    repr.ethertype = tw::test::random_uint<std::uint16_t>(rng);
    std::vector<std::byte> out(tw::kEthernetHeaderLen);
    repr.emit(out);
    const auto frame = tw::EthernetFrame::new_checked(out);
    BOOST_TEST_REQUIRE(frame.ok());
    BOOST_TEST(tw::EthernetRepr::parse(*frame) == repr);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(arp)

BOOST_AUTO_TEST_CASE(parses_a_real_request_and_reemits_it) {
  const auto packet = tw::ArpPacket::new_checked(arp_part(kArpRequestFrame));
  BOOST_TEST_REQUIRE(packet.ok());
  // The view stops where the declared addresses end, before the frame padding.
  BOOST_TEST(packet->bytes().size() == tw::kArpPacketLen);
  const auto repr = tw::ArpRepr::parse(*packet);
  BOOST_TEST_REQUIRE(repr.ok());
  const tw::ArpRepr expected{tw::ArpOperation::request, kMacA, tw::test::kHostA, tw::MacAddress{},
                             tw::test::kHostB};
  BOOST_TEST(*repr == expected);

  std::vector<std::byte> out(tw::ArpRepr::len());
  repr->emit(out);
  BOOST_TEST(to_hex(out) == to_hex(arp_part(kArpRequestFrame).first(tw::kArpPacketLen)));
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  const tw::ByteSpan arp = arp_part(kArpRequestFrame);
  for (std::size_t n = 0; n < tw::kArpPacketLen; ++n) {
    BOOST_TEST(error_of(tw::ArpPacket::new_checked(arp.first(n))) == tw::ParseError::truncated,
               "length " << n);
  }
}

BOOST_AUTO_TEST_CASE(declared_address_lengths_must_fit) {
  // Ethernet with 16-byte protocol addresses needs 8 + 2 * (6 + 16) = 52 bytes.
  auto bytes = from_hex("00 01 86 dd 06 10 00 01");
  bytes.resize(51);
  BOOST_TEST(error_of(tw::ArpPacket::new_checked(bytes)) == tw::ParseError::truncated);
  bytes.resize(52);
  const auto packet = tw::ArpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(error_of(tw::ArpRepr::parse(*packet)) == tw::ParseError::unsupported);
}

BOOST_AUTO_TEST_CASE(other_hardware_protocol_or_operation_is_unsupported) {
  struct Case {
    std::size_t at;
    std::uint16_t value;
    const char* what;
  };
  // htype 6 is IEEE 802 networks; ptype 0x86dd IPv6; op 3 is a RARP request.
  for (const Case c : {Case{0, 6, "htype 6"}, Case{2, 0x86dd, "ptype IPv6"}, Case{6, 3, "op 3"},
                       Case{6, 0, "op 0"}}) {
    const tw::ByteSpan arp = arp_part(kArpRequestFrame);
    std::vector<std::byte> bytes(arp.begin(), arp.end());
    tw::store_be16(bytes, c.at, c.value);
    const auto packet = tw::ArpPacket::new_checked(bytes);
    BOOST_TEST_REQUIRE(packet.ok());
    BOOST_TEST(error_of(tw::ArpRepr::parse(*packet)) == tw::ParseError::unsupported, c.what);
  }
  // hlen 8 and plen 2 still fit in the padded frame but are not Ethernet/IPv4.
  for (std::size_t at : {std::size_t{4}, std::size_t{5}}) {
    const tw::ByteSpan arp = arp_part(kArpRequestFrame);
    std::vector<std::byte> bytes(arp.begin(), arp.end());
    tw::store_u8(bytes, at, at == 4 ? 8 : 2);
    const auto packet = tw::ArpPacket::new_checked(bytes);
    BOOST_TEST_REQUIRE(packet.ok());
    BOOST_TEST(error_of(tw::ArpRepr::parse(*packet)) == tw::ParseError::unsupported);
  }
}

BOOST_AUTO_TEST_CASE(parse_inverts_emit_randomized) {
  std::mt19937 rng(826);
  for (int iter = 0; iter < 500; ++iter) {
    tw::ArpRepr repr;
    repr.operation = tw::test::coin(rng) ? tw::ArpOperation::request : tw::ArpOperation::reply;
    for (auto& o : repr.sender_mac.octets)
      o = tw::test::random_uint<std::uint8_t>(rng);
    for (auto& o : repr.target_mac.octets)
      o = tw::test::random_uint<std::uint8_t>(rng);
    repr.sender_ip.value = tw::test::random_uint<std::uint32_t>(rng);
    repr.target_ip.value = tw::test::random_uint<std::uint32_t>(rng);
    std::vector<std::byte> out(tw::ArpRepr::len());
    repr.emit(out);
    const auto packet = tw::ArpPacket::new_checked(out);
    BOOST_TEST_REQUIRE(packet.ok());
    const auto parsed = tw::ArpRepr::parse(*packet);
    BOOST_TEST_REQUIRE(parsed.ok());
    BOOST_TEST(*parsed == repr);
  }
}

BOOST_AUTO_TEST_SUITE_END()
