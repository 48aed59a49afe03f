// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "host/wire/ipv4.hpp"
#include "host/wire/tcp.hpp"
#include "host/wire/tests/wire_test_util.hpp"

namespace tw = tandem::wire;
using tw::SeqNum;
using tw::test::error_of;
using tw::test::from_hex;
using tw::test::kHostA;
using tw::test::kHostB;
using tw::test::to_hex;

namespace {

// A connection as Linux 6.x makes it, kHostA:45678 -> kHostB:80, with the options
// Linux sends by default (MSS, SACK-permitted, timestamps, window scale 7).
struct Capture {
  const char* what;
  tw::Ipv4Address src;
  tw::Ipv4Address dst;
  std::vector<std::byte> bytes;
};

const Capture kSyn{"SYN", kHostA, kHostB,
                   from_hex("b2 6e 00 50 3a 4f 1c 2d 00 00 00 00 a0 02 fa f0 ed 82 00 00"
                            "02 04 05 b4 04 02 08 0a 00 0f 42 40 00 00 00 00 01 03 03 07")};

const Capture kSynAck{"SYN-ACK", kHostB, kHostA,
                      from_hex("00 50 b2 6e 9c 1d 5e 77 3a 4f 1c 2e a0 12 fe 88 60 59 00 00"
                               "02 04 05 b4 04 02 08 0a 7d 2b 11 c0 00 0f 42 40 01 03 03 07")};

// "GET / HTTP/1.1\r\n\r\n" with NOP NOP timestamps.
const Capture kRequest{"request", kHostA, kHostB,
                       from_hex("b2 6e 00 50 3a 4f 1c 2e 9c 1d 5e 78 80 18 01 f6 ac f3 00 00"
                                "01 01 08 0a 00 0f 42 4a 7d 2b 11 c0"
                                "47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a 0d 0a")};

// A duplicate ACK reporting one SACK block after a hole.
const Capture kSackAck{"SACK", kHostB, kHostA,
                       from_hex("00 50 b2 6e 9c 1d 5e 78 3a 4f 1c 40 b0 10 01 fd 9c cf 00 00"
                                "01 01 08 0a 7d 2b 11 d0 00 0f 42 4a"
                                "01 01 05 0a 3a 4f 20 00 3a 4f 24 00")};

const Capture* const kCaptures[] = {&kSyn, &kSynAck, &kRequest, &kSackAck};

void reseal(std::vector<std::byte>& segment, tw::Ipv4Address src, tw::Ipv4Address dst) {
  tw::store_be16(segment, 16, 0);
  tw::ChecksumAccumulator acc;
  tw::add_ipv4_pseudo_header(acc, src, dst, 6, static_cast<std::uint16_t>(segment.size()));
  acc.add(segment);
  tw::store_be16(segment, 16, acc.checksum());
}

// A bare ACK header (data offset 5) followed by `options`, resealed.
std::vector<std::byte> segment_with_options(std::string_view options_hex) {
  const auto options = from_hex(options_hex);
  auto segment = tw::test::concat(
      from_hex("b2 6e 00 50 00 00 00 01 00 00 00 01 50 10 ff ff 00 00 00 00"), options);
  tw::store_u8(segment, 12, static_cast<std::uint8_t>((segment.size() / 4) << 4));
  reseal(segment, kHostA, kHostB);
  return segment;
}

tw::ParseError options_error(std::string_view hex) {
  return error_of(tw::TcpOptions::parse(from_hex(hex)));
}

tw::TcpOptions parse_options(std::string_view hex) {
  const auto parsed = tw::TcpOptions::parse(from_hex(hex));
  BOOST_TEST_REQUIRE(parsed.ok(), "options " << hex);
  return *parsed;
}

// What emit would need, computed independently of emitted_len().
std::size_t linux_layout_len(const tw::TcpOptions& o) {
  std::size_t len = o.mss ? 4 : 0;
  len += o.timestamps ? 12 : (o.sack_permitted ? 4 : 0);
  len += o.window_scale ? 4 : 0;
  len += o.sack_count > 0 ? 4 + 8 * std::size_t{o.sack_count} : 0;
  return len;
}

tw::TcpOptions random_options(std::mt19937& rng) {
  tw::TcpOptions o;
  if (tw::test::coin(rng)) o.mss = tw::test::random_uint<std::uint16_t>(rng);
  if (tw::test::coin(rng)) o.window_scale = tw::test::random_uint<std::uint8_t>(rng);
  o.sack_permitted = tw::test::coin(rng);
  if (tw::test::coin(rng)) {
    o.timestamps = tw::TcpTimestamps{tw::test::random_uint<std::uint32_t>(rng),
                                     tw::test::random_uint<std::uint32_t>(rng)};
  }
  o.sack_count = static_cast<std::uint8_t>(
      std::uniform_int_distribution<int>(0, tw::TcpOptions::kMaxSackBlocks)(rng));
  for (auto& block : o.sack_blocks) {
    block = {SeqNum(tw::test::random_uint<std::uint32_t>(rng)),
             SeqNum(tw::test::random_uint<std::uint32_t>(rng))};
  }
  // Drop SACK blocks until the set fits the 40 option bytes, as a sender must.
  while (linux_layout_len(o) > tw::kTcpMaxOptionsLen)
    --o.sack_count;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_options)

BOOST_AUTO_TEST_CASE(linux_syn_options) {
  const tw::TcpOptions o =
      parse_options("02 04 05 b4 04 02 08 0a 00 0f 42 40 00 00 00 00 01 03 03 07");
  BOOST_TEST((o.mss == std::optional<std::uint16_t>(1460)));
  BOOST_TEST(o.sack_permitted);
  BOOST_TEST_REQUIRE(o.timestamps.has_value());
  BOOST_TEST(o.timestamps->value == 1000000u);
  BOOST_TEST(o.timestamps->echo == 0u);
  BOOST_TEST((o.window_scale == std::optional<std::uint8_t>(7)));
  BOOST_TEST(o.sack_count == 0);
}

// A peer may pack MSS, timestamps and three SACK blocks into exactly 40 bytes
// without padding; Linux's padded layout has no room for all three blocks, so
// emit keeps the first (most recent, RFC 2018 §4) blocks that fit.
BOOST_AUTO_TEST_CASE(sack_blocks_that_do_not_fit_are_left_out_on_emit) {
  const tw::TcpOptions o = parse_options(
      "02 04 05 b4 08 0a 00 00 00 01 00 00 00 02 05 1a"
      " 00 00 00 10 00 00 00 20 00 00 00 30 00 00 00 40 00 00 00 50 00 00 00 60");
  BOOST_TEST_REQUIRE(o.sack_count == 3);
  const std::size_t len = o.emitted_len();
  BOOST_TEST(len == 4u + 12u + 4u + 16u);
  std::vector<std::byte> out(len);
  o.emit(out);
  const auto back = tw::TcpOptions::parse(out);
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->sack_count == 2);
  BOOST_TEST((back->sack_blocks[0] == o.sack_blocks[0]));
  BOOST_TEST((back->sack_blocks[1] == o.sack_blocks[1]));
  BOOST_TEST((back->timestamps == o.timestamps));
  BOOST_TEST((back->mss == o.mss));
}

