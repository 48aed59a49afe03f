// SPDX-License-Identifier: Apache-2.0
// The host stack end to end on the `sim` backend: two Stacks, each on the NIC's
// RTL under Verilator, joined by the link model on virtual time. The transfers
// are host/stack/tests/stack_test.cpp's on `soft`, with the same checks (every
// byte in order, both ends closed, every TCB, flow-table entry and buffer
// freed), so the host runtime is shown to behave the same on both NICs. The
// sizes are smaller: each frame costs tens of simulated cycles here.
#define BOOST_TEST_MODULE sim_stack
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "host/stack/tests/stack_world.hpp"
#include "host/stack/tests/transfer.hpp"
#include "sim/verilator/sim_device.hpp"

using namespace tandem;
using namespace tandem::stack::test;
using namespace std::chrono_literals;

namespace {

using SimWorld = BasicWorld<sim::SimDevice>;

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_stack)

BOOST_AUTO_TEST_CASE(bulk_transfer_uses_the_rtl_tso_checksums_and_lookup) {
  SimWorld w;
  transfer_both_ways(w, 2 << 20, 100'000, 7);
  // The Stack handed multi-segment sends to the RTL's TSO engine, and the
  // receiver found its connections by the RTL lookup's connection ids.
  BOOST_TEST(w.a().counters().tso_jobs > 0u);
  BOOST_TEST(w.dev_a().stats().tso_statuses > 0u);
  BOOST_TEST(w.b().counters().demux_by_nic > 0u);
  BOOST_TEST(w.b().counters().bad_segments == 0u);
  BOOST_TEST(w.dev_b().stats().rx_checksum_bad == 0u);
  BOOST_TEST(w.a().tcp_counters().retransmitted_segments == 0u);
  BOOST_TEST(w.b().counters().flow_inserts == w.b().counters().flow_deletes);
  // The last flow-table DELETEs were posted by the final poll; once the
  // world has run on, nothing is left in either NIC.
  w.run_for(1ms);
  BOOST_TEST(!w.dev_a().in_flight());
  BOOST_TEST(!w.dev_b().in_flight());
}

BOOST_AUTO_TEST_CASE(empty_and_tiny_transfers) {
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{1459}, std::size_t{1461}}) {
    BOOST_TEST_CONTEXT("size " << n) {
      SimWorld w;
      transfer_both_ways(w, n, n / 2, n);
    }
  }
}

// Loss, duplicates and reordering, and corrupted frames that the RTL's
// checksum engine must flag so the Stack drops them.
BOOST_AUTO_TEST_CASE(transfers_survive_loss_reordering_duplication_and_corruption) {
  const sim::Impairment bad = rough_link();
  const std::vector<std::pair<std::size_t, std::uint64_t>> cases = {{300'000, 11}, {1 << 20, 12}};
  for (const auto& [size, seed] : cases) {
    BOOST_TEST_CONTEXT("size " << size << " seed " << seed) {
      SimWorld w(sim::LinkConfig{bad, bad, seed}, seed);
      transfer_both_ways(w, size, size / 3, seed);
      BOOST_TEST(w.link().counters(sim::LinkEnd::a).lost > 0u);
      BOOST_TEST(w.a().tcp_counters().retransmitted_segments > 0u);
      BOOST_TEST(w.dev_a().stats().rx_checksum_bad + w.dev_b().stats().rx_checksum_bad +
                     w.dev_a().stats().rx_parse_errors + w.dev_b().stats().rx_parse_errors >
                 0u);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
