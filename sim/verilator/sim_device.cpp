// SPDX-License-Identifier: Apache-2.0
#include "sim/verilator/sim_device.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

#include "Vnic_top.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace tandem::sim {

namespace {

// The model's shape, fixed by the -G arguments it was verilated with.
constexpr unsigned kQueues = TANDEM_SIM_QUEUES;
constexpr unsigned kBeatBytes = 64;
constexpr unsigned kBeatWords = kBeatBytes / 4;
constexpr unsigned kMetaWords = contract::rx_meta_bits::kWidth / 32;
constexpr std::size_t kEthernetHeaderLen = 14;
// Cycles without a single handshake anywhere before the device declares the
// model hung: far more than any engine's longest internal wait (a cuckoo insert
// walks a few hundred buckets at the table latency).
constexpr std::uint64_t kStallCycles = 1u << 20;

// The waveform a device writes: the configured path, else one named after
// TANDEM_SIM_FST and the device's number in the process.
std::string fst_path_for(const SimDeviceConfig& config) {
  if (!config.fst_path.empty()) return config.fst_path;
  const char* prefix = std::getenv("TANDEM_SIM_FST");
  if (prefix == nullptr || *prefix == '\0') return {};
  static std::atomic<unsigned> devices{0};
  return std::string(prefix) + "-" + std::to_string(devices++) + ".fst";
}

// --- bit access on Verilator ports of any width ------------------------------

template <typename Port>
void put_bits(Port& port, unsigned lsb, unsigned width, std::uint64_t value) {
  if constexpr (std::is_integral_v<Port>) {
    const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    std::uint64_t v = static_cast<std::uint64_t>(port);
    v = (v & ~(mask << lsb)) | ((value & mask) << lsb);
    port = static_cast<Port>(v);
  } else {
    for (unsigned i = 0; i < width; ++i) {
      const unsigned bit = lsb + i;
      const std::uint32_t m = std::uint32_t{1} << (bit % 32);
      if ((value >> i) & 1u) {
        port[bit / 32] |= m;
      } else {
        port[bit / 32] &= ~m;
      }
    }
  }
}

template <typename Port>
std::uint64_t get_bits(const Port& port, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<Port>) {
    const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    return (static_cast<std::uint64_t>(port) >> lsb) & mask;
  } else {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
      const unsigned bit = lsb + i;
      v |= static_cast<std::uint64_t>((port[bit / 32] >> (bit % 32)) & 1u) << i;
    }
    return v;
  }
}

bool get_bit(std::uint64_t port, unsigned bit) {
  return ((port >> bit) & 1u) != 0;
}

// --- beats ------------------------------------------------------------------

struct Beat {
  std::array<std::uint32_t, kBeatWords> data{};
  std::uint64_t keep = 0;
  bool last = false;
};

void append_beats(std::deque<Beat>& out, dev::ByteSpan bytes) {
  for (std::size_t start = 0; start < bytes.size(); start += kBeatBytes) {
    Beat beat;
    const std::size_t n = std::min<std::size_t>(kBeatBytes, bytes.size() - start);
    for (std::size_t i = 0; i < n; ++i) {
      beat.data[i / 4] |= static_cast<std::uint32_t>(bytes[start + i]) << (8 * (i % 4));
    }
    beat.keep = n == kBeatBytes ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    beat.last = start + n == bytes.size();
    out.push_back(beat);
  }
}

// Drives a 512-bit slice `slot` of a (possibly per-queue) data port.
template <typename Wide>
void put_data(Wide& port, unsigned slot, const Beat& beat) {
  for (unsigned w = 0; w < kBeatWords; ++w)
    port[slot * kBeatWords + w] = beat.data[w];
}

template <typename Wide, typename Keep>
void take_beat(const Wide& data, const Keep& keep, unsigned slot, std::vector<std::byte>& out) {
  const std::uint64_t k = get_bits(keep, slot * kBeatBytes, kBeatBytes);
  for (unsigned i = 0; i < kBeatBytes; ++i) {
    if ((k >> i) & 1u) {
      out.push_back(
          static_cast<std::byte>((data[slot * kBeatWords + i / 4] >> (8 * (i % 4))) & 0xffu));
    }
  }
}