// Every layout Linux's tcp_options_write() produces must come back byte for byte.
BOOST_AUTO_TEST_CASE(linux_layouts_reemit_byte_exactly) {
  for (std::string_view hex : {
           "",
           "02 04 05 b4",
           "02 04 05 b4 04 02 08 0a 00 0f 42 40 00 00 00 00 01 03 03 07",
           "02 04 05 b4 01 01 08 0a 00 0f 42 40 00 00 00 00 01 03 03 07",
           "02 04 05 b4 01 01 04 02 01 03 03 07",
           "02 04 05 b4 01 01 04 02",
           "02 04 05 b4 01 03 03 0e",
           "01 01 04 02",
           "01 03 03 00",
           "01 01 08 0a 00 0f 42 4a 7d 2b 11 c0",
           "01 01 08 0a 7d 2b 11 d0 00 0f 42 4a 01 01 05 0a 3a 4f 20 00 3a 4f 24 00",
           "01 01 08 0a 7d 2b 11 d0 00 0f 42 4a 01 01 05 1a"
           "  00 00 00 10 00 00 00 20 00 00 00 30 00 00 00 40 ff ff ff f0 00 00 00 10",
           "01 01 05 0a 3a 4f 20 00 3a 4f 24 00",
           "01 01 05 22 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04"
           "  00 00 00 05 00 00 00 06 00 00 00 07 00 00 00 08",
       }) {
    const tw::TcpOptions o = parse_options(hex);
    const auto expected = from_hex(hex);
    BOOST_TEST(o.emitted_len() == expected.size(), hex);
    std::vector<std::byte> out(o.emitted_len());
    o.emit(out);
    BOOST_TEST(to_hex(out) == to_hex(expected));
  }
}

