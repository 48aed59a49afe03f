// SPDX-License-Identifier: Apache-2.0
// The Vitis C-simulation and co-simulation testbench of the checksum_rx top level
// (checksum.tcl): good TCP and UDP frames, a TCP frame with a payload byte
// changed and one with its TTL changed, each with the RxParsed rx_parser would
// send. The full tests are tests/checksum_rx_test.cpp.
#include "hls/checksum/checksum.hpp"
#include "hls/rx_parser/tests/csim_frames.hpp"

namespace {

tandem::hls_kernels::RxParsed parsed_for(const tandem::csim::Bytes& f, unsigned protocol,
                                         unsigned ip_options) {
  using namespace tandem::contract;
  tandem::hls_kernels::RxParsed p;
  p.meta.frame_length = static_cast<std::uint16_t>(f.size());
  p.meta.l3_offset = 14;
  p.meta.l4_offset = static_cast<std::uint8_t>(34 + ip_options);
  p.meta.l3 = L3Kind::ipv4;
  p.meta.l4 = protocol == 6 ? L4Kind::tcp : L4Kind::udp;
  p.meta.parse = ParseStatus::ok;
  return p;
}

}  // namespace

int main() {
  using namespace tandem;
  using namespace tandem::csim;
  using contract::ChecksumStatus;
  using hls_kernels::AxisBeat;
  using hls_kernels::RxParsed;

  std::vector<Bytes> frames;
  std::vector<RxParsed> parsed;
  frames.push_back(l4_frame(6, 8, 333, true));
  frames.push_back(l4_frame(17, 0, 21, true));
  Bytes payload_hit = l4_frame(6, 0, 100, true);
  payload_hit[100] ^= 0x10;
  frames.push_back(payload_hit);
  Bytes ttl_hit = l4_frame(6, 0, 100, true);
  ttl_hit[22] ^= 0x01;
  frames.push_back(ttl_hit);
  const unsigned protocols[] = {6, 17, 6, 6};
  const unsigned options[] = {8, 0, 0, 0};

  hls::stream<AxisBeat> s_axis_rx("s_axis_rx"), m_axis_rx("m_axis_rx");
  hls::stream<RxParsed> s_axis_parsed("s_axis_parsed"), m_axis_parsed("m_axis_parsed");
  int beats = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const std::vector<AxisBeat> b = to_beats(frames[i]);
    for (std::size_t k = 0; k < b.size(); ++k)
      s_axis_rx.write(b[k]);
    beats += static_cast<int>(b.size());
    s_axis_parsed.write(parsed_for(frames[i], protocols[i], options[i]));
  }
  for (int cycle = 0; cycle < beats + 8; ++cycle) {
    hls_kernels::checksum_rx(s_axis_rx, s_axis_parsed, m_axis_rx, m_axis_parsed);
  }

  Checker check;
  const ChecksumStatus want_l3[] = {ChecksumStatus::good, ChecksumStatus::good,
                                    ChecksumStatus::good, ChecksumStatus::bad};
  const ChecksumStatus want_l4[] = {ChecksumStatus::good, ChecksumStatus::good, ChecksumStatus::bad,
                                    ChecksumStatus::good};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    Bytes out;
    bool last = false;
    while (!last && !m_axis_rx.empty()) {
      const AxisBeat beat = m_axis_rx.read();
      append(beat, out);
      last = beat.last == 1;
    }
    check.expect(out == frames[i], "frame passes unchanged");
    check.expect(!m_axis_parsed.empty(), "one RxParsed per frame");
    if (m_axis_parsed.empty()) continue;
    const RxParsed p = m_axis_parsed.read();
    check.expect(p.meta.l3_checksum == want_l3[i], "IPv4 header verdict");
    check.expect(p.meta.l4_checksum == want_l4[i], "L4 verdict");
  }
  check.expect(
      s_axis_rx.empty() && s_axis_parsed.empty() && m_axis_rx.empty() && m_axis_parsed.empty(),
      "streams drained");
  std::printf("checksum_rx csim: %d failures\n", check.failures);
  return check.failures;
}