// --- flow-table command and completion words (conn_lookup's s_axis_cmd and
// m_axis_cmd_status, rtl/README.md) ---------------------------------------------

constexpr unsigned kFlowCmdBits = 176;
constexpr unsigned kFlowCmdWords = (kFlowCmdBits + 31) / 32;
using FlowCmdWord = std::array<std::uint32_t, kFlowCmdWords>;

FlowCmdWord pack_flow_command(const contract::FlowCommand& c) {
  FlowCmdWord w{};
  put_bits(w, 0, 32, c.key.remote_ip);
  put_bits(w, 32, 32, c.key.local_ip);
  put_bits(w, 64, 16, c.key.remote_port);
  put_bits(w, 80, 16, c.key.local_port);
  put_bits(w, 96, 32, c.conn_id);
  put_bits(w, 128, 32, c.tag);
  put_bits(w, 160, 8, static_cast<std::uint8_t>(c.op));
  put_bits(w, 168, 8, static_cast<std::uint8_t>(c.family));
  return w;
}

template <typename Port>
contract::FlowCompletion unpack_flow_status(const Port& port) {
  contract::FlowCompletion c;
  c.tag = static_cast<std::uint32_t>(get_bits(port, 0, 32));
  c.status = static_cast<contract::FlowStatus>(get_bits(port, 32, 8));
  return c;
}

}  // namespace

// --- the model and its host-side queues ---------------------------------------

struct SimDevice::Model {
  struct TxQueue {
    std::deque<std::uint8_t> frame_cmds;
    std::deque<Beat> frame_beats;
    std::deque<std::uint64_t> tso_cmds;
    std::deque<Beat> tso_header;
    std::deque<Beat> tso_payload;
    std::deque<std::uint8_t> tso_status;
    std::vector<std::byte> rx_frame;
    std::deque<contract::RxMetaWord> rx_meta;
  };

  explicit Model(const std::string& fst_path) : context(std::make_unique<VerilatedContext>()) {
    context->debug(0);
    context->randReset(2);
    if (!fst_path.empty()) context->traceEverOn(true);
    // Verilator 5.006 files a model's scopes under the thread's current
    // context, not the model's; with several devices in one thread, each must
    // be current while its model is built, run and destroyed.
    Verilated::threadContextp(context.get());
    top = std::make_unique<Vnic_top>(context.get(), "nic_top");
    if (!fst_path.empty()) {
      trace = std::make_unique<VerilatedFstC>();
      top->trace(trace.get(), 99);
      trace->open(fst_path.c_str());
    }
    queues.resize(kQueues);
    // The host side always takes what the NIC hands it; full rings drop in
    // software (deliver_rx), as a QDMA engine drops on a full C2H ring.
    top->m_axis_tx_tready = 1;
    put_bits(top->m_axis_c2h_tready, 0, kQueues, ~std::uint64_t{0});
    put_bits(top->m_axis_c2h_meta_tready, 0, kQueues, ~std::uint64_t{0});
    put_bits(top->m_axis_tso_status_tready, 0, kQueues, ~std::uint64_t{0});
    top->m_axis_flow_status_tready = 1;
    top->clk = 0;
    top->rst = 1;
    top->eval();
    for (int i = 0; i < 8; ++i)
      lone_edge();
    top->rst = 0;
    top->eval();
    // conn_lookup clears its fingerprint mirror after reset before it takes
    // anything; the device starts once it has.
    while (top->idle == 0)
      lone_edge();
  }

  ~Model() {
    Verilated::threadContextp(context.get());
    top->final();
    if (trace) trace->close();
    trace.reset();
    top.reset();
  }

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // One clock cycle's rising edge, and the clock back low. Outside a trace
  // the falling edge is not evaluated on its own: nothing in nic_top acts on
  // it, and step() evaluates the model with the next cycle's inputs before
  // the next rising edge anyway (a third of the model's time went into that
  // evaluation). A trace wants the clock low in the file, so it gets it.
  void edge() {
    top->clk = 1;
    top->eval();
    context->timeInc(1);
    if (trace) trace->dump(context->time());
    top->clk = 0;
    if (trace) top->eval();
    context->timeInc(1);
    if (trace) trace->dump(context->time());
  }