BOOST_AUTO_TEST_CASE(other_layouts_parse_to_the_same_values) {
  // The order macOS uses, with EOL padding at the end.
  const tw::TcpOptions mac_style =
      parse_options("02 04 05 b4 01 03 03 06 01 01 08 0a 00 00 00 01 00 00 00 00 04 02 00 00");
  tw::TcpOptions expected;
  expected.mss = 1460;
  expected.window_scale = 6;
  expected.timestamps = tw::TcpTimestamps{1, 0};
  expected.sack_permitted = true;
  BOOST_TEST(mac_style == expected);
  // Options packed with no padding at all.
  BOOST_TEST(parse_options("04 02 03 03 06 02 04 05 b4 08 0a 00 00 00 01 00 00 00 00") == expected);
}

BOOST_AUTO_TEST_CASE(end_of_list_stops_the_walk) {
  // After EOL the bytes are padding; here they would be a malformed MSS.
  tw::TcpOptions expected;
  expected.mss = 1460;
  BOOST_TEST(parse_options("02 04 05 b4 00 02 03 ff") == expected);
  BOOST_TEST(parse_options("00 02 03 ff") == tw::TcpOptions{});
}

BOOST_AUTO_TEST_CASE(unknown_kinds_are_skipped_by_their_length) {
  tw::TcpOptions expected;
  expected.mss = 1460;
  BOOST_TEST(parse_options("fe 04 aa bb 02 04 05 b4") == expected);
  BOOST_TEST(parse_options("02 04 05 b4 fe 02") == expected);
  // A TCP Fast Open cookie (kind 34) and an MD5 signature (kind 19) are skipped.
  BOOST_TEST(parse_options("22 0a 01 02 03 04 05 06 07 08 02 04 05 b4") == expected);
  BOOST_TEST(
      parse_options("13 12 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 04 05 b4 00 00") ==
      expected);
}

BOOST_AUTO_TEST_CASE(sack_blocks) {
  const tw::TcpOptions one = parse_options("01 01 05 0a 3a 4f 20 00 3a 4f 24 00");
  BOOST_TEST_REQUIRE(one.sack_count == 1);
  BOOST_TEST(one.sack_blocks[0].left == SeqNum(0x3a4f2000));
  BOOST_TEST(one.sack_blocks[0].right == SeqNum(0x3a4f2400));
  const tw::TcpOptions four = parse_options(
      "05 22 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04"
      "00 00 00 05 00 00 00 06 00 00 00 07 00 00 00 08");
  BOOST_TEST_REQUIRE(four.sack_count == 4);
  BOOST_TEST(four.sack_blocks[3].left == SeqNum(7));
  BOOST_TEST(four.sack_blocks[3].right == SeqNum(8));
}

