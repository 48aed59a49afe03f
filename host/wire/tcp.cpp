// SPDX-License-Identifier: Apache-2.0
#include "host/wire/tcp.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "host/wire/ipv4.hpp"

namespace tandem::wire {

namespace {

constexpr std::size_t kChecksumAt = 16;
constexpr std::uint8_t kProtocolTcp = static_cast<std::uint8_t>(IpProtocol::tcp);

// Option lengths, kind and length bytes included (RFC 9293 §3.2, RFC 7323 §2.2
// and §3.2, RFC 2018 §2 and §3).
constexpr std::uint8_t kMssLen = 4;
constexpr std::uint8_t kWindowScaleLen = 3;
constexpr std::uint8_t kSackPermittedLen = 2;
constexpr std::uint8_t kTimestampsLen = 10;
constexpr std::uint8_t kSackBaseLen = 2;
constexpr std::uint8_t kSackBlockLen = 8;

constexpr std::uint8_t kEnd = static_cast<std::uint8_t>(TcpOptionKind::end);
constexpr std::uint8_t kNop = static_cast<std::uint8_t>(TcpOptionKind::nop);
constexpr std::uint8_t kMss = static_cast<std::uint8_t>(TcpOptionKind::mss);
constexpr std::uint8_t kWindowScale = static_cast<std::uint8_t>(TcpOptionKind::window_scale);
constexpr std::uint8_t kSackPermitted = static_cast<std::uint8_t>(TcpOptionKind::sack_permitted);
constexpr std::uint8_t kSack = static_cast<std::uint8_t>(TcpOptionKind::sack);
constexpr std::uint8_t kTimestamps = static_cast<std::uint8_t>(TcpOptionKind::timestamps);

// Appends option bytes in 32-bit words, the unit tcp_options_write works in.
class OptionWriter {
 public:
  explicit OptionWriter(MutableByteSpan out) : out_(out) {}

  void bytes(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    store_u8(out_, at_, a);
    store_u8(out_, at_ + 1, b);
    store_u8(out_, at_ + 2, c);
    store_u8(out_, at_ + 3, d);
    at_ += 4;
  }
  void word(std::uint32_t v) {
    store_be32(out_, at_, v);
    at_ += 4;
  }
  std::size_t written() const { return at_; }

