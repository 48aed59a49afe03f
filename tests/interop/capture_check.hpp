// SPDX-License-Identifier: Apache-2.0
// Wireshark's dissectors as an independent judge of what crossed the wire:
// every interop test runs its capture through check_capture().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tandem::interop {

// The display filter that selects frames with problems: malformed packets,
// expert infos of severity error, and IPv4/ICMP/UDP/TCP checksums that do not
// verify (check_capture turns checksum validation on; Wireshark leaves it off).
extern const char* const kCaptureProblemFilter;

struct CaptureVerdict {
  std::size_t frames = 0;             // frames tshark read
  std::vector<std::string> problems;  // tshark's summary line of each offending frame
  std::string error;                  // why tshark could not judge (missing file, no tshark)
  bool ok() const { return error.empty() && problems.empty() && frames > 0; }
  // What failed, for the test's message.
  std::string report() const;
};

// Runs `tshark -r pcap` with kCaptureProblemFilter. An empty or unreadable
// capture is not ok: a check that passes on nothing proves nothing.
// `data_ports`: TCP ports whose payload is the test's own bytes, decoded as
// plain data. Otherwise Wireshark's heuristic dissectors sooner or later take
// random payload for a protocol (Thrift, say) and call it malformed.
CaptureVerdict check_capture(const std::string& pcap,
                             const std::vector<std::uint16_t>& data_ports = {});

// How many frames of the capture match a display filter (-1 if tshark fails).
long count_matching(const std::string& pcap, const std::string& filter);

}  // namespace tandem::interop