BOOST_AUTO_TEST_CASE(malformed_option_lists) {
  struct Case {
    std::string_view hex;
    const char* what;
  };
  for (const Case c : {
           Case{"02 03 05 00", "MSS with length 3"},
           Case{"02 05 05 b4 00", "MSS with length 5"},
           Case{"03 02 01 01", "window scale with length 2"},
           Case{"03 04 07 00", "window scale with length 4"},
           Case{"04 03 00 01", "SACK-permitted with length 3"},
           Case{"08 08 00 00 00 00 00 00", "timestamps with length 8"},
           Case{"08 0b 00 00 00 00 00 00 00 00 00 00", "timestamps with length 11"},
           Case{"05 02 01 01", "SACK with no blocks"},
           Case{"05 0b 00 00 00 01 00 00 00 02 00 00", "SACK with length 11"},
           Case{"05 0e 00 00 00 01 00 00 00 02 00 00 00 03", "SACK with length 14"},
           Case{"fe 00 01 01", "option length 0"},
           Case{"fe 01 01 01", "option length 1"},
           Case{"02 00 05 b4", "MSS with length 0"},
           Case{"08 0a 00 00 00 01", "timestamps running past the header"},
           Case{"01 01 fe 08 00 00", "unknown option running past the header"},
           Case{"01 01 01 03", "window-scale kind as the last byte"},
           Case{"01 01 01 fe", "unknown kind as the last byte"},
           Case{"02", "a lone MSS kind"},
       }) {
    BOOST_TEST(options_error(c.hex) == tw::ParseError::malformed, c.what);
  }
  // Five SACK blocks do not fit a TCP header, but the parser must say so itself.
  std::vector<std::byte> five(2 + 5 * 8);
  five[0] = std::byte{0x05};
  five[1] = std::byte{0x2a};
  BOOST_TEST(error_of(tw::TcpOptions::parse(five)) == tw::ParseError::malformed);
}

BOOST_AUTO_TEST_CASE(equality_ignores_unused_sack_slots) {
  tw::TcpOptions a;
  tw::TcpOptions b;
  a.sack_count = b.sack_count = 1;
  a.sack_blocks[0] = b.sack_blocks[0] = {SeqNum(10), SeqNum(20)};
  a.sack_blocks[2] = {SeqNum(99), SeqNum(100)};
  BOOST_TEST(a == b);
  b.sack_blocks[0].right = SeqNum(21);
  BOOST_TEST(!(a == b));
  b.sack_blocks[0].right = SeqNum(20);
  b.sack_count = 2;
  BOOST_TEST(!(a == b));
}

BOOST_AUTO_TEST_CASE(parse_inverts_emit_randomized) {
  std::mt19937 rng(7323);
  for (int iter = 0; iter < 3000; ++iter) {
    const tw::TcpOptions o = random_options(rng);
    const std::size_t len = o.emitted_len();
    BOOST_TEST_REQUIRE(len == linux_layout_len(o));
    BOOST_TEST_REQUIRE(len % 4 == 0u);
    BOOST_TEST_REQUIRE(len <= tw::kTcpMaxOptionsLen);
    std::vector<std::byte> out(len);
    o.emit(out);
    const auto parsed = tw::TcpOptions::parse(out);
    BOOST_TEST_REQUIRE(parsed.ok(), to_hex(out));
    BOOST_TEST(*parsed == o);
  }
}

