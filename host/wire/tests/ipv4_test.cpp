// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "host/wire/ipv4.hpp"
#include "host/wire/tests/wire_test_util.hpp"

namespace tw = tandem::wire;
using tw::test::error_of;
using tw::test::from_hex;
using tw::test::to_hex;

namespace {

// A UDP datagram's IPv4 header as captured (the usual worked example of the header
// checksum): 192.168.0.1 -> 192.168.0.199, DF, TTL 64, total length 115.
const std::vector<std::byte> kHeader = from_hex(
    "45 00 00 73 00 00 40 00 40 11 b8 61"
    "c0 a8 00 01 c0 a8 00 c7");
constexpr std::size_t kPayloadLen = 0x73 - 20;

std::vector<std::byte> packet_with_payload() {
  std::vector<std::byte> packet = kHeader;
  for (std::size_t i = 0; i < kPayloadLen; ++i)
    packet.push_back(static_cast<std::byte>(i));
  return packet;
}

// Rewrites the header checksum after a test changed a field on purpose.
void reseal(std::vector<std::byte>& packet) {
  const std::size_t header_len = (static_cast<std::size_t>(packet[0]) & 0x0f) * 4;
  tw::store_be16(packet, 10, 0);
  tw::store_be16(packet, 10, tw::internet_checksum(tw::ByteSpan(packet).first(header_len)));
}

tw::Ipv4Repr expected_repr() {
  tw::Ipv4Repr r;
  r.src = tw::Ipv4Address::from_octets(192, 168, 0, 1);
  r.dst = tw::Ipv4Address::from_octets(192, 168, 0, 199);
  r.protocol = static_cast<std::uint8_t>(tw::IpProtocol::udp);
  r.payload_len = kPayloadLen;
  r.ttl = 64;
  r.ident = 0;
  r.dont_fragment = true;
  r.dscp_ecn = 0;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ipv4)

BOOST_AUTO_TEST_CASE(parses_a_real_header_and_reemits_it) {
  const auto bytes = packet_with_payload();
  const auto packet = tw::Ipv4Packet::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->version() == 4);
  BOOST_TEST(packet->header_len() == 20u);
  BOOST_TEST(packet->total_len() == 0x73);
  BOOST_TEST(packet->checksum() == 0xb861);
  BOOST_TEST(packet->verify_checksum());
  BOOST_TEST(!packet->is_fragment());
  BOOST_TEST(packet->options().empty());
  BOOST_TEST(packet->payload().size() == kPayloadLen);
  BOOST_TEST(static_cast<unsigned>(packet->payload()[0]) == 0u);

  const auto repr = tw::Ipv4Repr::parse(*packet, tw::ChecksumMode::software);
  BOOST_TEST_REQUIRE(repr.ok());
  BOOST_TEST(*repr == expected_repr());
  BOOST_TEST(repr->total_len() == 0x73u);

  std::vector<std::byte> out(tw::Ipv4Repr::header_len());
  repr->emit(out, tw::ChecksumMode::software);
  BOOST_TEST(to_hex(out) == to_hex(kHeader));
}

BOOST_AUTO_TEST_CASE(link_padding_is_outside_the_view) {
  auto bytes = packet_with_payload();
  bytes.resize(bytes.size() + 17, std::byte{0xee});
  const auto packet = tw::Ipv4Packet::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->bytes().size() == 0x73u);
  BOOST_TEST(packet->payload().size() == kPayloadLen);
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  const auto bytes = packet_with_payload();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto packet = tw::Ipv4Packet::new_checked(tw::ByteSpan(bytes).first(n));
    BOOST_TEST(error_of(packet) == tw::ParseError::truncated, "length " << n);
  }
}

