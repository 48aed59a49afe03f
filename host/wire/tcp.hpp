// SPDX-License-Identifier: Apache-2.0
// TCP header and options (RFC 9293 §3.1, RFC 7323, RFC 2018).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "host/wire/address.hpp"
#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/result.hpp"
#include "host/wire/seq.hpp"

namespace tandem::wire {

inline constexpr std::size_t kTcpMinHeaderLen = 20;
inline constexpr std::size_t kTcpMaxHeaderLen = 60;
inline constexpr std::size_t kTcpMaxOptionsLen = kTcpMaxHeaderLen - kTcpMinHeaderLen;
inline constexpr std::uint16_t kTcpDefaultMss = 536;  // RFC 9293 §3.7.1, when no MSS option

// The flag bits of byte 13.
namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
}  // namespace tcp_flag

enum class TcpOptionKind : std::uint8_t {
  end = 0,
  nop = 1,
  mss = 2,
  window_scale = 3,
  sack_permitted = 4,
  sack = 5,
  timestamps = 8,
};

struct SackBlock {
  SeqNum left;   // first sequence number of the block
  SeqNum right;  // sequence number just past the block
  friend bool operator==(const SackBlock&, const SackBlock&) = default;
};

struct TcpTimestamps {
  std::uint32_t value = 0;  // TSval
  std::uint32_t echo = 0;   // TSecr
  friend bool operator==(const TcpTimestamps&, const TcpTimestamps&) = default;
};

// The options Tandem understands. Parsing walks the option list: EOL ends it, NOP
// is skipped, known kinds must have their exact length (malformed otherwise),
// unknown kinds are skipped by their length byte, and a length < 2 or past the end
// of the header is malformed.
struct TcpOptions {
  static constexpr std::size_t kMaxSackBlocks = 4;  // 2 + 4*8 = 34 of 40 bytes

  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;  // shift count as sent (RFC 7323 caps use at 14)
  bool sack_permitted = false;
  std::optional<TcpTimestamps> timestamps;
  std::array<SackBlock, kMaxSackBlocks> sack_blocks{};
  std::uint8_t sack_count = 0;

  static Parsed<TcpOptions> parse(ByteSpan options);

  // Length emit() writes: always a multiple of 4, at most 40. SACK blocks that do
  // not fit after the other options are left out, as Linux does (with timestamps
  // at most 3 fit), so any parsed option set can be emitted.
  std::size_t emitted_len() const;
  // Lays options out the way Linux's tcp_options_write does, so that Tandem's
  // segments look like Linux's on the wire and Linux's parse and re-emit
  // byte-exactly: MSS; SACK-permitted+timestamps (or NOP NOP timestamps, or
  // NOP NOP SACK-permitted); NOP window scale; NOP NOP SACK blocks.
  void emit(MutableByteSpan out) const;  // out.size() == emitted_len()

  friend bool operator==(const TcpOptions& a, const TcpOptions& b);

 private:
  std::size_t emitted_len_without_sack() const;
  std::size_t sack_blocks_that_fit() const;
};

class TcpPacket {
 public:
  // truncated: fewer than 20 bytes, or fewer than the data offset says;
  // malformed: data offset < 5.
  static Parsed<TcpPacket> new_checked(ByteSpan bytes);

  std::uint16_t src_port() const { return load_be16(bytes_, 0); }
  std::uint16_t dst_port() const { return load_be16(bytes_, 2); }
  SeqNum seq() const { return SeqNum(load_be32(bytes_, 4)); }
  SeqNum ack() const { return SeqNum(load_be32(bytes_, 8)); }
  std::size_t header_len() const { return static_cast<std::size_t>(load_u8(bytes_, 12) >> 4) * 4; }
  std::uint8_t flags() const { return load_u8(bytes_, 13); }
  std::uint16_t window() const { return load_be16(bytes_, 14); }
  std::uint16_t checksum() const { return load_be16(bytes_, 16); }
  std::uint16_t urgent_pointer() const { return load_be16(bytes_, 18); }
  ByteSpan options() const {
    return bytes_.subspan(kTcpMinHeaderLen, header_len() - kTcpMinHeaderLen);
  }
  ByteSpan payload() const { return bytes_.subspan(header_len()); }
  bool verify_checksum(Ipv4Address src, Ipv4Address dst) const;
  ByteSpan bytes() const { return bytes_; }

 private:
  explicit TcpPacket(ByteSpan bytes) : bytes_(bytes) {}
  ByteSpan bytes_;
};

struct TcpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  SeqNum seq;
  SeqNum ack;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;  // the raw field, before window scaling
  std::uint16_t urgent_pointer = 0;
  TcpOptions options;
  std::size_t payload_len = 0;

  bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
  // Sequence space the segment occupies: payload plus one each for SYN and FIN.
  std::uint32_t segment_len() const {
    return static_cast<std::uint32_t>(payload_len) + (has(tcp_flag::syn) ? 1 : 0) +
           (has(tcp_flag::fin) ? 1 : 0);
  }

  // malformed options are malformed; bad_checksum in software mode.
  static Parsed<TcpRepr> parse(const TcpPacket& packet, Ipv4Address src, Ipv4Address dst,
                               ChecksumMode mode);
  std::size_t header_len() const { return kTcpMinHeaderLen + options.emitted_len(); }
  // `segment` is header + payload with the payload in place after header_len().
  void emit(MutableByteSpan segment, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const;

  friend bool operator==(const TcpRepr&, const TcpRepr&) = default;
};

}  // namespace tandem::wire
