// SPDX-License-Identifier: Apache-2.0
// The Vitis C-simulation and co-simulation testbench of the rx_parser top level
// (rx_parser.tcl): a TCP frame whose IPv4 options push the TCP header into the
// second beat, a UDP frame, and a frame cut short of its IPv4 total length, each
// checked field by field. The full tests are tests/rx_parser_test.cpp.
#include "hls/rx_parser/rx_parser.hpp"
#include "hls/rx_parser/tests/csim_frames.hpp"

int main() {
  using namespace tandem;
  using namespace tandem::csim;
  using contract::L4Kind;
  using contract::ParseStatus;
  using hls_kernels::AxisBeat;
  using hls_kernels::RxParsed;

  std::vector<Bytes> frames;
  frames.push_back(l4_frame(6, 40, 100, true));
  frames.push_back(l4_frame(17, 0, 10, true));
  Bytes cut = l4_frame(6, 0, 30, true);
  cut.resize(cut.size() - 1);
  frames.push_back(cut);

  hls::stream<AxisBeat> s_axis_rx("s_axis_rx"), m_axis_rx("m_axis_rx");
  hls::stream<RxParsed> m_axis_parsed("m_axis_parsed");
  int beats = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const std::vector<AxisBeat> b = to_beats(frames[i]);
    for (std::size_t k = 0; k < b.size(); ++k)
      s_axis_rx.write(b[k]);
    beats += static_cast<int>(b.size());
  }
  for (int cycle = 0; cycle < beats + 8; ++cycle)
    hls_kernels::rx_parser(s_axis_rx, m_axis_rx, m_axis_parsed);

  Checker check;
  RxParsed parsed[3];
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
    if (!m_axis_parsed.empty()) parsed[i] = m_axis_parsed.read();
  }
  check.expect(s_axis_rx.empty() && m_axis_rx.empty() && m_axis_parsed.empty(), "streams drained");

  const contract::RxMeta& tcp = parsed[0].meta;
  check.expect(tcp.parse == ParseStatus::ok && tcp.l4 == L4Kind::tcp, "TCP parses");
  check.expect(tcp.frame_length == 194 && tcp.l3_offset == 14 && tcp.l4_offset == 74,
               "TCP offsets");
  check.expect(tcp.payload_offset == 94 && tcp.payload_length == 100, "TCP payload");
  check.expect(tcp.tcp_flags == kTcpFlags, "TCP flags from the second beat");
  check.expect(parsed[0].key.remote_ip == kRemoteIp && parsed[0].key.local_ip == kLocalIp &&
                   parsed[0].key.remote_port == kRemotePort &&
                   parsed[0].key.local_port == kLocalPort,
               "flow key");
  const contract::RxMeta& udp = parsed[1].meta;
  check.expect(udp.parse == ParseStatus::ok && udp.l4 == L4Kind::udp && udp.l4_offset == 34 &&
                   udp.payload_offset == 42 && udp.payload_length == 10,
               "UDP");
  const contract::RxMeta& bad = parsed[2].meta;
  check.expect(
      bad.parse == ParseStatus::bad_l3_length && bad.l4_offset == 0 && bad.payload_length == 0,
      "total length past the frame");
  std::printf("rx_parser csim: %d failures\n", check.failures);
  return check.failures;
}