BOOST_AUTO_TEST_CASE(fewer_bytes_than_the_header_length_is_truncated) {
  // IHL 6 with only the fixed 20 bytes present.
  auto bytes = kHeader;
  bytes[0] = std::byte{0x46};
  tw::store_be16(bytes, 2, 24);
  BOOST_TEST(error_of(tw::Ipv4Packet::new_checked(bytes)) == tw::ParseError::truncated);
}

BOOST_AUTO_TEST_CASE(malformed_headers) {
  struct Case {
    std::uint8_t version_ihl;
    std::uint16_t total_len;
    const char* what;
  };
  for (const Case c : {
           Case{0x44, 0x73, "IHL 4"},
           Case{0x40, 0x73, "IHL 0"},
           Case{0x65, 0x73, "version 6"},
           Case{0x05, 0x73, "version 0"},
           Case{0x45, 19, "total length below 20"},
           Case{0x45, 0, "total length 0"},
           Case{0x46, 20, "total length below IHL 6"},
           Case{0x4f, 59, "total length below IHL 15"},
       }) {
    auto bytes = packet_with_payload();
    bytes[0] = std::byte{c.version_ihl};
    tw::store_be16(bytes, 2, c.total_len);
    reseal(bytes);
    BOOST_TEST(error_of(tw::Ipv4Packet::new_checked(bytes)) == tw::ParseError::malformed, c.what);
  }
}

BOOST_AUTO_TEST_CASE(options_are_skipped_by_the_header_length) {
  // IHL 6: a Router Alert option (RFC 2113), then 8 bytes of payload.
  auto bytes = from_hex(
      "46 00 00 20 12 34 00 00 01 02 00 00 0a 00 00 01 e0 00 00 16"
      "94 04 00 00"
      "11 22 33 44 55 66 77 88");
  reseal(bytes);
  const auto packet = tw::Ipv4Packet::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->header_len() == 24u);
  BOOST_TEST(to_hex(packet->options()) == "94 04 00 00");
  BOOST_TEST(to_hex(packet->payload()) == "11 22 33 44 55 66 77 88");
  const auto repr = tw::Ipv4Repr::parse(*packet, tw::ChecksumMode::software);
  BOOST_TEST_REQUIRE(repr.ok());
  BOOST_TEST(repr->payload_len == 8);
  BOOST_TEST(repr->protocol == 2);
  BOOST_TEST(repr->ttl == 1);
  BOOST_TEST(repr->ident == 0x1234);
  BOOST_TEST(!repr->dont_fragment);
  BOOST_TEST(repr->dst == tw::Ipv4Address::from_octets(224, 0, 0, 22));
}

