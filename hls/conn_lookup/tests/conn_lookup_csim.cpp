// SPDX-License-Identifier: Apache-2.0
// C simulation testbench for the Vitis top level conn_lookup() (conn_lookup.tcl
// adds it with -tb; CTest runs it natively too). The top is a free-running
// kernel, one call per clock cycle; its table is one buffer seen as bucket words
// by the read port and as slots by the write port, as the two m_axi views of the
// same HBM buffer are on the card. Returns non-zero on the first wrong answer.
//
// C++14 and no test framework, so that Vitis's own compiler can build it.
#include <cstdint>
#include <cstdio>

#include "hls/conn_lookup/conn_lookup.hpp"

namespace {

using tandem::contract::ConnectionId;
using tandem::contract::FlowCommand;
using tandem::contract::FlowCompletion;
using tandem::contract::FlowKey4;
using tandem::contract::FlowOp;
using tandem::contract::FlowStatus;
using tandem::contract::kLookupMiss;
using namespace tandem::hls_kernels;

const std::uint32_t kBuckets = ConnLookup<TANDEM_CONN_LOOKUP_CAPACITY>::kBuckets;
BucketWord table[kBuckets];

hls::stream<LookupRequest> lookups;
hls::stream<LookupResult> results;
hls::stream<FlowCommand> cmds;
hls::stream<FlowCompletion> statuses;

// Flow i: a few clients on sequential ports to one server, plus a scrambled
// remote address, so both structured and spread keys occur.
FlowKey4 flow(std::uint32_t i) {
  FlowKey4 k;
  k.remote_ip = (i % 3 == 0) ? 0x0a000001u + (i & 7) : i * 2654435761u;
  k.local_ip = 0xc0a80001u;
  k.remote_port = static_cast<std::uint16_t>(1024 + i);
  k.local_port = 443;
  return k;
}

void cycle() {
  conn_lookup(lookups, results, cmds, statuses, table, reinterpret_cast<SlotEntry*>(table));
}

int errors = 0;

void expect(bool ok, const char* what, std::uint32_t i) {
  if (!ok && errors++ < 10) std::printf("conn_lookup_csim: %s (item %u)\n", what, i);
}

// Feeds `n` commands made by `make` and checks each completion's tag and status.
template <typename Make>
void run_commands(std::uint32_t n, Make make, FlowStatus want) {
  std::uint32_t sent = 0, answered = 0;
  for (std::uint32_t c = 0; answered < n && c < 1000u * n + 10000u; ++c) {
    if (sent < n && cmds.empty()) {
      FlowCommand cmd = make(sent);
      cmd.tag = sent++;
      cmds.write(cmd);
    }
    cycle();
    while (!statuses.empty()) {
      const FlowCompletion done = statuses.read();
      expect(done.tag == answered, "completion out of order", answered);
      expect(done.status == want, "unexpected status", answered);
      ++answered;
    }
  }
  expect(answered == n, "commands not all answered", answered);
}

// Looks up flows 0..n-1 and n absent ones, one request a cycle.
void run_lookups(std::uint32_t n, bool (*present)(std::uint32_t)) {
  std::uint32_t sent = 0, answered = 0;
  for (std::uint32_t c = 0; answered < 2 * n && c < 10u * n + 10000u; ++c) {
    if (sent < 2 * n) {
      LookupRequest req;
      req.key = sent < n ? flow(sent) : flow(1000000 + sent);
      req.tag = static_cast<std::uint16_t>(sent++);
      lookups.write(req);
    }
    cycle();
    while (!results.empty()) {
      const LookupResult r = results.read();
      const std::uint32_t i = answered++;
      const ConnectionId want = i < n && present(i) ? i + 1 : kLookupMiss;
      expect(r.tag == static_cast<std::uint16_t>(i), "result out of order", i);
      expect(r.conn_id == want, "wrong connection id", i);
    }
  }
  expect(answered == 2 * n, "lookups not all answered", answered);
}

bool all(std::uint32_t) {
  return true;
}
bool odd_only(std::uint32_t i) {
  return (i & 1) != 0;
}

FlowCommand insert(std::uint32_t i) {
  FlowCommand c;
  c.op = FlowOp::insert;
  c.key = flow(i);
  c.conn_id = i + 1;
  return c;
}

FlowCommand remove_even(std::uint32_t i) {
  FlowCommand c;
  c.op = FlowOp::remove;
  c.key = flow(2 * i);
  return c;
}

}  // namespace

int main() {
  for (std::uint32_t b = 0; b < kBuckets; ++b) {
    for (int s = 0; s < kSlotsPerBucket; ++s) {
      reinterpret_cast<SlotEntry*>(table)[b * kSlotsPerBucket + s] = empty_slot();
    }
  }
  const std::uint32_t n = 3000;
  run_commands(n, insert, FlowStatus::ok);
  run_commands(100, insert, FlowStatus::exists);
  run_lookups(n, all);
  run_commands(n / 2, remove_even, FlowStatus::ok);
  run_commands(n / 2, remove_even, FlowStatus::not_found);
  run_lookups(n, odd_only);
  for (int c = 0; c < 1000; ++c)
    cycle();
  expect(lookups.empty() && results.empty() && cmds.empty() && statuses.empty(),
         "streams not empty at the end", 0);
  std::printf("conn_lookup_csim: %s\n", errors == 0 ? "PASS" : "FAIL");
  return errors == 0 ? 0 : 1;
}