 private:
  MutableByteSpan out_;
  std::size_t at_ = 0;
};

}  // namespace

Parsed<TcpOptions> TcpOptions::parse(ByteSpan options) {
  TcpOptions opts;
  std::size_t at = 0;
  while (at < options.size()) {
    const std::uint8_t k = load_u8(options, at);
    if (k == kEnd) break;
    if (k == kNop) {
      ++at;
      continue;
    }
    // Every other kind carries a length byte that counts the kind and itself.
    if (at + 1 >= options.size()) return ParseError::malformed;
    const std::uint8_t len = load_u8(options, at + 1);
    if (len < 2 || len > options.size() - at) return ParseError::malformed;
    const std::size_t data = at + 2;
    switch (k) {
      case kMss:
        if (len != kMssLen) return ParseError::malformed;
        opts.mss = load_be16(options, data);
        break;
      case kWindowScale:
        if (len != kWindowScaleLen) return ParseError::malformed;
        opts.window_scale = load_u8(options, data);
        break;
      case kSackPermitted:
        if (len != kSackPermittedLen) return ParseError::malformed;
        opts.sack_permitted = true;
        break;
      case kTimestamps:
        if (len != kTimestampsLen) return ParseError::malformed;
        opts.timestamps = TcpTimestamps{load_be32(options, data), load_be32(options, data + 4)};
        break;
      case kSack: {
        const std::size_t blocks = (len - kSackBaseLen) / kSackBlockLen;
        if ((len - kSackBaseLen) % kSackBlockLen != 0 || blocks == 0 || blocks > kMaxSackBlocks) {
          return ParseError::malformed;
        }
        for (std::size_t i = 0; i < blocks; ++i) {
          const std::size_t block = data + i * kSackBlockLen;
          opts.sack_blocks[i] = {SeqNum(load_be32(options, block)),
                                 SeqNum(load_be32(options, block + 4))};
        }
        opts.sack_count = static_cast<std::uint8_t>(blocks);
        break;
      }
      default:
        // RFC 9293 §3.2: an option we do not know is skipped by its length.
        break;
    }
    at += len;
  }
  return opts;
}

std::size_t TcpOptions::emitted_len_without_sack() const {
  // Each option is padded with NOPs to whole 32-bit words, as emit() lays them out.
  std::size_t len = 0;
  if (mss) len += 4;
  if (timestamps) {
    len += 12;  // SACK-permitted (or NOP NOP), then the 10-byte timestamps
  } else if (sack_permitted) {
    len += 4;
  }
  if (window_scale) len += 4;
  return len;
}

std::size_t TcpOptions::sack_blocks_that_fit() const {
  assert(sack_count <= kMaxSackBlocks);
  // Like Linux (tcp_established_options), send only the SACK blocks that fit
  // after the other options; the first blocks are the most recent (RFC 2018 §4),
  // so the ones dropped are the least useful.
  const std::size_t others = emitted_len_without_sack();
  if (others + 4 + kSackBlockLen > kTcpMaxOptionsLen) return 0;
  return std::min<std::size_t>(sack_count, (kTcpMaxOptionsLen - others - 4) / kSackBlockLen);
}

std::size_t TcpOptions::emitted_len() const {
  const std::size_t blocks = sack_blocks_that_fit();
  const std::size_t len =
      emitted_len_without_sack() + (blocks > 0 ? 4 + blocks * kSackBlockLen : 0);
  assert(len <= kTcpMaxOptionsLen);
  return len;
}

void TcpOptions::emit(MutableByteSpan out) const {
  assert(out.size() == emitted_len());
  // The order and padding follow Linux's tcp_options_write(), so that a segment
  // Linux sent parses and re-emits to the same bytes.
  OptionWriter w(out);
  if (mss) {
    w.bytes(kMss, kMssLen, static_cast<std::uint8_t>(*mss >> 8),
            static_cast<std::uint8_t>(*mss & 0xff));
  }
  if (timestamps) {
    // SACK-permitted, when offered, fills the two bytes that align the timestamps.
    if (sack_permitted) {
      w.bytes(kSackPermitted, kSackPermittedLen, kTimestamps, kTimestampsLen);
    } else {
      w.bytes(kNop, kNop, kTimestamps, kTimestampsLen);
    }
    w.word(timestamps->value);
    w.word(timestamps->echo);
  } else if (sack_permitted) {
    w.bytes(kNop, kNop, kSackPermitted, kSackPermittedLen);
  }
  if (window_scale) w.bytes(kNop, kWindowScale, kWindowScaleLen, *window_scale);
  const std::size_t blocks = sack_blocks_that_fit();
  if (blocks > 0) {
    w.bytes(kNop, kNop, kSack, static_cast<std::uint8_t>(kSackBaseLen + blocks * kSackBlockLen));
    for (std::size_t i = 0; i < blocks; ++i) {
      w.word(sack_blocks[i].left.raw());
      w.word(sack_blocks[i].right.raw());
    }
  }
  assert(w.written() == out.size());
}

bool operator==(const TcpOptions& a, const TcpOptions& b) {
  if (a.mss != b.mss || a.window_scale != b.window_scale || a.sack_permitted != b.sack_permitted ||
      a.timestamps != b.timestamps || a.sack_count != b.sack_count) {
    return false;
  }
  // Blocks past sack_count are leftovers, not part of the value.
  for (std::size_t i = 0; i < a.sack_count; ++i) {
    if (a.sack_blocks[i] != b.sack_blocks[i]) return false;
  }
  return true;
}

Parsed<TcpPacket> TcpPacket::new_checked(ByteSpan bytes) {
  if (bytes.size() < kTcpMinHeaderLen) return ParseError::truncated;
  const std::size_t header_len = static_cast<std::size_t>(load_u8(bytes, 12) >> 4) * 4;
  if (header_len < kTcpMinHeaderLen) return ParseError::malformed;
  if (bytes.size() < header_len) return ParseError::truncated;
  // TCP has no length field: the segment runs to the end of the IP payload.
  return TcpPacket(bytes);
}

bool TcpPacket::verify_checksum(Ipv4Address src, Ipv4Address dst) const {
  // The pseudo header carries the length in 16 bits; nothing longer came from IPv4.
  if (bytes_.size() > std::numeric_limits<std::uint16_t>::max()) return false;
  ChecksumAccumulator acc;
  add_ipv4_pseudo_header(acc, src, dst, kProtocolTcp, static_cast<std::uint16_t>(bytes_.size()));
  acc.add(bytes_);
  return acc.checksum() == 0;
}

Parsed<TcpRepr> TcpRepr::parse(const TcpPacket& packet, Ipv4Address src, Ipv4Address dst,
                               ChecksumMode mode) {
  if (mode == ChecksumMode::software && !packet.verify_checksum(src, dst)) {
    return ParseError::bad_checksum;
  }
  Parsed<TcpOptions> parsed_options = TcpOptions::parse(packet.options());
  if (!parsed_options) return parsed_options.error();
  TcpRepr repr;
  repr.src_port = packet.src_port();
  repr.dst_port = packet.dst_port();
  repr.seq = packet.seq();
  repr.ack = packet.ack();
  repr.flags = packet.flags();
  repr.window = packet.window();
  repr.urgent_pointer = packet.urgent_pointer();
  repr.options = parsed_options.value();
  repr.payload_len = packet.payload().size();
  return repr;
}

void TcpRepr::emit(MutableByteSpan segment, Ipv4Address src, Ipv4Address dst,
                   ChecksumMode mode) const {
  const std::size_t hlen = header_len();
  assert(segment.size() == hlen + payload_len);
  assert(segment.size() <= std::numeric_limits<std::uint16_t>::max());
  store_be16(segment, 0, src_port);
  store_be16(segment, 2, dst_port);
  store_be32(segment, 4, seq.raw());
  store_be32(segment, 8, ack.raw());
  // Data offset in 32-bit words; the reserved bits below it are sent as zero.
  store_u8(segment, 12, static_cast<std::uint8_t>((hlen / 4) << 4));
  store_u8(segment, 13, flags);
  store_be16(segment, 14, window);
  store_be16(segment, kChecksumAt, 0);
  store_be16(segment, 18, urgent_pointer);
  options.emit(segment.subspan(kTcpMinHeaderLen, hlen - kTcpMinHeaderLen));
  if (mode == ChecksumMode::software) {
    ChecksumAccumulator acc;
    add_ipv4_pseudo_header(acc, src, dst, kProtocolTcp, static_cast<std::uint16_t>(segment.size()));
    acc.add(segment);
    store_be16(segment, kChecksumAt, acc.checksum());
  }
}

}  // namespace tandem::wire