  // An edge with no step() around it (reset): the model must see the clock
  // low before the next rising edge.
  void lone_edge() {
    edge();
    if (!trace) top->eval();
  }

  bool host_side_empty() const {
    if (!rx_beats.empty() || !flow_cmds.empty()) return false;
    for (const auto& q : queues) {
      if (!q.frame_cmds.empty() || !q.frame_beats.empty() || !q.tso_cmds.empty() ||
          !q.tso_header.empty() || !q.tso_payload.empty())
        return false;
    }
    return true;
  }

  bool busy() const { return !host_side_empty() || top->idle == 0; }

  std::unique_ptr<VerilatedContext> context;
  std::unique_ptr<Vnic_top> top;
  std::unique_ptr<VerilatedFstC> trace;
  std::uint64_t cycles = 0;
  std::uint64_t stalled = 0;

  std::deque<Beat> rx_beats;
  std::deque<FlowCmdWord> flow_cmds;  // packed FlowCommand words
  std::vector<TxQueue> queues;
  std::vector<std::byte> tx_frame;
  std::uint64_t tso_statuses = 0;
};

// --- wire ports -----------------------------------------------------------------

LinkPort::~LinkPort() {
  link_.attach(end_, nullptr);
}

void LinkPort::attach(Sink* sink) {
  sink_ = sink;
  link_.attach(end_, sink == nullptr ? nullptr : this);
}

void LinkPort::transmit(wire::ByteSpan frame, Instant now) {
  link_.transmit(end_, frame, now);
}

void LinkPort::on_wire_frame(wire::ByteSpan frame, Instant now) {
  if (sink_ != nullptr) sink_->on_wire_frame(frame, now);
}

TapPort::TapPort(const std::string& name) : tap_(name), buffer_(65536) {}

void TapPort::transmit(wire::ByteSpan frame, Instant) {
  const ssize_t n = ::write(tap_.fd(), frame.data(), frame.size());
  // A TAP device that is down, or a kernel queue that is full, drops the frame
  // as a wire would.
  if (n != static_cast<ssize_t>(frame.size())) ++errors_;
}

void TapPort::poll(Instant now) {
  for (;;) {
    const ssize_t n = ::read(tap_.fd(), buffer_.data(), buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) ++errors_;
      return;
    }
    if (n == 0) return;
    if (sink_ != nullptr) {
      sink_->on_wire_frame(wire::ByteSpan(buffer_.data(), static_cast<std::size_t>(n)), now);
    }
  }
}

CapturingPort::CapturingPort(std::unique_ptr<WirePort> inner, const std::string& path)
    : inner_(std::move(inner)), capture_(path) {
  inner_->attach(this);
}

void CapturingPort::transmit(wire::ByteSpan frame, Instant now) {
  capture_.write(frame, now);
  inner_->transmit(frame, now);
}

void CapturingPort::on_wire_frame(wire::ByteSpan frame, Instant now) {
  capture_.write(frame, now);
  if (sink_ != nullptr) sink_->on_wire_frame(frame, now);
}

PcapPort::PcapPort(const std::string& rx_path, const std::string& tx_path, Instant start) {
  if (!rx_path.empty()) frames_ = dev::read_pcap(rx_path);
  if (!frames_.empty()) {
    const Instant first = frames_.front().timestamp;
    for (auto& f : frames_) {
      // Captures are in file order; a timestamp that goes backwards is replayed
      // at once rather than reordered.
      f.timestamp = start + std::max(Duration{0}, f.timestamp - first);
    }
  }
  if (!tx_path.empty()) tx_ = std::make_unique<dev::PcapWriter>(tx_path);
}

PcapPort::~PcapPort() {
  if (tx_) tx_->flush();
}

void PcapPort::transmit(wire::ByteSpan frame, Instant now) {
  if (tx_) tx_->write(frame, now);
}

void PcapPort::poll(Instant now) {
  while (next_ < frames_.size() && frames_[next_].timestamp <= now) {
    const auto& f = frames_[next_++];
    if (sink_ != nullptr) sink_->on_wire_frame(f.bytes, f.timestamp);
  }
}

