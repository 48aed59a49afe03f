// SPDX-License-Identifier: Apache-2.0
#include "tests/interop/capture_check.hpp"

#include <chrono>
#include <sstream>

#include "tests/interop/netns.hpp"

namespace tandem::interop {

namespace {

using namespace std::chrono_literals;

// Wireshark does not verify checksums unless asked, per protocol (ICMP's it
// always verifies).
const std::vector<std::string> kChecksumPrefs{
    "-o", "ip.check_checksum:TRUE",  "-o", "udp.check_checksum:TRUE",
    "-o", "tcp.check_checksum:TRUE",
};

CommandResult tshark(const std::string& pcap, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"tshark", "-n", "-r", pcap};
  argv.insert(argv.end(), kChecksumPrefs.begin(), kChecksumPrefs.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  ChildProcess child(std::move(argv), 60s);
  return child.wait();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

const char* const kCaptureProblemFilter =
    "_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == \"Bad\" || "
    "icmp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || "
    "tcp.checksum.status == \"Bad\"";

std::string CaptureVerdict::report() const {
  std::ostringstream os;
  if (!error.empty()) return "tshark could not check the capture: " + error;
  if (frames == 0) return "the capture holds no frames";
  os << problems.size() << " of " << frames << " frames fail the tshark check ("
     << kCaptureProblemFilter << "):";
  for (const auto& line : problems)
    os << "\n  " << line;
  return os.str();
}

CaptureVerdict check_capture(const std::string& pcap) {
  CaptureVerdict verdict;
  try {
    const auto all = tshark(pcap, {"-T", "fields", "-e", "frame.number"});
    if (!all.ok()) {
      verdict.error = all.describe();
      return verdict;
    }
    verdict.frames = lines_of(all.out).size();
    const auto bad = tshark(pcap, {"-Y", kCaptureProblemFilter});
    if (!bad.ok()) {
      verdict.error = bad.describe();
      return verdict;
    }
    verdict.problems = lines_of(bad.out);
  } catch (const std::exception& e) {
    verdict.error = e.what();
  }
  return verdict;
}

long count_matching(const std::string& pcap, const std::string& filter) {
  const auto result = tshark(pcap, {"-Y", filter, "-T", "fields", "-e", "frame.number"});
  if (!result.ok()) return -1;
  return static_cast<long>(lines_of(result.out).size());
}

}  // namespace tandem::interop
