// SPDX-License-Identifier: Apache-2.0
#include "hls/nic/nic_model.hpp"

#include <stdexcept>
#include <vector>

#include "hls/checksum/checksum.hpp"
#include "hls/common/beats.hpp"
#include "hls/conn_lookup/conn_lookup.hpp"
#include "hls/conn_lookup/table_memory.hpp"
#include "hls/rx_parser/rx_parser.hpp"
#include "hls/tcp_segment/tcp_segment.hpp"

namespace tandem::hls_kernels {

namespace {

constexpr std::size_t kEthernetHeaderLen = 14;

// A kernel that never goes idle is a kernel bug; failing loudly beats hanging a
// test or a backend forever.
constexpr std::uint64_t kMaxCyclesPerCall = 1u << 22;

void feed(hls::stream<AxisBeat>& stream, std::span<const std::byte> bytes) {
  for (const auto& beat : to_beats(bytes))
    stream.write(beat);
}

// Collects beats into frames, handing each to `wire` at its tlast.
class FrameAssembler {
 public:
  explicit FrameAssembler(const NicModel::WireSink& wire) : wire_(wire) {}
  void drain(hls::stream<AxisBeat>& stream) {
    while (!stream.empty()) {
      const AxisBeat beat = stream.read();
      append_beat(beat, frame_);
      if (beat.last != 0) {
        wire_(frame_);
        frame_.clear();
        ++frames_;
      }
    }
  }
  std::uint64_t frames() const { return frames_; }
  bool mid_frame() const { return !frame_.empty(); }

 private:
  const NicModel::WireSink& wire_;
  std::vector<std::byte> frame_;
  std::uint64_t frames_ = 0;
};

void check_budget(std::uint64_t cycles, const char* kernel) {
  if (cycles > kMaxCyclesPerCall) {
    throw std::logic_error(std::string("NicModel: ") + kernel + " did not go idle");
  }
}

}  // namespace

struct NicModel::Kernels {
  using Lookup = ConnLookup<kNicLookupCapacity>;

  explicit Kernels(const NicModelConfig& config)
      : parser(static_cast<unsigned>(kEthernetHeaderLen) + config.mtu + 4),
        lookup(std::make_unique<Lookup>()),
        table(Lookup::kBuckets, config.table_latency) {}

  ChecksumTx checksum_tx;
  TcpSegment segment;
  RxParser parser;
  ChecksumRx checksum_rx;
  std::unique_ptr<Lookup> lookup;  // its on-chip fingerprint mirror is large
  TableMemory table;

  // Inter-kernel streams, named producer2consumer.
  hls::stream<AxisBeat> host2csum_tx{"host2csum_tx"};
  hls::stream<TxCsumCmd> host2csum_tx_cmd{"host2csum_tx_cmd"};
  hls::stream<AxisBeat> csum_tx2wire{"csum_tx2wire"};
  hls::stream<TsoCmdWord> host2tso_cmd{"host2tso_cmd"};
  hls::stream<AxisBeat> host2tso_header{"host2tso_header"};
  hls::stream<AxisBeat> host2tso_payload{"host2tso_payload"};
  hls::stream<AxisBeat> tso2wire{"tso2wire"};
  hls::stream<TxStatusWord> tso2host_status{"tso2host_status"};
  hls::stream<AxisBeat> wire2parser{"wire2parser"};
  hls::stream<AxisBeat> parser2csum{"parser2csum"};
  hls::stream<RxParsed> parser2csum_parsed{"parser2csum_parsed"};
  hls::stream<AxisBeat> csum2host{"csum2host"};
  hls::stream<RxParsed> csum2lookup_parsed{"csum2lookup_parsed"};
  hls::stream<LookupRequest> host2lookup{"host2lookup"};
  hls::stream<LookupResult> lookup2host{"lookup2host"};
  hls::stream<contract::FlowCommand> host2lookup_cmd{"host2lookup_cmd"};
  hls::stream<contract::FlowCompletion> lookup2host_status{"lookup2host_status"};
  hls::stream<TableRead> lookup2table_rd{"lookup2table_rd"};
  hls::stream<BucketWord> table2lookup_rd{"table2lookup_rd"};
  hls::stream<TableWrite> lookup2table_wr{"lookup2table_wr"};

