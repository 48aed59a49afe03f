// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "host/wire/icmp.hpp"
#include "host/wire/tests/wire_test_util.hpp"
#include "host/wire/udp.hpp"

namespace tw = tandem::wire;
using tw::test::error_of;
using tw::test::from_hex;
using tw::test::kHostA;
using tw::test::kHostB;
using tw::test::to_hex;

namespace {

// An echo request as Windows' ping sends it: ident 0x1c46, sequence 1, the
// alphabet as data.
const std::vector<std::byte> kEchoRequest = from_hex(
    "08 00 31 15 1c 46 00 01"
    "61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70"
    "71 72 73 74 75 76 77 61 62 63 64 65 66 67 68 69");

// A DNS query for example.com A from kHostA:53000 to kHostB:53; 29 bytes of
// payload, so the checksum ends on an odd byte.
const std::vector<std::byte> kDnsQuery = from_hex(
    "cf 08 00 35 00 25 3a c2"
    "12 34 01 00 00 01 00 00 00 00 00 00"
    "07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01");

// The bytes a sender holds before emit: the payload in place, the header not yet
// written.
std::vector<std::byte> blank_header(const std::vector<std::byte>& packet, std::size_t header_len) {
  std::vector<std::byte> out = packet;
  for (std::size_t i = 0; i < header_len; ++i)
    out[i] = std::byte{0xaa};
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(icmp)

BOOST_AUTO_TEST_CASE(parses_a_real_echo_request_and_reemits_it) {
  const auto packet = tw::IcmpPacket::new_checked(kEchoRequest);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->verify_checksum());
  BOOST_TEST(packet->payload().size() == 32u);
  const auto repr = tw::IcmpRepr::parse(*packet, tw::ChecksumMode::software);
  BOOST_TEST_REQUIRE(repr.ok());
  BOOST_TEST(*repr == tw::IcmpRepr::echo(tw::IcmpType::echo_request, 0x1c46, 1, 32));
  BOOST_TEST(repr->echo_ident() == 0x1c46);
  BOOST_TEST(repr->echo_seq() == 1);

  auto out = blank_header(kEchoRequest, tw::IcmpRepr::header_len());
  repr->emit(out, tw::ChecksumMode::software);
  BOOST_TEST(to_hex(out) == to_hex(kEchoRequest));
}

BOOST_AUTO_TEST_CASE(short_messages_are_truncated) {
  // ICMP has no length field, so only a message shorter than its header is cut
  // short as far as the view can tell; the checksum covers the rest.
  for (std::size_t n = 0; n < tw::kIcmpHeaderLen; ++n) {
    const auto packet = tw::IcmpPacket::new_checked(tw::ByteSpan(kEchoRequest).first(n));
    BOOST_TEST(error_of(packet) == tw::ParseError::truncated, "length " << n);
  }
  const auto cut = tw::IcmpPacket::new_checked(tw::ByteSpan(kEchoRequest).first(20));
  BOOST_TEST_REQUIRE(cut.ok());
  BOOST_TEST(error_of(tw::IcmpRepr::parse(*cut, tw::ChecksumMode::software)) ==
             tw::ParseError::bad_checksum);
}

BOOST_AUTO_TEST_CASE(bad_checksum_is_caught_only_in_software_mode) {
  auto bytes = kEchoRequest;
  bytes[20] ^= std::byte{0x01};
  const auto packet = tw::IcmpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(error_of(tw::IcmpRepr::parse(*packet, tw::ChecksumMode::software)) ==
             tw::ParseError::bad_checksum);
  BOOST_TEST(tw::IcmpRepr::parse(*packet, tw::ChecksumMode::offloaded).ok());
}

BOOST_AUTO_TEST_CASE(offloaded_emit_leaves_the_checksum_zero) {
  auto out = blank_header(kEchoRequest, tw::IcmpRepr::header_len());
  tw::IcmpRepr::echo(tw::IcmpType::echo_request, 0x1c46, 1, 32)
      .emit(out, tw::ChecksumMode::offloaded);
  auto expected = kEchoRequest;
  tw::store_be16(expected, 2, 0);
  BOOST_TEST(to_hex(out) == to_hex(expected));
}

BOOST_AUTO_TEST_CASE(parse_inverts_emit_randomized) {
  std::mt19937 rng(792);
  std::uniform_int_distribution<std::size_t> payload_len(0, 600);
  for (int iter = 0; iter < 1000; ++iter) {
    tw::IcmpRepr repr;
    repr.type = tw::test::random_uint<std::uint8_t>(rng);
    repr.code = tw::test::random_uint<std::uint8_t>(rng);
    repr.rest_of_header = tw::test::random_uint<std::uint32_t>(rng);
    repr.payload_len = payload_len(rng);
    const auto mode =
        tw::test::coin(rng) ? tw::ChecksumMode::software : tw::ChecksumMode::offloaded;
    auto bytes = tw::test::random_bytes(rng, repr.header_len() + repr.payload_len);
    const auto payload = tw::test::to_hex(tw::ByteSpan(bytes).subspan(tw::kIcmpHeaderLen));
    repr.emit(bytes, mode);
    const auto packet = tw::IcmpPacket::new_checked(bytes);
    BOOST_TEST_REQUIRE(packet.ok());
    BOOST_TEST((to_hex(packet->payload()) == payload), "emit must not touch the payload");
    const auto parsed = tw::IcmpRepr::parse(*packet, mode);
    BOOST_TEST_REQUIRE(parsed.ok());
    BOOST_TEST(*parsed == repr);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(udp)

BOOST_AUTO_TEST_CASE(parses_a_real_datagram_and_reemits_it) {
  const auto packet = tw::UdpPacket::new_checked(kDnsQuery);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->src_port() == 53000);
  BOOST_TEST(packet->dst_port() == 53);
  BOOST_TEST(packet->length() == 37);
  BOOST_TEST(packet->checksum() == 0x3ac2);
  BOOST_TEST(packet->verify_checksum(kHostA, kHostB));
  const auto repr = tw::UdpRepr::parse(*packet, kHostA, kHostB, tw::ChecksumMode::software);
  BOOST_TEST_REQUIRE(repr.ok());
  BOOST_TEST(*repr == (tw::UdpRepr{53000, 53, 29}));

  auto out = blank_header(kDnsQuery, tw::UdpRepr::header_len());
  repr->emit(out, kHostA, kHostB, tw::ChecksumMode::software);
  BOOST_TEST(to_hex(out) == to_hex(kDnsQuery));
}

BOOST_AUTO_TEST_CASE(the_pseudo_header_is_covered) {
  const auto packet = tw::UdpPacket::new_checked(kDnsQuery);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(!packet->verify_checksum(kHostA, tw::Ipv4Address::from_octets(10, 0, 0, 3)));
  BOOST_TEST(error_of(tw::UdpRepr::parse(*packet, kHostA, tw::Ipv4Address::from_octets(10, 0, 0, 3),
                                         tw::ChecksumMode::software)) ==
             tw::ParseError::bad_checksum);
}

BOOST_AUTO_TEST_CASE(bytes_past_the_length_field_are_outside_the_view) {
  auto bytes = kDnsQuery;
  bytes.resize(bytes.size() + 9, std::byte{0x55});
  const auto packet = tw::UdpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->bytes().size() == 37u);
  BOOST_TEST(packet->payload().size() == 29u);
  BOOST_TEST(tw::UdpRepr::parse(*packet, kHostA, kHostB, tw::ChecksumMode::software).ok());
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  for (std::size_t n = 0; n < kDnsQuery.size(); ++n) {
    const auto packet = tw::UdpPacket::new_checked(tw::ByteSpan(kDnsQuery).first(n));
    BOOST_TEST(error_of(packet) == tw::ParseError::truncated, "length " << n);
  }
}

BOOST_AUTO_TEST_CASE(length_field_below_the_header_is_malformed) {
  for (std::uint16_t length : {0, 1, 7}) {
    auto bytes = kDnsQuery;
    tw::store_be16(bytes, 4, length);
    BOOST_TEST(error_of(tw::UdpPacket::new_checked(bytes)) == tw::ParseError::malformed,
               "length " << length);
  }
  auto header_only = kDnsQuery;
  tw::store_be16(header_only, 4, 8);
  const auto empty = tw::UdpPacket::new_checked(header_only);
  BOOST_TEST_REQUIRE(empty.ok());
  BOOST_TEST(empty->payload().empty());
}

BOOST_AUTO_TEST_CASE(zero_checksum_means_none_and_is_accepted) {
  auto bytes = kDnsQuery;
  tw::store_be16(bytes, 6, 0);
  bytes[20] ^= std::byte{0xff};  // even a damaged payload: the sender asked for no check
  const auto packet = tw::UdpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->verify_checksum(kHostA, kHostB));
  BOOST_TEST(tw::UdpRepr::parse(*packet, kHostA, kHostB, tw::ChecksumMode::software).ok());
}