// The parser faces the network: mutated option lists must be refused or parsed,
// never read out of bounds (the sanitizer build checks the "never").
BOOST_AUTO_TEST_CASE(mutated_lists_never_overrun) {
  std::mt19937 rng(2018);
  std::uniform_int_distribution<std::size_t> cut(0, tw::kTcpMaxOptionsLen);
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const tw::TcpOptions o = random_options(rng);
    std::vector<std::byte> bytes(o.emitted_len());
    o.emit(bytes);
    const int flips = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int f = 0; f < flips && !bytes.empty(); ++f) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng);
      bytes[at] = static_cast<std::byte>(tw::test::random_uint<std::uint8_t>(rng));
    }
    bytes.resize(std::min(bytes.size(), cut(rng)));
    const auto parsed = tw::TcpOptions::parse(bytes);
    if (parsed.ok()) {
      ++accepted;
      BOOST_TEST_REQUIRE(parsed->sack_count <= tw::TcpOptions::kMaxSackBlocks);
    } else {
      BOOST_TEST_REQUIRE(parsed.error() == tw::ParseError::malformed);
    }
  }
  BOOST_TEST(accepted > 0);
  BOOST_TEST(accepted < 20000);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tcp)

BOOST_AUTO_TEST_CASE(linux_syn_fields) {
  const auto packet = tw::TcpPacket::new_checked(kSyn.bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->header_len() == 40u);
  BOOST_TEST(packet->options().size() == 20u);
  BOOST_TEST(packet->payload().empty());
  BOOST_TEST(packet->verify_checksum(kSyn.src, kSyn.dst));

  const auto repr = tw::TcpRepr::parse(*packet, kSyn.src, kSyn.dst, tw::ChecksumMode::software);
  BOOST_TEST_REQUIRE(repr.ok());
  BOOST_TEST(repr->src_port == 45678);
  BOOST_TEST(repr->dst_port == 80);
  BOOST_TEST(repr->seq == SeqNum(0x3a4f1c2d));
  BOOST_TEST(repr->ack == SeqNum(0));
  BOOST_TEST(repr->flags == tw::tcp_flag::syn);
  BOOST_TEST(repr->has(tw::tcp_flag::syn));
  BOOST_TEST(!repr->has(tw::tcp_flag::ack));
  BOOST_TEST(repr->window == 64240);
  BOOST_TEST(repr->urgent_pointer == 0);
  BOOST_TEST((repr->options.mss == std::optional<std::uint16_t>(1460)));
  BOOST_TEST(repr->payload_len == 0u);
  BOOST_TEST(repr->segment_len() == 1u);
  BOOST_TEST(repr->header_len() == 40u);
}