  std::uint64_t step_lookup() {
    lookup->step(host2lookup, lookup2host, host2lookup_cmd, lookup2host_status, lookup2table_rd,
                 table2lookup_rd, lookup2table_wr);
    table.step(lookup2table_rd, table2lookup_rd, lookup2table_wr);
    return 1;
  }
};

NicModel::NicModel(const NicModelConfig& config)
    : config_(config), kernels_(std::make_unique<Kernels>(config)) {}

NicModel::~NicModel() = default;

contract::Capabilities NicModel::capabilities() const {
  contract::Capabilities caps;
  caps.tx_ipv4_checksum = true;
  caps.tx_l4_checksum = true;
  caps.rx_checksum = true;
  caps.tso_max_payload = contract::kTsoMaxPayload;
  caps.lookup_capacity = kNicLookupCapacity;
  caps.queues = 1;
  caps.mtu = config_.mtu;
  return caps;
}

contract::TxStatus NicModel::transmit_frame(ByteSpan frame, std::uint8_t flags,
                                            const WireSink& wire) {
  if (frame.size() < kEthernetHeaderLen || frame.size() > kEthernetHeaderLen + config_.mtu) {
    ++counters_.tx_refused;
    return contract::TxStatus::bad_length;
  }
  Kernels& k = *kernels_;
  feed(k.host2csum_tx, frame);
  k.host2csum_tx_cmd.write(flags);
  FrameAssembler out(wire);
  std::uint64_t cycles = 0;
  while (!k.host2csum_tx.empty() || !k.host2csum_tx_cmd.empty() || !k.checksum_tx.idle()) {
    k.checksum_tx.step(k.host2csum_tx, k.host2csum_tx_cmd, k.csum_tx2wire);
    out.drain(k.csum_tx2wire);
    check_budget(++cycles, "checksum_tx");
  }
  out.drain(k.csum_tx2wire);
  counters_.cycles += cycles;
  counters_.tx_frames += out.frames();
  return contract::TxStatus::ok;
}

contract::TxStatus NicModel::transmit_tso(ByteSpan header_template,
                                          std::span<const ByteSpan> payload, std::uint16_t mss,
                                          const WireSink& wire) {
  // The host's DMA engine gathers the pieces into one stream of payload beats.
  std::vector<std::byte> gathered;
  for (const auto piece : payload)
    gathered.insert(gathered.end(), piece.begin(), piece.end());
  if (gathered.size() > contract::kTsoMaxPayload || header_template.size() > 0xffff) {
    ++counters_.tx_refused;
    return contract::TxStatus::payload_too_large;
  }
  Kernels& k = *kernels_;
  contract::TsoJob job;
  job.header_length = static_cast<std::uint16_t>(header_template.size());
  job.payload_length = static_cast<std::uint32_t>(gathered.size());
  job.mss = mss;
  k.host2tso_cmd.write(pack_tso_job(job));
  feed(k.host2tso_header, header_template);
  feed(k.host2tso_payload, gathered);

  FrameAssembler out(wire);
  std::uint64_t cycles = 0;
  while (k.tso2host_status.empty() || !k.segment.idle()) {
    k.segment.step(k.host2tso_cmd, k.host2tso_header, k.host2tso_payload, k.tso2wire,
                   k.tso2host_status);
    out.drain(k.tso2wire);
    check_budget(++cycles, "tcp_segment");
  }
  out.drain(k.tso2wire);
  const auto status = static_cast<contract::TxStatus>(k.tso2host_status.read().to_uint());
  counters_.cycles += cycles;
  if (status == contract::TxStatus::ok) {
    ++counters_.tso_jobs;
    counters_.tso_segments += out.frames();
  } else {
    ++counters_.tx_refused;
  }
  return status;
}

contract::RxMeta NicModel::receive(ByteSpan frame) {
  Kernels& k = *kernels_;
  feed(k.wire2parser, frame);
  std::uint64_t cycles = 0;
  while (k.csum2lookup_parsed.empty()) {
    k.parser.step(k.wire2parser, k.parser2csum, k.parser2csum_parsed);
    k.checksum_rx.step(k.parser2csum, k.parser2csum_parsed, k.csum2host, k.csum2lookup_parsed);
    // The frame's bytes go to the host from the device's own buffer.
    while (!k.csum2host.empty())
      k.csum2host.read();
    check_budget(++cycles, "rx_parser/checksum_rx");
  }
  RxParsed parsed = k.csum2lookup_parsed.read();
  contract::RxMeta& meta = parsed.meta;
  ++counters_.rx_frames;
  if (meta.parse != contract::ParseStatus::ok) ++counters_.rx_parse_errors;
  if (meta.l3_checksum == contract::ChecksumStatus::bad ||
      meta.l4_checksum == contract::ChecksumStatus::bad) {
    ++counters_.rx_checksum_bad;
  }
  // Only a well-formed TCP segment has a flow to look up (contract: everything
  // else is a miss).
  if (meta.parse == contract::ParseStatus::ok && meta.l4 == contract::L4Kind::tcp) {
    k.host2lookup.write(LookupRequest{parsed.key, 0});
    while (k.lookup2host.empty())
      check_budget(cycles += k.step_lookup(), "conn_lookup");
    meta.conn_id = k.lookup2host.read().conn_id;
    ++counters_.lookups;
    if (meta.conn_id != contract::kLookupMiss) ++counters_.lookup_hits;
  }
  counters_.cycles += cycles;
  return meta;
}

contract::FlowCompletion NicModel::flow_command(const contract::FlowCommand& command) {
  Kernels& k = *kernels_;
  k.host2lookup_cmd.write(command);
  std::uint64_t cycles = 0;
  while (k.lookup2host_status.empty())
    check_budget(cycles += k.step_lookup(), "conn_lookup");
  counters_.cycles += cycles;
  ++counters_.flow_commands;
  return k.lookup2host_status.read();
}

}  // namespace tandem::hls_kernels
