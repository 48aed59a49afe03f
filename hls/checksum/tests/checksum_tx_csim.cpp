// SPDX-License-Identifier: Apache-2.0
// The Vitis C-simulation and co-simulation testbench of the checksum_tx top level
// (checksum.tcl): TCP (IPv4 options, odd length) and UDP frames with both
// checksums to fill, a frame with nothing to fill, and a non-IPv4 frame that
// must pass unchanged and be counted. The full tests are tests/checksum_tx_test.cpp.
#include "contract/nic_contract.hpp"
#include "hls/checksum/checksum.hpp"
#include "hls/rx_parser/tests/csim_frames.hpp"

int main() {
  using namespace tandem;
  using namespace tandem::csim;
  using hls_kernels::AxisBeat;
  using hls_kernels::TxCsumCmd;
  const unsigned both = contract::tx_flag::fill_ipv4_checksum | contract::tx_flag::fill_l4_checksum;

  std::vector<Bytes> in, want;
  std::vector<unsigned> flags;
  in.push_back(l4_frame(6, 12, 1001, false));
  want.push_back(l4_frame(6, 12, 1001, true));
  flags.push_back(both);
  in.push_back(l4_frame(17, 0, 33, false));
  want.push_back(l4_frame(17, 0, 33, true));
  flags.push_back(both);
  in.push_back(l4_frame(6, 0, 10, false));
  want.push_back(in.back());
  flags.push_back(0);
  Bytes ipv6 = l4_frame(6, 0, 10, false);
  put16(ipv6, 12, 0x86dd);
  in.push_back(ipv6);
  want.push_back(ipv6);
  flags.push_back(both);

  hls::stream<AxisBeat> s_axis_tx("s_axis_tx"), m_axis_tx("m_axis_tx");
  hls::stream<TxCsumCmd> s_axis_tx_cmd("s_axis_tx_cmd");
  ap_uint<32> unparsed = 0;
  int beats = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    s_axis_tx_cmd.write(flags[i]);
    const std::vector<AxisBeat> b = to_beats(in[i]);
    for (std::size_t k = 0; k < b.size(); ++k)
      s_axis_tx.write(b[k]);
    beats += static_cast<int>(b.size());
  }
  // Store-and-forward: the largest frame's beats once more, then a margin.
  for (int cycle = 0; cycle < 2 * beats + 8; ++cycle) {
    hls_kernels::checksum_tx(s_axis_tx, s_axis_tx_cmd, m_axis_tx, unparsed);
  }

  Checker check;
  for (std::size_t i = 0; i < in.size(); ++i) {
    Bytes out;
    bool last = false;
    while (!last && !m_axis_tx.empty()) {
      const AxisBeat beat = m_axis_tx.read();
      append(beat, out);
      last = beat.last == 1;
    }
    check.expect(out == want[i], "frame leaves with the expected checksums");
  }
  check.expect(unparsed == 1, "the non-IPv4 frame is counted");
  check.expect(s_axis_tx.empty() && s_axis_tx_cmd.empty() && m_axis_tx.empty(), "streams drained");
  std::printf("checksum_tx csim: %d failures\n", check.failures);
  return check.failures;
}
