// SPDX-License-Identifier: Apache-2.0
// The Vitis top level of conn_lookup: the engine of conn_lookup.hpp and the
// adapter that turns its table ports into m_axi accesses, one cycle per call.
#include "hls/conn_lookup/conn_lookup.hpp"

namespace tandem {
namespace hls_kernels {
namespace {

// The table ports on m_axi. Reads are whole buckets through `table`; writes are
// single slots through `table_slots`, a 128-bit view of the same buffer, so that
// the AXI write strobes leave the other three slots alone. The engine never has a
// read of a bucket in flight while it writes that bucket, so the two channels
// need no ordering between them beyond the engine's own.
void table_memory_axi(const BucketWord* table, SlotEntry* table_slots,
                      hls::stream<TableRead>& lookup2table_rd,
                      hls::stream<BucketWord>& table2lookup_rd,
                      hls::stream<TableWrite>& lookup2table_wr) {
#pragma HLS INLINE
  if (!lookup2table_wr.empty()) {
    const TableWrite w = lookup2table_wr.read();
    table_slots[static_cast<std::uint64_t>(w.bucket) * kSlotsPerBucket + w.slot] = w.entry;
  }
  if (!lookup2table_rd.empty()) {
    const TableRead r = lookup2table_rd.read();
    table2lookup_rd.write(table[r.bucket]);
  }
}

}  // namespace
}  // namespace hls_kernels
}  // namespace tandem

void conn_lookup(hls::stream<tandem::hls_kernels::LookupRequest>& s_axis_lookup,
                 hls::stream<tandem::hls_kernels::LookupResult>& m_axis_result,
                 hls::stream<tandem::contract::FlowCommand>& s_axis_cmd,
                 hls::stream<tandem::contract::FlowCompletion>& m_axis_cmd_status,
                 const tandem::hls_kernels::BucketWord* table,
                 tandem::hls_kernels::SlotEntry* table_slots) {
  using namespace tandem::hls_kernels;
#pragma HLS INTERFACE axis port = s_axis_lookup
#pragma HLS INTERFACE axis port = m_axis_result
#pragma HLS INTERFACE axis port = s_axis_cmd
#pragma HLS INTERFACE axis port = m_axis_cmd_status
// Up to kMaxInFlight bucket reads outstanding, one beat each; the latency hint is
// what HBM typically answers in at 322 MHz.
#pragma HLS INTERFACE m_axi port = table bundle = gmem_rd offset = slave latency = \
    64 num_read_outstanding = 256 max_read_burst_length = 2 depth = 262144
#pragma HLS INTERFACE m_axi port = table_slots bundle = gmem_wr offset = slave latency = \
    64 num_write_outstanding = 16 max_write_burst_length = 2 depth = 1048576
#pragma HLS INTERFACE s_axilite port = table bundle = control
#pragma HLS INTERFACE s_axilite port = table_slots bundle = control
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS PIPELINE II = 1

  static ConnLookup<TANDEM_CONN_LOOKUP_CAPACITY> engine;
#pragma HLS BIND_STORAGE variable = engine.mirror_ type = ram_t2p impl = uram

  static hls::stream<TableRead> lookup2table_rd("lookup2table_rd");
  static hls::stream<BucketWord> table2lookup_rd("table2lookup_rd");
  static hls::stream<TableWrite> lookup2table_wr("lookup2table_wr");
#pragma HLS STREAM variable = lookup2table_rd depth = 4
#pragma HLS STREAM variable = table2lookup_rd depth = 256
#pragma HLS STREAM variable = lookup2table_wr depth = 4

  engine.step(s_axis_lookup, m_axis_result, s_axis_cmd, m_axis_cmd_status, lookup2table_rd,
              table2lookup_rd, lookup2table_wr);
  table_memory_axi(table, table_slots, lookup2table_rd, table2lookup_rd, lookup2table_wr);
}
