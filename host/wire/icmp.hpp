// SPDX-License-Identifier: Apache-2.0
// ICMPv4 (RFC 792): echo, and the error messages that quote a datagram.
#pragma once

#include <cstddef>
#include <cstdint>

#include "host/wire/bytes.hpp"
#include "host/wire/checksum.hpp"
#include "host/wire/result.hpp"

namespace tandem::wire {

enum class IcmpType : std::uint8_t {
  echo_reply = 0,
  destination_unreachable = 3,
  echo_request = 8,
  time_exceeded = 11,
};

enum class IcmpUnreachableCode : std::uint8_t {
  net = 0,
  host = 1,
  protocol = 2,
  port = 3,
  fragmentation_needed = 4,
};

inline constexpr std::size_t kIcmpHeaderLen = 8;

class IcmpPacket {
 public:
  static Parsed<IcmpPacket> new_checked(ByteSpan bytes);  // truncated below 8 bytes

  std::uint8_t type() const { return load_u8(bytes_, 0); }
  std::uint8_t code() const { return load_u8(bytes_, 1); }
  std::uint16_t checksum() const { return load_be16(bytes_, 2); }
  // The four type-specific header bytes: ident and sequence for echo.
  std::uint32_t rest_of_header() const { return load_be32(bytes_, 4); }
  ByteSpan payload() const { return bytes_.subspan(kIcmpHeaderLen); }
  bool verify_checksum() const;
  ByteSpan bytes() const { return bytes_; }

 private:
  explicit IcmpPacket(ByteSpan bytes) : bytes_(bytes) {}
  ByteSpan bytes_;
};

struct IcmpRepr {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;
  // Echo data, or the quoted IP header + 8 bytes of an error message.
  std::size_t payload_len = 0;

  static IcmpRepr echo(IcmpType type, std::uint16_t ident, std::uint16_t seq,
                       std::size_t payload_len) {
    return {static_cast<std::uint8_t>(type), 0, (std::uint32_t{ident} << 16) | seq, payload_len};
  }
  std::uint16_t echo_ident() const { return static_cast<std::uint16_t>(rest_of_header >> 16); }
  std::uint16_t echo_seq() const { return static_cast<std::uint16_t>(rest_of_header & 0xffff); }

  // bad_checksum when mode is software and the checksum over the message fails.
  static Parsed<IcmpRepr> parse(const IcmpPacket& packet, ChecksumMode mode);
  static constexpr std::size_t header_len() { return kIcmpHeaderLen; }
  // `message` is header + payload with the payload already in place after the
  // header; emit writes the header and, in software mode, the checksum over all
  // of it. message.size() == header_len() + payload_len.
  void emit(MutableByteSpan message, ChecksumMode mode) const;

  friend bool operator==(const IcmpRepr&, const IcmpRepr&) = default;
};

}  // namespace tandem::wire
