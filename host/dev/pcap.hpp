// SPDX-License-Identifier: Apache-2.0
// Packet captures through libpcap, so that Wireshark and tshark open what Tandem
// writes, and tests can read frames captured from Linux.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/base/time.hpp"
#include "host/wire/bytes.hpp"

namespace tandem::dev {

// Writes Ethernet frames (DLT_EN10MB) with nanosecond timestamps taken from the
// caller's `now`. Throws std::runtime_error naming the file when it cannot open it.
class PcapWriter {
 public:
  explicit PcapWriter(const std::string& path);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void write(wire::ByteSpan frame, Instant now);
  void flush();
  std::uint64_t frames_written() const { return frames_; }

 private:
  struct Handles;
  std::unique_ptr<Handles> handles_;
  std::uint64_t frames_ = 0;
};

struct CapturedFrame {
  Instant timestamp;
  std::vector<std::byte> bytes;
};

// Reads every frame of an Ethernet capture. Throws std::runtime_error naming the
// file and libpcap's reason when it cannot be read or is not Ethernet.
std::vector<CapturedFrame> read_pcap(const std::string& path);

}  // namespace tandem::dev