BOOST_AUTO_TEST_CASE(fragments_are_unsupported) {
  struct Case {
    std::uint16_t flags_offset;
    const char* what;
  };
  for (const Case c : {Case{0x2000, "first fragment (MF)"}, Case{0x00b9, "last fragment"},
                       Case{0x20b9, "middle fragment"}, Case{0x4001, "DF with an offset"}}) {
    auto bytes = packet_with_payload();
    tw::store_be16(bytes, 6, c.flags_offset);
    reseal(bytes);
    const auto packet = tw::Ipv4Packet::new_checked(bytes);
    BOOST_TEST_REQUIRE(packet.ok());
    BOOST_TEST(packet->is_fragment());
    for (auto mode : {tw::ChecksumMode::software, tw::ChecksumMode::offloaded}) {
      BOOST_TEST(error_of(tw::Ipv4Repr::parse(*packet, mode)) == tw::ParseError::unsupported,
                 c.what);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_checksum_is_caught_only_in_software_mode) {
  auto bytes = packet_with_payload();
  bytes[8] = std::byte{0x3f};  // TTL decremented without patching the checksum
  const auto packet = tw::Ipv4Packet::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(!packet->verify_checksum());
  BOOST_TEST(error_of(tw::Ipv4Repr::parse(*packet, tw::ChecksumMode::software)) ==
             tw::ParseError::bad_checksum);
  const auto trusted = tw::Ipv4Repr::parse(*packet, tw::ChecksumMode::offloaded);
  BOOST_TEST_REQUIRE(trusted.ok());
  BOOST_TEST(trusted->ttl == 0x3f);
}

BOOST_AUTO_TEST_CASE(payload_bytes_are_not_covered_by_the_header_checksum) {
  auto bytes = packet_with_payload();
  bytes.back() ^= std::byte{0xff};
  const auto packet = tw::Ipv4Packet::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(tw::Ipv4Repr::parse(*packet, tw::ChecksumMode::software).ok());
}

BOOST_AUTO_TEST_CASE(offloaded_emit_leaves_the_checksum_zero) {
  std::vector<std::byte> software(20);
  std::vector<std::byte> offloaded(20, std::byte{0xaa});
  expected_repr().emit(software, tw::ChecksumMode::software);
  expected_repr().emit(offloaded, tw::ChecksumMode::offloaded);
  BOOST_TEST(tw::load_be16(offloaded, 10) == 0);
  tw::store_be16(software, 10, 0);
  BOOST_TEST(to_hex(offloaded) == to_hex(software));
}

BOOST_AUTO_TEST_CASE(emit_without_df_clears_the_flags) {
  tw::Ipv4Repr repr = expected_repr();
  repr.dont_fragment = false;
  std::vector<std::byte> out(20);
  repr.emit(out, tw::ChecksumMode::software);
  BOOST_TEST(tw::load_be16(out, 6) == 0);
  BOOST_TEST(tw::internet_checksum(out) == 0);
}

BOOST_AUTO_TEST_CASE(parse_inverts_emit_randomized) {
  std::mt19937 rng(791);
  std::uniform_int_distribution<int> payload_len(0, 1500);
  for (int iter = 0; iter < 1000; ++iter) {
    tw::Ipv4Repr repr;
    repr.src.value = tw::test::random_uint<std::uint32_t>(rng);
    repr.dst.value = tw::test::random_uint<std::uint32_t>(rng);
    repr.protocol = tw::test::random_uint<std::uint8_t>(rng);
    repr.payload_len = static_cast<std::uint16_t>(payload_len(rng));
    repr.ttl = tw::test::random_uint<std::uint8_t>(rng);
    repr.ident = tw::test::random_uint<std::uint16_t>(rng);
    repr.dont_fragment = tw::test::coin(rng);
    repr.dscp_ecn = tw::test::random_uint<std::uint8_t>(rng);
    const auto mode =
        tw::test::coin(rng) ? tw::ChecksumMode::software : tw::ChecksumMode::offloaded;

    auto bytes = tw::test::random_bytes(rng, repr.total_len());
    repr.emit(bytes, mode);
    const auto packet = tw::Ipv4Packet::new_checked(bytes);
    BOOST_TEST_REQUIRE(packet.ok());
    BOOST_TEST(packet->payload().size() == repr.payload_len);
    const auto parsed = tw::Ipv4Repr::parse(*packet, mode);
    BOOST_TEST_REQUIRE(parsed.ok());
    BOOST_TEST(*parsed == repr);
  }
}

BOOST_AUTO_TEST_CASE(pseudo_header_sums_like_its_bytes) {
  // RFC 768 / RFC 9293 §3.1: src, dst, zero, protocol, length.
  tw::ChecksumAccumulator acc;
  tw::add_ipv4_pseudo_header(acc, tw::Ipv4Address::from_octets(192, 168, 0, 1),
                             tw::Ipv4Address::from_octets(192, 168, 0, 199), 17, 0x5f);
  tw::ChecksumAccumulator reference;
  reference.add(from_hex("c0 a8 00 01 c0 a8 00 c7 00 11 00 5f"));
  BOOST_TEST(acc.sum() == reference.sum());
  BOOST_TEST(acc.sum() == 0x8289);
}

BOOST_AUTO_TEST_SUITE_END()