std::optional<Instant> PcapPort::next_event() const {
  if (next_ < frames_.size()) return frames_[next_].timestamp;
  return std::nullopt;
}

// --- the device -------------------------------------------------------------------

std::uint16_t SimDevice::queues() {
  return kQueues;
}

std::uint32_t SimDevice::table_latency() {
  return TANDEM_SIM_TABLE_LATENCY;
}

std::size_t SimDevice::rx_frame_limit() {
  return (TANDEM_SIM_RX_FRAME_FIFO_BEATS - 1) * std::size_t{kBeatBytes};
}

SimDevice::SimDevice(std::unique_ptr<WirePort> wire, const SimDeviceConfig& config)
    : wire_(std::move(wire)),
      config_(config),
      model_(std::make_unique<Model>(fst_path_for(config))),
      rx_rings_(kQueues) {
  if (!wire_) throw std::invalid_argument("SimDevice: no wire port");
  capabilities_.tx_ipv4_checksum = true;
  capabilities_.tx_l4_checksum = true;
  capabilities_.rx_checksum = true;
  capabilities_.tso_max_payload = contract::kTsoMaxPayload;
  capabilities_.lookup_capacity = TANDEM_SIM_LOOKUP_CAPACITY;
  capabilities_.queues = static_cast<std::uint16_t>(kQueues);
  capabilities_.mtu = 9000;
  wire_->attach(this);
}

SimDevice::SimDevice(Link& link, LinkEnd end, const SimDeviceConfig& config)
    : SimDevice(std::make_unique<LinkPort>(link, end), config) {}

SimDevice::~SimDevice() {
  wire_->attach(nullptr);
}

std::uint64_t SimDevice::cycles() const {
  return model_->cycles;
}

bool SimDevice::in_flight() const {
  return model_->busy();
}

SimDeviceStats SimDevice::stats() const {
  SimDeviceStats s;
  s.cycles = model_->cycles;
  s.tso_statuses = model_->tso_statuses;
  s.tx_unparsed_frames = model_->top->tx_unparsed_frames;
  s.tso_framing_errors = model_->top->tso_framing_errors;
  s.rx_parse_errors = model_->top->rx_parse_errors;
  s.rx_checksum_bad = model_->top->rx_checksum_bad;
  return s;
}

dev::TxStatus SimDevice::send_frame(std::uint16_t queue, dev::ByteSpan frame, std::uint8_t flags) {
  assert(queue < capabilities_.queues);
  // The descriptor checks the DMA engine makes before it fetches anything.
  if (frame.size() < kEthernetHeaderLen || frame.size() > kEthernetHeaderLen + capabilities_.mtu) {
    ++counters_.tx_refused;
    return dev::TxStatus::bad_length;
  }
  auto& q = model_->queues[queue];
  if (q.frame_cmds.size() >= config_.tx_ring_size) return dev::TxStatus::ring_full;
  keep_tx_order(TxKind::frame);
  q.frame_cmds.push_back(flags);
  append_beats(q.frame_beats, frame);
  return dev::TxStatus::ok;
}

dev::TxStatus SimDevice::send_tso(std::uint16_t queue, dev::ByteSpan header_template,
                                  std::span<const dev::ByteSpan> payload, std::uint16_t mss) {
  assert(queue < capabilities_.queues);
  std::size_t payload_length = 0;
  for (const auto piece : payload)
    payload_length += piece.size();
  // The job word carries 16-bit header and 32-bit payload lengths; everything
  // else about the job is tcp_segment's to judge.
  if (header_template.size() > 0xffff || payload_length > 0xffff'ffffu) {
    ++counters_.tx_refused;
    return dev::TxStatus::payload_too_large;
  }
  auto& q = model_->queues[queue];
  if (q.tso_cmds.size() >= config_.tx_ring_size) return dev::TxStatus::ring_full;
  keep_tx_order(TxKind::tso);
  const std::uint64_t word = header_template.size() | (std::uint64_t{mss} << 16) |
                             (static_cast<std::uint64_t>(payload_length) << 32);
  // Jobs answered before this one was posted are not this job's.
  const std::size_t earlier = q.tso_status.size();
  q.tso_cmds.push_back(word);
  append_beats(q.tso_header, header_template);
  // The DMA engine gathers the pieces into one stream of payload beats.
  std::vector<std::byte> gathered;
  gathered.reserve(payload_length);
  for (const auto piece : payload)
    gathered.insert(gathered.end(), piece.begin(), piece.end());
  append_beats(q.tso_payload, gathered);

  while (q.tso_status.size() <= earlier)
    step();
  const auto status = static_cast<dev::TxStatus>(q.tso_status[earlier]);
  q.tso_status.erase(q.tso_status.begin() + static_cast<std::ptrdiff_t>(earlier));
  if (status == dev::TxStatus::ok) {
    ++counters_.tx_tso_jobs;
  } else {
    ++counters_.tx_refused;
  }
  return status;
}