BOOST_AUTO_TEST_CASE(linux_request_fields) {
  const auto packet = tw::TcpPacket::new_checked(kRequest.bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  const auto repr =
      tw::TcpRepr::parse(*packet, kRequest.src, kRequest.dst, tw::ChecksumMode::software);
  BOOST_TEST_REQUIRE(repr.ok());
  BOOST_TEST(repr->flags == (tw::tcp_flag::psh | tw::tcp_flag::ack));
  BOOST_TEST(repr->payload_len == 18u);
  BOOST_TEST(repr->segment_len() == 18u);
  BOOST_TEST(to_hex(packet->payload()).substr(0, 11) == "47 45 54 20");
  BOOST_TEST(!repr->options.mss.has_value());
  BOOST_TEST((repr->options.timestamps == tw::TcpTimestamps{1000010, 0x7d2b11c0}));
}

BOOST_AUTO_TEST_CASE(linux_segments_reemit_byte_exactly) {
  for (const Capture* c : kCaptures) {
    const auto packet = tw::TcpPacket::new_checked(c->bytes);
    BOOST_TEST_REQUIRE(packet.ok(), c->what);
    const auto repr = tw::TcpRepr::parse(*packet, c->src, c->dst, tw::ChecksumMode::software);
    BOOST_TEST_REQUIRE(repr.ok(), c->what);
    BOOST_TEST(repr->header_len() == packet->header_len(), c->what);

    auto out = c->bytes;
    std::fill_n(out.begin(), repr->header_len(), std::byte{0xaa});
    repr->emit(out, c->src, c->dst, tw::ChecksumMode::software);
    BOOST_TEST(to_hex(out) == to_hex(c->bytes), c->what);
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  for (const Capture* c : kCaptures) {
    const std::size_t header_len = static_cast<std::size_t>(c->bytes[12] >> 4) * 4;
    for (std::size_t n = 0; n < c->bytes.size(); ++n) {
      const tw::ByteSpan prefix = tw::ByteSpan(c->bytes).first(n);
      const auto packet = tw::TcpPacket::new_checked(prefix);
      if (n < header_len) {
        BOOST_TEST(error_of(packet) == tw::ParseError::truncated, c->what << " length " << n);
        continue;
      }
      // TCP has no length field: a shortened payload is caught by the checksum,
      // whose pseudo header carries the length.
      BOOST_TEST_REQUIRE(packet.ok());
      BOOST_TEST(
          error_of(tw::TcpRepr::parse(*packet, c->src, c->dst, tw::ChecksumMode::software)) ==
              tw::ParseError::bad_checksum,
          c->what << " length " << n);
    }
  }
}

BOOST_AUTO_TEST_CASE(data_offset_below_five_is_malformed) {
  for (std::uint8_t offset : {0, 1, 4}) {
    auto bytes = kSyn.bytes;
    tw::store_u8(bytes, 12, static_cast<std::uint8_t>(offset << 4));
    BOOST_TEST(error_of(tw::TcpPacket::new_checked(bytes)) == tw::ParseError::malformed,
               "offset " << unsigned{offset});
  }
}

BOOST_AUTO_TEST_CASE(data_offset_past_the_end_is_truncated) {
  for (std::uint8_t offset : {11, 15}) {
    auto bytes = kSyn.bytes;  // 40 bytes
    tw::store_u8(bytes, 12, static_cast<std::uint8_t>(offset << 4));
    BOOST_TEST(error_of(tw::TcpPacket::new_checked(bytes)) == tw::ParseError::truncated,
               "offset " << unsigned{offset});
  }
}

BOOST_AUTO_TEST_CASE(reserved_bits_do_not_change_the_header_length) {
  auto bytes = kSyn.bytes;
  tw::store_u8(bytes, 12, 0xa7);
  const auto packet = tw::TcpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(packet->header_len() == 40u);
}

BOOST_AUTO_TEST_CASE(malformed_options_make_the_segment_malformed) {
  for (std::string_view options : {"02 03 05 00", "01 01 fe 10 00 00 00 00",
                                   "05 0b 00 00 00 01 00 00 00 02 00 00", "01 01 01 03"}) {
    const auto segment = segment_with_options(options);
    const auto packet = tw::TcpPacket::new_checked(segment);
    BOOST_TEST_REQUIRE(packet.ok());
    BOOST_TEST_REQUIRE(packet->verify_checksum(kHostA, kHostB));
    for (auto mode : {tw::ChecksumMode::software, tw::ChecksumMode::offloaded}) {
      BOOST_TEST(
          error_of(tw::TcpRepr::parse(*packet, kHostA, kHostB, mode)) == tw::ParseError::malformed,
          options);
    }
  }
  // The same header with a well-formed list parses.
  const auto good = segment_with_options("fe 04 aa bb 02 04 05 b4");
  const auto packet = tw::TcpPacket::new_checked(good);
  BOOST_TEST_REQUIRE(packet.ok());
  const auto repr = tw::TcpRepr::parse(*packet, kHostA, kHostB, tw::ChecksumMode::software);
  BOOST_TEST_REQUIRE(repr.ok());
  BOOST_TEST((repr->options.mss == std::optional<std::uint16_t>(1460)));
}

BOOST_AUTO_TEST_CASE(bad_checksum_is_caught_only_in_software_mode) {
  auto bytes = kRequest.bytes;
  bytes[40] ^= std::byte{0x20};  // one payload bit
  const auto packet = tw::TcpPacket::new_checked(bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  BOOST_TEST(!packet->verify_checksum(kRequest.src, kRequest.dst));
  BOOST_TEST(error_of(tw::TcpRepr::parse(*packet, kRequest.src, kRequest.dst,
                                         tw::ChecksumMode::software)) ==
             tw::ParseError::bad_checksum);
  BOOST_TEST(
      tw::TcpRepr::parse(*packet, kRequest.src, kRequest.dst, tw::ChecksumMode::offloaded).ok());
  // The pseudo header is covered: the right bytes between the wrong hosts fail.
  const auto intact = tw::TcpPacket::new_checked(kRequest.bytes);
  BOOST_TEST_REQUIRE(intact.ok());
  BOOST_TEST(!intact->verify_checksum(kRequest.src, tw::Ipv4Address::from_octets(10, 0, 0, 3)));
}

BOOST_AUTO_TEST_CASE(offloaded_emit_leaves_the_checksum_zero) {
  const auto packet = tw::TcpPacket::new_checked(kRequest.bytes);
  BOOST_TEST_REQUIRE(packet.ok());
  const auto repr =
      tw::TcpRepr::parse(*packet, kRequest.src, kRequest.dst, tw::ChecksumMode::offloaded);
  BOOST_TEST_REQUIRE(repr.ok());
  auto out = kRequest.bytes;
  std::fill_n(out.begin(), repr->header_len(), std::byte{0xaa});
  repr->emit(out, kRequest.src, kRequest.dst, tw::ChecksumMode::offloaded);
  auto expected = kRequest.bytes;
  tw::store_be16(expected, 16, 0);
  BOOST_TEST(to_hex(out) == to_hex(expected));
}

BOOST_AUTO_TEST_CASE(segment_len_counts_syn_and_fin) {
  tw::TcpRepr repr;
  repr.payload_len = 100;
  BOOST_TEST(repr.segment_len() == 100u);
  repr.flags = tw::tcp_flag::syn | tw::tcp_flag::fin;
  BOOST_TEST(repr.segment_len() == 102u);
  repr.flags = tw::tcp_flag::fin | tw::tcp_flag::ack;
  BOOST_TEST(repr.segment_len() == 101u);
  BOOST_TEST(repr.header_len() == 20u);
}

BOOST_AUTO_TEST_CASE(parse_inverts_emit_randomized) {
  std::mt19937 rng(9293);
  std::uniform_int_distribution<std::size_t> payload_len(0, 1460);
  for (int iter = 0; iter < 2000; ++iter) {
    tw::TcpRepr repr;
    repr.src_port = tw::test::random_uint<std::uint16_t>(rng);
    repr.dst_port = tw::test::random_uint<std::uint16_t>(rng);
    repr.seq = SeqNum(tw::test::random_uint<std::uint32_t>(rng));
    repr.ack = SeqNum(tw::test::random_uint<std::uint32_t>(rng));
    repr.flags = tw::test::random_uint<std::uint8_t>(rng);
    repr.window = tw::test::random_uint<std::uint16_t>(rng);
    repr.urgent_pointer = tw::test::random_uint<std::uint16_t>(rng);
    repr.options = random_options(rng);
    repr.payload_len = payload_len(rng);
    const tw::Ipv4Address src{tw::test::random_uint<std::uint32_t>(rng)};
    const tw::Ipv4Address dst{tw::test::random_uint<std::uint32_t>(rng)};
    const auto mode =
        tw::test::coin(rng) ? tw::ChecksumMode::software : tw::ChecksumMode::offloaded;

    auto bytes = tw::test::random_bytes(rng, repr.header_len() + repr.payload_len);
    repr.emit(bytes, src, dst, mode);
    const auto packet = tw::TcpPacket::new_checked(bytes);
    BOOST_TEST_REQUIRE(packet.ok());
    BOOST_TEST(packet->header_len() == repr.header_len());
    if (mode == tw::ChecksumMode::offloaded) BOOST_TEST(packet->checksum() == 0);
    const auto parsed = tw::TcpRepr::parse(*packet, src, dst, mode);
    BOOST_TEST_REQUIRE(parsed.ok());
    BOOST_TEST(*parsed == repr);
  }
}

BOOST_AUTO_TEST_SUITE_END()
