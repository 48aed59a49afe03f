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
  // A 100 MiB transfer is some 100 000 frames: minutes for tshark on a busy
  // machine, so the limit is generous.
  ChildProcess child(std::move(argv), 600s);
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

// A TCP checksum of 0xFFFF where the sum says 0x0000 is not counted: Linux
// itself sends it (skb_checksum_help's CSUM_MANGLED_0) and RFC 1624 §3 makes
// both forms of zero verify, but Wireshark calls it bad all the same.
const char* const kCaptureProblemFilter =
    "_ws.malformed || (_ws.expert.severity >= error && !tcp.checksum.ffff) || "
    "ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || "
    "udp.checksum.status == \"Bad\" || "
    "(tcp.checksum.status == \"Bad\" && tcp.checksum != 0xffff)";

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

CaptureVerdict check_capture(const std::string& pcap,
                             const std::vector<std::uint16_t>& data_ports) {
  CaptureVerdict verdict;
  std::vector<std::string> args{"-Y", kCaptureProblemFilter};
  for (const std::uint16_t port : data_ports) {
    args.push_back("-d");
    args.push_back("tcp.port==" + std::to_string(port) + ",data");
  }
  try {
    // capinfos counts without dissecting, so only one pass of tshark is needed.
    ChildProcess count({"capinfos", "-c", "-M", "-T", "-r", pcap}, 120s);
    const auto& counted = count.wait();
    if (!counted.ok()) {
      verdict.error = counted.describe();
      return verdict;
    }
    // "-T -r": one tab-separated line, file name then the count.
    const auto tab = counted.out.rfind('\t');
    verdict.frames = tab == std::string::npos ? 0 : std::stoul(counted.out.substr(tab + 1));
    const auto bad = tshark(pcap, args);
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