BOOST_AUTO_TEST_CASE(bad_checksum_is_caught_only_in_software_mode) {
  auto bytes = kDnsQuery;
  bytes.back() ^= std::byte{0x01};
  const auto packet = tw::UdpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(error_of(tw::UdpRepr::parse(*packet, kHostA, kHostB, tw::ChecksumMode::software)) ==
             tw::ParseError::bad_checksum);
  BOOST_TEST(tw::UdpRepr::parse(*packet, kHostA, kHostB, tw::ChecksumMode::offloaded).ok());
}

BOOST_AUTO_TEST_CASE(computed_zero_is_sent_as_all_ones) {
  // With the first payload word zero the checksum is c = ~S. Putting c in that word
  // makes the sum S + ~S = ffff, whose checksum is 0 - which RFC 768 sends as ffff.
  const tw::UdpRepr repr{1234, 5678, 2};
  std::vector<std::byte> bytes(10);
  repr.emit(bytes, kHostA, kHostB, tw::ChecksumMode::software);
  const std::uint16_t c = tw::load_be16(bytes, 6);
  tw::store_be16(bytes, 8, c);
  repr.emit(bytes, kHostA, kHostB, tw::ChecksumMode::software);
  BOOST_TEST(tw::load_be16(bytes, 6) == 0xffff);
  const auto packet = tw::UdpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->verify_checksum(kHostA, kHostB));
}