void SimDevice::keep_tx_order(TxKind kind) {
  // checksum_tx and tcp_segment run side by side and the merge takes whole
  // frames from whichever has one, so a plain frame posted after a job (or a
  // job after a frame) could reach the wire first. The host posts in order and
  // expects that order on the wire, so work of the other kind drains first.
  if (kind != last_tx_kind_ && model_->busy()) run_until_idle();
  last_tx_kind_ = kind;
}

void SimDevice::on_wire_frame(wire::ByteSpan frame, Instant now) {
  now_ = std::max(now_, now);
  append_beats(model_->rx_beats, frame);
}

void SimDevice::deliver_rx(std::uint16_t queue, const dev::RxMeta& meta,
                           std::vector<std::byte> frame) {
  auto& ring = rx_rings_.at(queue);
  if (ring.size() >= config_.rx_ring_size) {
    // A full C2H ring drops at the NIC, as a QDMA engine does, and says so.
    ++counters_.rx_dropped;
    return;
  }
  ring.push_back(Completion{meta, std::move(frame)});
}

std::size_t SimDevice::receive(std::uint16_t queue, std::size_t budget, dev::RxSink& sink) {
  assert(queue < capabilities_.queues);
  run_until_idle();
  auto& ring = rx_rings_.at(queue);
  std::size_t handed = 0;
  while (handed < budget && !ring.empty()) {
    // Pop first: the sink may send, and sending may deliver into this ring.
    const Completion c = std::move(ring.front());
    ring.pop_front();
    ++counters_.rx_frames;
    counters_.rx_bytes += c.frame.size();
    sink.on_receive(c.meta, c.frame);
    ++handed;
  }
  return handed;
}

bool SimDevice::submit_flow_command(const dev::FlowCommand& command) {
  if (flow_outstanding_ >= config_.flow_queue_depth) return false;
  // Frames that reached the NIC before the command are looked up before it
  // takes effect, as on a wire where they would have been through already.
  run_until_idle();
  model_->flow_cmds.push_back(pack_flow_command(command));
  ++flow_outstanding_;
  ++counters_.flow_commands;
  return true;
}

std::size_t SimDevice::poll_flow_completions(std::span<dev::FlowCompletion> out) {
  run_until_idle();
  std::size_t n = 0;
  while (n < out.size() && !flow_completions_.empty()) {
    out[n++] = flow_completions_.front();
    flow_completions_.pop_front();
  }
  return n;
}

void SimDevice::advance(Instant now) {
  now_ = std::max(now_, now);
  wire_->poll(now_);
  run_until_idle();
}

std::optional<Instant> SimDevice::next_event() const {
  if (model_->busy()) return now_;
  return wire_->next_event();
}

void SimDevice::set_table_latency(std::uint16_t cycles) {
  run_until_idle();
  model_->top->cfg_table_latency = cycles;
}