BOOST_AUTO_TEST_CASE(offloaded_emit_leaves_the_checksum_zero) {
  auto out = blank_header(kDnsQuery, tw::UdpRepr::header_len());
  tw::UdpRepr{53000, 53, 29}.emit(out, kHostA, kHostB, tw::ChecksumMode::offloaded);
  auto expected = kDnsQuery;
  tw::store_be16(expected, 6, 0);
  BOOST_TEST(to_hex(out) == to_hex(expected));
}

BOOST_AUTO_TEST_CASE(parse_inverts_emit_randomized) {
  std::mt19937 rng(768);
  std::uniform_int_distribution<std::size_t> payload_len(0, 1472);
  for (int iter = 0; iter < 1000; ++iter) {
    tw::UdpRepr repr;
    repr.src_port = tw::test::random_uint<std::uint16_t>(rng);
    repr.dst_port = tw::test::random_uint<std::uint16_t>(rng);
    repr.payload_len = payload_len(rng);
    const tw::Ipv4Address src{tw::test::random_uint<std::uint32_t>(rng)};
    const tw::Ipv4Address dst{tw::test::random_uint<std::uint32_t>(rng)};
    const auto mode =
        tw::test::coin(rng) ? tw::ChecksumMode::software : tw::ChecksumMode::offloaded;
    auto bytes = tw::test::random_bytes(rng, repr.header_len() + repr.payload_len);
    repr.emit(bytes, src, dst, mode);
    const auto packet = tw::UdpPacket::new_checked(bytes);
    BOOST_TEST_REQUIRE(packet.ok());
    if (mode == tw::ChecksumMode::software) BOOST_TEST(packet->checksum() != 0);
    const auto parsed = tw::UdpRepr::parse(*packet, src, dst, mode);
    BOOST_TEST_REQUIRE(parsed.ok());
    BOOST_TEST(*parsed == repr);
  }
}

BOOST_AUTO_TEST_SUITE_END()