void SimDevice::step() {
  Model& m = *model_;
  Vnic_top& t = *m.top;
  Verilated::threadContextp(m.context.get());

  // Drive: every stream with a word waiting offers it, and keeps offering the
  // same word until it is taken.
  t.s_axis_rx_tvalid = !m.rx_beats.empty();
  if (!m.rx_beats.empty()) {
    const Beat& b = m.rx_beats.front();
    put_data(t.s_axis_rx_tdata, 0, b);
    t.s_axis_rx_tkeep = b.keep;
    t.s_axis_rx_tlast = b.last;
  }
  for (unsigned qi = 0; qi < kQueues; ++qi) {
    const auto& q = m.queues[qi];
    put_bits(t.s_axis_h2c_cmd_tvalid, qi, 1, !q.frame_cmds.empty());
    if (!q.frame_cmds.empty()) put_bits(t.s_axis_h2c_cmd_tdata, 8 * qi, 8, q.frame_cmds.front());
    put_bits(t.s_axis_h2c_tvalid, qi, 1, !q.frame_beats.empty());
    if (!q.frame_beats.empty()) {
      const Beat& b = q.frame_beats.front();
      put_data(t.s_axis_h2c_tdata, qi, b);
      put_bits(t.s_axis_h2c_tkeep, kBeatBytes * qi, kBeatBytes, b.keep);
      put_bits(t.s_axis_h2c_tlast, qi, 1, b.last);
    }
    put_bits(t.s_axis_tso_cmd_tvalid, qi, 1, !q.tso_cmds.empty());
    if (!q.tso_cmds.empty()) put_bits(t.s_axis_tso_cmd_tdata, 64 * qi, 64, q.tso_cmds.front());
    put_bits(t.s_axis_tso_header_tvalid, qi, 1, !q.tso_header.empty());
    if (!q.tso_header.empty()) {
      const Beat& b = q.tso_header.front();
      put_data(t.s_axis_tso_header_tdata, qi, b);
      put_bits(t.s_axis_tso_header_tkeep, kBeatBytes * qi, kBeatBytes, b.keep);
      put_bits(t.s_axis_tso_header_tlast, qi, 1, b.last);
    }
    put_bits(t.s_axis_tso_payload_tvalid, qi, 1, !q.tso_payload.empty());
    if (!q.tso_payload.empty()) {
      const Beat& b = q.tso_payload.front();
      put_data(t.s_axis_tso_payload_tdata, qi, b);
      put_bits(t.s_axis_tso_payload_tkeep, kBeatBytes * qi, kBeatBytes, b.keep);
      put_bits(t.s_axis_tso_payload_tlast, qi, 1, b.last);
    }
  }
  t.s_axis_flow_cmd_tvalid = !m.flow_cmds.empty();
  if (!m.flow_cmds.empty()) {
    for (unsigned w = 0; w < kFlowCmdWords; ++w)
      put_bits(t.s_axis_flow_cmd_tdata, 32 * w, 32, m.flow_cmds.front()[w]);
  }
  t.eval();

  // Sample the handshakes and what leaves, as the model shows them before the
  // edge they happen on.
  bool progress = false;
  const bool rx_fire = t.s_axis_rx_tvalid && t.s_axis_rx_tready;
  const bool flow_fire = t.s_axis_flow_cmd_tvalid && t.s_axis_flow_cmd_tready;
  std::array<bool, kQueues> cmd_fire{}, beat_fire{}, tso_cmd_fire{}, header_fire{}, payload_fire{};
  for (unsigned qi = 0; qi < kQueues; ++qi) {
    cmd_fire[qi] = get_bit(get_bits(t.s_axis_h2c_cmd_tvalid, 0, kQueues) &
                               get_bits(t.s_axis_h2c_cmd_tready, 0, kQueues),
                           qi);
    beat_fire[qi] = get_bit(
        get_bits(t.s_axis_h2c_tvalid, 0, kQueues) & get_bits(t.s_axis_h2c_tready, 0, kQueues), qi);
    tso_cmd_fire[qi] = get_bit(get_bits(t.s_axis_tso_cmd_tvalid, 0, kQueues) &
                                   get_bits(t.s_axis_tso_cmd_tready, 0, kQueues),
                               qi);
    header_fire[qi] = get_bit(get_bits(t.s_axis_tso_header_tvalid, 0, kQueues) &
                                  get_bits(t.s_axis_tso_header_tready, 0, kQueues),
                              qi);
    payload_fire[qi] = get_bit(get_bits(t.s_axis_tso_payload_tvalid, 0, kQueues) &
                                   get_bits(t.s_axis_tso_payload_tready, 0, kQueues),
                               qi);
  }
  bool tx_done = false;
  if (t.m_axis_tx_tvalid) {
    take_beat(t.m_axis_tx_tdata, t.m_axis_tx_tkeep, 0, m.tx_frame);
    tx_done = t.m_axis_tx_tlast != 0;
    progress = true;
  }
  std::array<bool, kQueues> rx_done{};
  const std::uint64_t c2h_valid = get_bits(t.m_axis_c2h_tvalid, 0, kQueues);
  const std::uint64_t meta_valid = get_bits(t.m_axis_c2h_meta_tvalid, 0, kQueues);
  const std::uint64_t status_valid = get_bits(t.m_axis_tso_status_tvalid, 0, kQueues);
  for (unsigned qi = 0; qi < kQueues; ++qi) {
    auto& q = m.queues[qi];
    if (get_bit(meta_valid, qi)) {
      contract::RxMetaWord w;
      for (unsigned lane = 0; lane < kMetaWords; ++lane) {
        w.lane[lane] = static_cast<std::uint32_t>(
            get_bits(t.m_axis_c2h_meta_tdata, contract::rx_meta_bits::kWidth * qi + 32 * lane, 32));
      }
      q.rx_meta.push_back(w);
      progress = true;
    }
    if (get_bit(c2h_valid, qi)) {
      take_beat(t.m_axis_c2h_tdata, t.m_axis_c2h_tkeep, qi, q.rx_frame);
      rx_done[qi] = get_bits(t.m_axis_c2h_tlast, qi, 1) != 0;
      progress = true;
    }
    if (get_bit(status_valid, qi)) {
      q.tso_status.push_back(
          static_cast<std::uint8_t>(get_bits(t.m_axis_tso_status_tdata, 8 * qi, 8)));
      ++m.tso_statuses;
      progress = true;
    }
  }
  std::optional<dev::FlowCompletion> flow_done;
  if (t.m_axis_flow_status_tvalid) {
    flow_done = unpack_flow_status(t.m_axis_flow_status_tdata);
    progress = true;
  }

  m.edge();
  ++m.cycles;

  // What was taken leaves the host-side queues.
  if (rx_fire) m.rx_beats.pop_front();
  if (flow_fire) m.flow_cmds.pop_front();
  for (unsigned qi = 0; qi < kQueues; ++qi) {
    auto& q = m.queues[qi];
    if (cmd_fire[qi]) q.frame_cmds.pop_front();
    if (beat_fire[qi]) q.frame_beats.pop_front();
    if (tso_cmd_fire[qi]) q.tso_cmds.pop_front();
    if (header_fire[qi]) q.tso_header.pop_front();
    if (payload_fire[qi]) q.tso_payload.pop_front();
    progress = progress || cmd_fire[qi] || beat_fire[qi] || tso_cmd_fire[qi] || header_fire[qi] ||
               payload_fire[qi];
  }
  progress = progress || rx_fire || flow_fire;

  if (tx_done) {
    ++counters_.tx_frames;
    counters_.tx_bytes += m.tx_frame.size();
    wire_->transmit(m.tx_frame, now_);
    m.tx_frame.clear();
  }
  for (unsigned qi = 0; qi < kQueues; ++qi) {
    auto& q = m.queues[qi];
    if (!rx_done[qi]) continue;
    if (q.rx_meta.empty())
      throw std::logic_error("SimDevice: nic_top ended a frame before its RxMeta");
    const dev::RxMeta meta = contract::unpack_rx_meta(q.rx_meta.front());
    q.rx_meta.pop_front();
    deliver_rx(static_cast<std::uint16_t>(qi), meta, std::move(q.rx_frame));
    q.rx_frame.clear();
  }
  if (flow_done) {
    flow_completions_.push_back(*flow_done);
    --flow_outstanding_;
  }

  m.stalled = progress ? 0 : m.stalled + 1;
  if (m.stalled > kStallCycles)
    throw std::logic_error("SimDevice: nic_top stopped making progress");
}

void SimDevice::run_until_idle() {
  while (model_->busy())
    step();
}

}  // namespace tandem::sim
