// SPDX-License-Identifier: Apache-2.0
#include "host/dev/dpdk/dpdk_device.hpp"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <charconv>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "hls/nic/nic_model.hpp"
#include "host/dev/dpdk/eal.hpp"
#include "host/wire/bytes.hpp"

namespace tandem::dev {

namespace {

namespace c = contract;

constexpr std::size_t kEthernetHeaderLen = 14;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeArp = 0x0806;
constexpr std::uint8_t kProtocolTcp = 6;
constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpPsh = 0x08;
constexpr std::uint8_t kTcpCwr = 0x80;
constexpr std::size_t kIpv4MaxTotalLength = 0xffff;
// Room for a VLAN tag past the MTU, as DPDK's own frame-size arithmetic allows.
constexpr std::size_t kFrameOverhead = kEthernetHeaderLen + 4;
constexpr std::uint16_t kMaxBurst = 256;

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

std::string describe(std::uint16_t port, const std::string& name, const std::string& driver) {
  return "DPDK port " + std::to_string(port) + " (" + name + ", driver " + driver + ")";
}

// What the port's checksum offloads need to know about a plain frame. Only a
// frame whose layout leaves no doubt goes to the port: untagged IPv4 with its
// header in the first piece for the IPv4 checksum; for the TCP/UDP checksum also
// not a fragment, the L4 header in the first piece, and nothing after the
// datagram but padding to the 60-byte minimum frame (a port sums everything
// after the L4 header, so that padding is left to the port, which adds it as
// every Ethernet MAC does). Everything else goes to checksum_tx, which applies
// the contract's own rules.
constexpr std::size_t kMinFrameLen = 60;

struct FrameLayout {
  std::uint8_t l3_len = 0;
  std::uint8_t protocol = 0;
  bool l4_offloadable = false;
  std::size_t datagram_end = 0;  // Ethernet header + IPv4 total length
};

std::optional<FrameLayout> offloadable_layout(ByteSpan headers, std::size_t frame_len) {
  if (headers.size() < kEthernetHeaderLen + 20) return std::nullopt;
  if (wire::load_be16(headers, 12) != kEtherTypeIpv4) return std::nullopt;
  const ByteSpan ip = headers.subspan(kEthernetHeaderLen);
  const std::uint8_t version_ihl = wire::load_u8(ip, 0);
  const std::size_t ihl = std::size_t{version_ihl & 0x0fu} * 4;
  if ((version_ihl >> 4) != 4 || ihl < 20 || ip.size() < ihl) return std::nullopt;
  const std::size_t total_len = wire::load_be16(ip, 2);
  if (total_len < ihl || kEthernetHeaderLen + total_len > frame_len) return std::nullopt;
  FrameLayout layout{static_cast<std::uint8_t>(ihl), wire::load_u8(ip, 9), false,
                     kEthernetHeaderLen + total_len};
  const bool padded_only = layout.datagram_end == frame_len || frame_len <= kMinFrameLen;
  if (!padded_only || (wire::load_be16(ip, 6) & 0x3fffu) != 0) return layout;
  if (layout.protocol == kProtocolTcp && ip.size() >= ihl + 20) {
    const std::size_t doff = (std::size_t{wire::load_u8(ip, ihl + 12)} >> 4) * 4;
    layout.l4_offloadable = doff >= 20 && ip.size() >= ihl + doff && total_len >= ihl + doff;
  } else if (layout.protocol == kProtocolUdp && ip.size() >= ihl + 8) {
    layout.l4_offloadable = wire::load_be16(ip, ihl + 4) == total_len - ihl;
  }
  return layout;
}

// The contract's TSO checks (hls/tcp_segment/tcp_segment.hpp), in its order, for
// jobs the port segments: the port would accept what the kernel refuses.
c::TxStatus check_tso_job(ByteSpan header, std::size_t payload_len, std::uint16_t mss) {
  if (mss == 0) return c::TxStatus::bad_mss;
  if (payload_len == 0 || payload_len > c::kTsoMaxPayload) return c::TxStatus::payload_too_large;
  if (header.size() < kEthernetHeaderLen + 20 + 20 ||
      wire::load_be16(header, 12) != kEtherTypeIpv4) {
    return c::TxStatus::bad_template;
  }
  const ByteSpan ip = header.subspan(kEthernetHeaderLen);
  const std::size_t ihl = std::size_t{wire::load_u8(ip, 0) & 0x0fu} * 4;
  if ((wire::load_u8(ip, 0) >> 4) != 4 || ihl < 20 || wire::load_u8(ip, 9) != kProtocolTcp ||
      ip.size() < ihl + 20) {
    return c::TxStatus::bad_template;
  }
  const std::size_t doff = (std::size_t{wire::load_u8(ip, ihl + 12)} >> 4) * 4;
  if (doff < 20 || header.size() != kEthernetHeaderLen + ihl + doff) {
    return c::TxStatus::bad_template;
  }
  if (ihl + doff + std::min<std::size_t>(mss, payload_len) > kIpv4MaxTotalLength) {
    return c::TxStatus::bad_mss;
  }
  return c::TxStatus::ok;
}

// The bytes [offset, offset + length) of a scatter-gather list, as pieces.
std::vector<ByteSpan> slice(std::span<const ByteSpan> pieces, std::size_t offset,
                            std::size_t length) {
  std::vector<ByteSpan> out;
  for (const ByteSpan piece : pieces) {
    if (length == 0) break;
    if (offset >= piece.size()) {
      offset -= piece.size();
      continue;
    }
    const std::size_t n = std::min(piece.size() - offset, length);
    out.push_back(piece.subspan(offset, n));
    length -= n;
    offset = 0;
  }
  return out;
}

std::size_t total_size(std::span<const ByteSpan> pieces) {
  std::size_t n = 0;
  for (const ByteSpan p : pieces)
    n += p.size();
  return n;
}

// Copies `pieces` into a new chain of mbufs; nullptr when the pool is dry.
rte_mbuf* copy_to_mbufs(rte_mempool* pool, std::span<const ByteSpan> pieces) {
  rte_mbuf* head = rte_pktmbuf_alloc(pool);
  if (head == nullptr) return nullptr;
  rte_mbuf* seg = head;
  for (const ByteSpan piece : pieces) {
    std::size_t done = 0;
    while (done < piece.size()) {
      if (rte_pktmbuf_tailroom(seg) == 0) {
        rte_mbuf* next = rte_pktmbuf_alloc(pool);
        if (next == nullptr) {
          rte_pktmbuf_free(head);
          return nullptr;
        }
        seg->next = next;
        seg = next;
        ++head->nb_segs;
      }
      const std::size_t n = std::min<std::size_t>(rte_pktmbuf_tailroom(seg), piece.size() - done);
      std::copy_n(piece.data() + done, n, rte_pktmbuf_mtod_offset(seg, std::byte*, seg->data_len));
      seg->data_len = static_cast<std::uint16_t>(seg->data_len + n);
      head->pkt_len += static_cast<std::uint32_t>(n);
      done += n;
    }
  }
  return head;
}

c::ChecksumStatus port_checksum_status(std::uint64_t flags, std::uint64_t good, std::uint64_t bad,
                                       std::uint64_t none, c::ChecksumStatus kernel) {
  // NONE: the checksum field is not final (a virtual port, the sender left it to
  // the NIC) but the port vouches for the data, which is what `good` means here.
  if (flags == good || flags == none) return c::ChecksumStatus::good;
  if (flags == bad) return c::ChecksumStatus::bad;
  return kernel;  // UNKNOWN: the kernel's verdict stands
}

struct FlowKeyHash {
  std::size_t operator()(const c::FlowKey4& k) const {
    std::uint64_t h = (std::uint64_t{k.remote_ip} << 32) ^ k.local_ip;
    h ^= (std::uint64_t{k.remote_port} << 16 | k.local_port) * 0x9e3779b97f4a7c15ull;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

std::atomic<unsigned> g_object_serial{0};

// DPDK names mempools and rings process-wide, in at most 26 characters.
std::string unique_name(const char* what, std::uint16_t port) {
  return std::string("tdm_") + what + std::to_string(port) + "_" +
         std::to_string(g_object_serial.fetch_add(1));
}

std::vector<std::uint16_t> all_ports() {
  std::vector<std::uint16_t> ports;
  for (std::uint64_t p = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER); p < RTE_MAX_ETHPORTS;
       p = rte_eth_find_next_owned_by(static_cast<std::uint16_t>(p + 1), RTE_ETH_DEV_NO_OWNER)) {
    ports.push_back(static_cast<std::uint16_t>(p));
  }
  return ports;
}

std::string port_names() {
  std::string names;
  for (const std::uint16_t p : all_ports()) {
    std::array<char, RTE_ETH_NAME_MAX_LEN> n{};
    rte_eth_dev_get_name_by_port(p, n.data());
    names += (names.empty() ? "" : ", ") + std::string(n.data());
  }
  return names.empty() ? "none" : names;
}

// A port by its name or its number.
std::uint16_t find_port(const std::string& wanted) {
  std::uint16_t id = 0;
  const auto [end, ec] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), id);
  const bool numeric = ec == std::errc{} && end == wanted.data() + wanted.size();
  if (!numeric && rte_eth_dev_get_port_by_name(wanted.c_str(), &id) != 0) id = RTE_MAX_ETHPORTS;
  if (id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(id)) {
    throw std::runtime_error("DPDK: no port \"" + wanted + "\" (ports: " + port_names() + ")");
  }
  return id;
}

bool wants_port(OffloadPolicy p) {
  return p != OffloadPolicy::software;
}

void require(bool available, OffloadPolicy policy, const std::string& port,
             std::string_view offload) {
  if (!available && policy == OffloadPolicy::require_port) {
    throw std::runtime_error(port + " does not offer " + std::string(offload) +
                             ", which the configuration requires");
  }
}

}  // namespace

// ---------------------------------------------------------------------------

struct DpdkDevice::Port {
  std::uint16_t id = 0;
  std::string name;
  std::string driver;
  std::string vdev_name;                  // the vdev we created, removed with the device
  std::vector<std::uint16_t> vdev_ports;  // the ports it made
  rte_mempool* pool = nullptr;
  std::uint16_t mtu = 1500;
  std::uint16_t rx_burst = 32;
  std::uint16_t hw_rx_queues = 1;
  // The largest segment, Ethernet header included, the port's TSO makes; the
  // most segments it makes of one job (0: no limit); the most mbufs a packet it
  // sends may span (0: no limit).
  std::size_t tso_frame_limit = 0;
  std::size_t tso_max_segments = 0;
  std::size_t tx_max_mbufs = 0;
  std::uint32_t data_room = 0;
  bool found = false;       // `id` names the port
  bool configured = false;  // we configured it, so we close it
  bool started = false;
  bool steering = false;  // software RSS: the pump moves frames to per-queue rings

  std::mutex rx_pump;  // software steering: who takes frames from the port
  std::atomic<std::uint64_t> steering_dropped{0};
  std::atomic<std::uint64_t> rss_hash_mismatch{0};

  std::mutex flow_mutex;
  std::deque<FlowCompletion> flow_completions;
  std::unordered_map<c::FlowKey4, rte_flow*, FlowKeyHash> flow_rules;
  std::uint64_t flow_commands = 0;
  std::uint64_t flow_rule_failures = 0;
  std::size_t flow_queue_depth = 64;

  std::mutex stats_mutex;
  std::uint64_t imissed = 0;
  std::uint64_t rx_nombuf = 0;

  ~Port() {
    if (started) rte_eth_dev_stop(id);
    for (auto& [key, flow] : flow_rules) {
      rte_flow_error error{};
      rte_flow_destroy(id, flow, &error);
    }
    // Closing releases the mbufs the port's rings still hold, so the pool goes
    // after it. The vdev's ports are closed before it is removed, as not every
    // driver's remove finds them (net_ring's does not).
    if (found && configured &&
        std::find(vdev_ports.begin(), vdev_ports.end(), id) == vdev_ports.end()) {
      rte_eth_dev_close(id);
    }
    for (const std::uint16_t p : vdev_ports)
      rte_eth_dev_close(p);
    if (!vdev_name.empty()) rte_eal_hotplug_remove("vdev", vdev_name.c_str());
    if (pool != nullptr) rte_mempool_free(pool);
  }
};

struct DpdkDevice::Queue {
  Queue(const Port& p, const DpdkPortOffloads& o, std::uint16_t i,
        const hls_kernels::NicModelConfig& nic)
      : port(p), offloads(o), index(i), engine(std::make_unique<hls_kernels::NicModel>(nic)) {}
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  enum class Sent : std::uint8_t { ok, ring_full, prepare_failed };

  // TX, with `mutex` held.
  bool flush_backlog();
  bool stage_frame(std::span<const ByteSpan> pieces, std::uint8_t flags, bool allow_port);
  bool stage_port_tso(ByteSpan header, std::span<const ByteSpan> payload, std::uint16_t mss);
  bool stage_kernel_tso(ByteSpan header, std::span<const ByteSpan> payload, std::uint16_t mss,
                        TxStatus& status);
  Sent transmit_staged();
  void drop_staged();
  void count_sent(std::size_t frames, std::size_t bytes);

  const Port& port;
  const DpdkPortOffloads& offloads;
  const std::uint16_t index;

  std::mutex mutex;  // the engine, the backlog, the counters and the port's TX queue
  std::unique_ptr<hls_kernels::NicModel> engine;
  std::deque<rte_mbuf*> backlog;
  std::atomic<std::size_t> backlog_size{0};
  std::vector<rte_mbuf*> staged;   // the frames of the descriptor being sent
  std::vector<std::byte> scratch;  // a frame gathered for the kernels
  std::vector<std::byte> gather;   // a received frame gathered from its mbufs
  rte_ring* steering = nullptr;    // software RSS: frames steered to this queue
  DeviceCounters counters;
  DpdkCounters extra;
};

DpdkDevice::Queue::~Queue() {
  drop_staged();
  for (rte_mbuf* m : backlog)
    rte_pktmbuf_free(m);
  if (steering != nullptr) {
    void* m = nullptr;
    while (rte_ring_dequeue(steering, &m) == 0)
      rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(steering);
  }
}

void DpdkDevice::Queue::drop_staged() {
  for (rte_mbuf* m : staged)
    rte_pktmbuf_free(m);
  staged.clear();
}

void DpdkDevice::Queue::count_sent(std::size_t frames, std::size_t bytes) {
  counters.tx_frames += frames;
  counters.tx_bytes += bytes;
}

bool DpdkDevice::Queue::flush_backlog() {
  std::array<rte_mbuf*, 64> burst{};
  while (!backlog.empty()) {
    const auto n = static_cast<std::uint16_t>(std::min(backlog.size(), burst.size()));
    std::copy_n(backlog.begin(), n, burst.begin());
    const std::uint16_t sent = rte_eth_tx_burst(port.id, index, burst.data(), n);
    backlog.erase(backlog.begin(), backlog.begin() + sent);
    if (sent < n) break;
  }
  backlog_size.store(backlog.size(), std::memory_order_relaxed);
  return backlog.empty();
}

bool DpdkDevice::Queue::stage_frame(std::span<const ByteSpan> pieces, std::uint8_t flags,
                                    bool allow_port) {
  const std::size_t length = total_size(pieces);
  std::uint8_t port_flags = 0;
  std::optional<FrameLayout> layout;
  if (allow_port && flags != 0 && !pieces.empty()) {
    layout = offloadable_layout(pieces[0], length);
    if (layout) {
      if ((flags & c::tx_flag::fill_ipv4_checksum) != 0 && offloads.tx_ipv4_checksum) {
        port_flags |= c::tx_flag::fill_ipv4_checksum;
      }
      const bool l4_offered =
          layout->l4_offloadable &&
          (layout->protocol == kProtocolTcp ? offloads.tx_tcp_checksum : offloads.tx_udp_checksum);
      if ((flags & c::tx_flag::fill_l4_checksum) != 0 && l4_offered) {
        port_flags |= c::tx_flag::fill_l4_checksum;
      }
    }
  }
  const auto kernel_flags = static_cast<std::uint8_t>(flags & ~port_flags);
  // Padding goes when the port sums the L4 segment (see offloadable_layout).
  std::vector<ByteSpan> trimmed;
  if ((port_flags & c::tx_flag::fill_l4_checksum) != 0 && layout->datagram_end < length) {
    trimmed = slice(pieces, 0, layout->datagram_end);
    pieces = trimmed;
  }
  rte_mbuf* m = nullptr;
  if (kernel_flags != 0) {
    ByteSpan frame = pieces.empty() ? ByteSpan{} : pieces[0];
    if (pieces.size() > 1) {
      scratch.clear();
      for (const ByteSpan p : pieces)
        scratch.insert(scratch.end(), p.begin(), p.end());
      frame = scratch;
    }
    // checksum_tx emits exactly one frame; the length was checked beforehand.
    const TxStatus status = engine->transmit_frame(frame, kernel_flags, [&](ByteSpan out) {
      const std::array<ByteSpan, 1> one{out};
      m = copy_to_mbufs(port.pool, one);
    });
    assert(status == TxStatus::ok);
    (void)status;
    ++extra.tx_software;
  } else {
    m = copy_to_mbufs(port.pool, pieces);
  }
  if (m == nullptr) return false;
  staged.push_back(m);
  if (port_flags != 0) {
    // The port fills what it is asked to from a zero field (the contract has the
    // host leave it zero; a caller that did not is not the port's problem).
    auto* bytes = rte_pktmbuf_mtod(m, std::byte*);
    const std::span<std::byte> headers(bytes, m->data_len);
    const std::size_t l4 = kEthernetHeaderLen + layout->l3_len;
    m->l2_len = kEthernetHeaderLen;
    m->l3_len = layout->l3_len;
    m->ol_flags |= RTE_MBUF_F_TX_IPV4;
    if ((port_flags & c::tx_flag::fill_ipv4_checksum) != 0) {
      wire::store_be16(headers, kEthernetHeaderLen + 10, 0);
      m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
    }
    if ((port_flags & c::tx_flag::fill_l4_checksum) != 0) {
      const bool tcp = layout->protocol == kProtocolTcp;
      wire::store_be16(headers, l4 + (tcp ? 16 : 6), 0);
      m->ol_flags |= tcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
    }
    ++extra.tx_port_offload;
  }
  return true;
}

bool DpdkDevice::Queue::stage_port_tso(ByteSpan header, std::span<const ByteSpan> payload,
                                       std::uint16_t mss) {
  constexpr std::uint8_t kBoth = c::tx_flag::fill_ipv4_checksum | c::tx_flag::fill_l4_checksum;
  const std::size_t payload_len = total_size(payload);
  const std::size_t ihl = std::size_t{wire::load_u8(header, kEthernetHeaderLen) & 0x0fu} * 4;
  const std::size_t l4 = kEthernetHeaderLen + ihl;
  const std::size_t doff = (std::size_t{wire::load_u8(header, l4 + 12)} >> 4) * 4;
  std::array<std::byte, c::kTsoMaxHeader> h{};
  std::copy(header.begin(), header.end(), h.begin());
  const std::span<std::byte> hdr(h.data(), header.size());
  // The template's checksum fields are whatever they are; every frame made from
  // it asks for both to be filled, which starts from zero.
  wire::store_be16(hdr, kEthernetHeaderLen + 10, 0);
  wire::store_be16(hdr, l4 + 16, 0);
  auto set_total_length = [&](std::size_t segment_payload) {
    wire::store_be16(
        hdr, kEthernetHeaderLen + 2,
        static_cast<std::uint16_t>(std::min(kIpv4MaxTotalLength, ihl + doff + segment_payload)));
  };
  auto set_flags = [&](std::uint8_t flags) { wire::store_u8(hdr, l4 + 13, flags); };
  const std::uint8_t flags = wire::load_u8(header, l4 + 13);

  std::size_t offset = 0;
  if (payload_len > mss && (flags & kTcpCwr) != 0) {
    // The contract wants CWR on the first segment only; ports differ (DPDK's own
    // GSO keeps it on all). So the first segment goes as a frame of its own and
    // the port segments the rest, which carries no CWR.
    set_total_length(mss);
    set_flags(static_cast<std::uint8_t>(flags & ~(kTcpFin | kTcpPsh)));
    auto first = slice(payload, 0, mss);
    first.insert(first.begin(), ByteSpan(hdr));
    if (!stage_frame(first, kBoth, true)) return false;
    set_flags(static_cast<std::uint8_t>(flags & ~kTcpCwr));
    wire::store_be32(hdr, l4 + 4, wire::load_be32(hdr, l4 + 4) + mss);
    wire::store_be16(hdr, kEthernetHeaderLen + 4,
                     static_cast<std::uint16_t>(wire::load_be16(hdr, kEthernetHeaderLen + 4) + 1));
    offset = mss;
  }
  const std::size_t rest = payload_len - offset;
  set_total_length(rest);
  auto pieces = slice(payload, offset, rest);
  pieces.insert(pieces.begin(), ByteSpan(hdr));
  if (rest <= mss) return stage_frame(pieces, kBoth, true);  // one segment: a plain frame

  rte_mbuf* m = copy_to_mbufs(port.pool, pieces);
  if (m == nullptr) return false;
  m->l2_len = kEthernetHeaderLen;
  m->l3_len = ihl;
  m->l4_len = doff;
  m->tso_segsz = mss;
  m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
  staged.push_back(m);
  ++extra.tx_port_offload;
  return true;
}

bool DpdkDevice::Queue::stage_kernel_tso(ByteSpan header, std::span<const ByteSpan> payload,
                                         std::uint16_t mss, TxStatus& status) {
  bool dry = false;
  status = engine->transmit_tso(header, payload, mss, [&](ByteSpan out) {
    if (dry) return;
    const std::array<ByteSpan, 1> one{out};
    rte_mbuf* m = copy_to_mbufs(port.pool, one);
    if (m == nullptr) {
      dry = true;
    } else {
      staged.push_back(m);
    }
  });
  ++extra.tx_software;
  return !dry;
}

DpdkDevice::Queue::Sent DpdkDevice::Queue::transmit_staged() {
  const auto n = static_cast<std::uint16_t>(staged.size());
  const bool offloaded = std::any_of(staged.begin(), staged.end(), [](const rte_mbuf* m) {
    return (m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK) != 0;
  });
  // Some drivers want the pseudo-header sum in the L4 checksum field, or other
  // fix-ups; tx_prepare is where each driver does its own.
  if (offloaded && rte_eth_tx_prepare(port.id, index, staged.data(), n) != n) {
    drop_staged();
    return Sent::prepare_failed;
  }
  const std::uint16_t sent = rte_eth_tx_burst(port.id, index, staged.data(), n);
  if (sent == 0) {
    drop_staged();
    return Sent::ring_full;
  }
  // Part of the descriptor is out: the rest must follow, so the device keeps it.
  backlog.insert(backlog.end(), staged.begin() + sent, staged.end());
  extra.tx_backlogged += n - sent;
  backlog_size.store(backlog.size(), std::memory_order_relaxed);
  staged.clear();
  return Sent::ok;
}

// ---------------------------------------------------------------------------
// One core's view of the device

class DpdkDevice::QueuePort final : public Device {
 public:
  QueuePort(DpdkDevice& device, std::uint16_t queue) : device_(device), queue_(queue) {}

  const Capabilities& capabilities() const override { return device_.capabilities(); }
  TxStatus send_frame(std::uint16_t queue, ByteSpan frame, std::uint8_t flags) override {
    assert(queue == queue_);
    return device_.send_frame(queue, frame, flags);
  }
  TxStatus send_tso(std::uint16_t queue, ByteSpan header_template,
                    std::span<const ByteSpan> payload, std::uint16_t mss) override {
    assert(queue == queue_);
    return device_.send_tso(queue, header_template, payload, mss);
  }
  std::size_t receive(std::uint16_t queue, std::size_t budget, RxSink& sink) override {
    assert(queue == queue_);
    return device_.receive(queue, budget, sink);
  }
  bool submit_flow_command(const FlowCommand& command) override {
    return device_.submit_flow_command(command, completions_);
  }
  std::size_t poll_flow_completions(std::span<FlowCompletion> out) override {
    std::size_t n = 0;
    while (n < out.size() && !completions_.empty()) {
      out[n++] = completions_.front();
      completions_.pop_front();
    }
    return n;
  }
  void advance(Instant now) override {
    now_ = std::max(now_, now);
    device_.advance_queue(queue_, now);
  }
  std::optional<Instant> next_event() const override {
    if (device_.queues_[queue_]->backlog_size.load(std::memory_order_relaxed) != 0) return now_;
    return std::nullopt;
  }
  const DeviceCounters& counters() const override {
    Queue& q = *device_.queues_[queue_];
    const std::lock_guard lock(q.mutex);
    snapshot_ = q.counters;
    return snapshot_;
  }

 private:
  DpdkDevice& device_;
  std::uint16_t queue_;
  std::deque<FlowCompletion> completions_;  // only this port's thread touches them
  Instant now_{};
  mutable DeviceCounters snapshot_;
};

Device& DpdkDevice::queue_port(std::uint16_t queue) {
  if (queue >= ports_.size()) throw std::out_of_range("DpdkDevice::queue_port: no such queue");
  return *ports_[queue];
}

// ---------------------------------------------------------------------------
// Setup

DpdkDevice::DpdkDevice(const DpdkDeviceConfig& config) : port_(std::make_unique<Port>()) {
  if (config.queues == 0) throw std::invalid_argument("DpdkDevice: queues must be at least 1");
  if (config.rx_burst == 0 || config.rx_burst > kMaxBurst) {
    throw std::invalid_argument("DpdkDevice: rx_burst must be 1.." + std::to_string(kMaxBurst));
  }
  if (config.rss_key.size() < wire::kRssIpv4L4InputLen + 4) {
    throw std::invalid_argument("DpdkDevice: the RSS key must be at least 16 bytes");
  }
  if (config.queues > 1 && !std::has_single_bit(config.steering_ring_size)) {
    throw std::invalid_argument("DpdkDevice: steering_ring_size must be a power of 2");
  }
  if (config.queues > 1 && config.software_reta_size < config.queues) {
    throw std::invalid_argument("DpdkDevice: software_reta_size must be at least queues");
  }
  Port& port = *port_;
  port.rx_burst = config.rx_burst;
  port.flow_queue_depth = config.flow_queue_depth;

  DpdkEal::init(config.eal_args);

  // --- the port ---------------------------------------------------------------
  if (!config.vdev.empty()) {
    const std::string name = config.vdev.substr(0, config.vdev.find(','));
    if (rte_dev_probe(config.vdev.c_str()) < 0) {
      fail(rte_errno, "DPDK: cannot create virtual device \"" + config.vdev + "\"");
    }
    port.vdev_name = name;
    // A vdev's port is not always named after it (net_ring names it after its
    // ring), so its ports are found by their device.
    for (const std::uint16_t p : all_ports()) {
      rte_eth_dev_info info{};
      if (rte_eth_dev_info_get(p, &info) == 0 && info.device != nullptr &&
          name == rte_dev_name(info.device)) {
        port.vdev_ports.push_back(p);
      }
    }
  }
  if (!config.port.empty()) {
    port.id = find_port(config.port);
  } else if (!port.vdev_name.empty()) {
    if (port.vdev_ports.empty()) {
      throw std::runtime_error("DPDK: virtual device \"" + config.vdev + "\" made no port");
    }
    port.id = port.vdev_ports.front();
  } else {
    const auto ports = all_ports();
    if (ports.size() != 1) {
      throw std::runtime_error("DPDK: " + std::to_string(ports.size()) + " ports available (" +
                               port_names() + "); name the one to use");
    }
    port.id = ports[0];
  }
  port.found = true;
  {
    std::array<char, RTE_ETH_NAME_MAX_LEN> n{};
    rte_eth_dev_get_name_by_port(port.id, n.data());
    port.name = n.data();
  }
  rte_eth_dev_info info{};
  if (const int rc = rte_eth_dev_info_get(port.id, &info); rc != 0) {
    fail(-rc, "DPDK: cannot query port " + port.name);
  }
  port.driver = info.driver_name != nullptr ? info.driver_name : "?";
  const std::string what = describe(port.id, port.name, port.driver);

  // --- which functions the port carries -----------------------------------------
  const auto& pol = config.offloads;
  const std::uint64_t tx_capa = info.tx_offload_capa;
  const std::uint64_t rx_capa = info.rx_offload_capa;
  const bool has_ipv4 = (tx_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
  const bool has_tcp = (tx_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0;
  const bool has_udp = (tx_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
  require(has_ipv4 && has_tcp && has_udp, pol.tx_checksum, what,
          "IPv4/TCP/UDP checksum insertion (RTE_ETH_TX_OFFLOAD_*_CKSUM)");
  offloads_.tx_ipv4_checksum = has_ipv4 && wants_port(pol.tx_checksum);
  offloads_.tx_tcp_checksum = has_tcp && wants_port(pol.tx_checksum);
  offloads_.tx_udp_checksum = has_udp && wants_port(pol.tx_checksum);
  // A TSO job spans mbufs, so the port must take chains; the split-off first
  // segment and the single-segment jobs need the checksum offloads as well.
  const bool has_tso = (tx_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) != 0 &&
                       (tx_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0 && has_ipv4 && has_tcp;
  require(has_tso, pol.tso, what,
          "TCP segmentation (RTE_ETH_TX_OFFLOAD_TCP_TSO with MULTI_SEGS and checksums)");
  offloads_.tso = has_tso && wants_port(pol.tso);
  constexpr std::uint64_t kRxChecksums =
      RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
  const bool has_rx_checksum = (rx_capa & kRxChecksums) == kRxChecksums;
  require(has_rx_checksum, pol.rx_checksum, what,
          "RX checksum verification (RTE_ETH_RX_OFFLOAD_IPV4/TCP/UDP_CKSUM)");
  offloads_.rx_checksum = has_rx_checksum && wants_port(pol.rx_checksum);

  constexpr std::uint64_t kRssTypes = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 |
                                      RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
                                      RTE_ETH_RSS_NONFRAG_IPV4_OTHER;
  const bool has_rss = info.reta_size > 0 && info.max_rx_queues >= config.queues &&
                       (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0 &&
                       (info.flow_type_rss_offloads & RTE_ETH_RSS_IPV4) != 0;
  if (config.queues > 1) {
    require(has_rss, pol.rss, what,
            "RSS over " + std::to_string(config.queues) + " RX queues with a redirection table");
    offloads_.rss = has_rss && wants_port(pol.rss);
  }
  port.steering = config.queues > 1 && !offloads_.rss;
  // Without RSS the port's own spreading (a kernel hash on net_tap and
  // net_af_packet, TX queue i looping to RX queue i on net_ring) is undone: the
  // pump takes from every RX queue and steers by Toeplitz.
  port.hw_rx_queues = std::min(config.queues, std::max<std::uint16_t>(info.max_rx_queues, 1));
  if (info.max_tx_queues < config.queues) {
    throw std::runtime_error(what + " has " + std::to_string(info.max_tx_queues) + " TX queues; " +
                             std::to_string(config.queues) + " were asked for (one per core)");
  }

  // --- configure -----------------------------------------------------------------
  rte_eth_conf conf{};
  if (offloads_.tx_ipv4_checksum) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
  if (offloads_.tx_tcp_checksum) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
  if (offloads_.tx_udp_checksum) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
  if (offloads_.tso) {
    // Segmentation fills both checksums of every segment, whatever the policy
    // for plain frames.
    conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
                            RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
  }
  if (offloads_.rx_checksum) conf.rxmode.offloads |= kRxChecksums;
  std::vector<std::uint8_t> port_key;
  if (offloads_.rss) {
    port_key = config.rss_key;
    // Bytes past the first 40 take no part in an IPv4 hash; a port with a
    // longer key (52 bytes on some) gets the standard key zero-padded.
    if (info.hash_key_size != 0) port_key.resize(info.hash_key_size, 0);
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = port_key.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<std::uint8_t>(port_key.size());
    conf.rx_adv_conf.rss_conf.rss_hf = kRssTypes & info.flow_type_rss_offloads;
    if ((rx_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH) != 0) {
      conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
    }
  }
  if (config.mtu != 0) {
    if (config.mtu < info.min_mtu || config.mtu > info.max_mtu) {
      throw std::runtime_error(what + " takes MTUs " + std::to_string(info.min_mtu) + ".." +
                               std::to_string(info.max_mtu) + ", not " +
                               std::to_string(config.mtu));
    }
    conf.rxmode.mtu = config.mtu;
  }
  if (const int rc = rte_eth_dev_configure(port.id, port.hw_rx_queues, config.queues, &conf);
      rc != 0) {
    fail(-rc, "DPDK: cannot configure " + what + " with " + std::to_string(port.hw_rx_queues) +
                  " RX and " + std::to_string(config.queues) + " TX queues");
  }
  port.configured = true;
  if (rte_eth_dev_get_mtu(port.id, &port.mtu) != 0) port.mtu = RTE_ETHER_MTU;
  if (config.mtu != 0 && port.mtu != config.mtu) {
    if (const int rc = rte_eth_dev_set_mtu(port.id, config.mtu); rc != 0) {
      fail(-rc, "DPDK: cannot set the MTU of " + what + " to " + std::to_string(config.mtu));
    }
    port.mtu = config.mtu;
  }

  // An IPv4 packet of the MTU, as NICs segment. net_tap's TSO (DPDK's GSO
  // library in software) refuses segments whose whole frame exceeds the MTU.
  // It also makes at most 64 segments of a job (MAX_GSO_MBUFS).
  const bool gso_in_tap = port.driver == "net_tap";
  port.tso_frame_limit = port.mtu + (gso_in_tap ? 0 : kEthernetHeaderLen);
  port.tso_max_segments = gso_in_tap ? 64 : 0;
  port.tx_max_mbufs = std::min(info.tx_desc_lim.nb_seg_max, info.tx_desc_lim.nb_mtu_seg_max);

  std::uint16_t rx_desc = config.rx_descriptors;
  std::uint16_t tx_desc = config.tx_descriptors;
  if (const int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port.id, &rx_desc, &tx_desc); rc != 0) {
    fail(-rc, "DPDK: " + what + " rejects the ring sizes");
  }

  // --- the mbuf pool ---------------------------------------------------------------
  // Every mbuf holds a whole frame of the MTU, so only TSO jobs need chains.
  const std::uint32_t data_room = port.data_room = std::max<std::uint32_t>(
      RTE_MBUF_DEFAULT_DATAROOM, static_cast<std::uint32_t>(port.mtu + kFrameOverhead));
  std::uint32_t mbufs = config.mbufs;
  if (mbufs == 0) {
    const std::uint32_t per_queue = tx_desc + 2u * config.rx_burst +
                                    (port.steering ? config.steering_ring_size : 0u) +
                                    (c::kTsoMaxPayload / 1024 + 8);
    const std::uint32_t wanted_mbufs =
        std::uint32_t{port.hw_rx_queues} * rx_desc + std::uint32_t{config.queues} * per_queue;
    mbufs = std::bit_ceil(wanted_mbufs + 512) - 1;  // 2^n - 1 suits the mempool best
  }
  const unsigned cache = std::min(256u, mbufs / 8);
  int socket = rte_eth_dev_socket_id(port.id);
  if (socket < 0) socket = static_cast<int>(rte_socket_id());
  port.pool =
      rte_pktmbuf_pool_create(unique_name("mb", port.id).c_str(), mbufs, cache, 0,
                              static_cast<std::uint16_t>(data_room + RTE_PKTMBUF_HEADROOM), socket);
  if (port.pool == nullptr) {
    fail(rte_errno, "DPDK: cannot allocate a pool of " + std::to_string(mbufs) + " mbufs of " +
                        std::to_string(data_room) + " bytes for " + what +
                        " (is the EAL's memory, -m or hugepages, large enough?)");
  }

  for (std::uint16_t q = 0; q < port.hw_rx_queues; ++q) {
    if (const int rc = rte_eth_rx_queue_setup(port.id, q, rx_desc, static_cast<unsigned>(socket),
                                              nullptr, port.pool);
        rc != 0) {
      fail(-rc, "DPDK: cannot set up RX queue " + std::to_string(q) + " of " + what);
    }
  }
  for (std::uint16_t q = 0; q < config.queues; ++q) {
    if (const int rc =
            rte_eth_tx_queue_setup(port.id, q, tx_desc, static_cast<unsigned>(socket), nullptr);
        rc != 0) {
      fail(-rc, "DPDK: cannot set up TX queue " + std::to_string(q) + " of " + what);
    }
  }
  if (const int rc = rte_eth_dev_start(port.id); rc != 0) {
    fail(-rc, "DPDK: cannot start " + what);
  }
  port.started = true;
  if (config.promiscuous) {
    if (const int rc = rte_eth_promiscuous_enable(port.id); rc != 0) {
      fail(-rc, "DPDK: cannot make " + what + " promiscuous");
    }
  }

  // --- steering --------------------------------------------------------------------
  if (offloads_.rss) {
    // Program the table a driver would by default, then read back what the port
    // applies: that, not what was asked, is what pick_source_port must use.
    std::vector<rte_eth_rss_reta_entry64> reta((info.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) /
                                               RTE_ETH_RETA_GROUP_SIZE);
    for (std::size_t i = 0; i < info.reta_size; ++i) {
      auto& group = reta[i / RTE_ETH_RETA_GROUP_SIZE];
      group.mask |= std::uint64_t{1} << (i % RTE_ETH_RETA_GROUP_SIZE);
      group.reta[i % RTE_ETH_RETA_GROUP_SIZE] = static_cast<std::uint16_t>(i % config.queues);
    }
    rte_eth_dev_rss_reta_update(port.id, reta.data(), info.reta_size);
    for (auto& group : reta)
      group.mask = ~std::uint64_t{0};
    rss_.reta.assign(info.reta_size, 0);
    if (rte_eth_dev_rss_reta_query(port.id, reta.data(), info.reta_size) == 0) {
      for (std::size_t i = 0; i < info.reta_size; ++i)
        rss_.reta[i] = reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
    } else {
      rss_ = wire::RssConfig::spread(config.queues, info.reta_size);
    }
    std::vector<std::uint8_t> key(std::max<std::size_t>(port_key.size(), 64), 0);
    rte_eth_rss_conf rss_conf{};
    rss_conf.rss_key = key.data();
    rss_conf.rss_key_len = static_cast<std::uint8_t>(key.size());
    if (rte_eth_dev_rss_hash_conf_get(port.id, &rss_conf) == 0 && rss_conf.rss_key_len != 0) {
      key.resize(rss_conf.rss_key_len);
      rss_.key = key;
    } else {
      rss_.key = port_key;
    }
  } else {
    rss_.key = config.rss_key;
    rss_.reta = config.queues > 1
                    ? wire::RssConfig::spread(config.queues, config.software_reta_size).reta
                    : std::vector<std::uint16_t>{0};
  }

  // --- connection lookup through rte_flow MARK ----------------------------------------
  if (wants_port(pol.flow_lookup)) {
    rte_flow_attr attr{};
    attr.ingress = 1;
    rte_flow_item_ipv4 ip_spec{};
    rte_flow_item_ipv4 ip_mask{};
    ip_spec.hdr.src_addr = rte_cpu_to_be_32(0x0a000001);
    ip_spec.hdr.dst_addr = rte_cpu_to_be_32(0x0a000002);
    ip_mask.hdr.src_addr = ~0u;
    ip_mask.hdr.dst_addr = ~0u;
    rte_flow_item_tcp tcp_spec{};
    rte_flow_item_tcp tcp_mask{};
    tcp_spec.hdr.src_port = rte_cpu_to_be_16(1);
    tcp_spec.hdr.dst_port = rte_cpu_to_be_16(2);
    tcp_mask.hdr.src_port = 0xffff;
    tcp_mask.hdr.dst_port = 0xffff;
    const std::array<rte_flow_item, 4> pattern{{
        {RTE_FLOW_ITEM_TYPE_ETH, nullptr, nullptr, nullptr},
        {RTE_FLOW_ITEM_TYPE_IPV4, &ip_spec, nullptr, &ip_mask},
        {RTE_FLOW_ITEM_TYPE_TCP, &tcp_spec, nullptr, &tcp_mask},
        {RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr, nullptr},
    }};
    rte_flow_action_mark mark{};
    rte_flow_action_queue to_queue{};
    const std::array<rte_flow_action, 3> actions{{
        {RTE_FLOW_ACTION_TYPE_MARK, &mark},
        {RTE_FLOW_ACTION_TYPE_QUEUE, &to_queue},
        {RTE_FLOW_ACTION_TYPE_END, nullptr},
    }};
    rte_flow_error error{};
    offloads_.flow_lookup =
        rte_flow_validate(port.id, &attr, pattern.data(), actions.data(), &error) == 0;
  }
  require(offloads_.flow_lookup, pol.flow_lookup, what,
          "flow tagging (rte_flow MARK on an IPv4/TCP 4-tuple)");

  // --- one set of NIC kernels per queue ------------------------------------------------
  hls_kernels::NicModelConfig nic;
  nic.mtu = port.mtu;
  for (std::uint16_t q = 0; q < config.queues; ++q) {
    auto queue = std::make_unique<Queue>(port, offloads_, q, nic);
    if (port.steering) {
      queue->steering = rte_ring_create(unique_name("rx", port.id).c_str(),
                                        config.steering_ring_size, socket, RING_F_SC_DEQ);
      if (queue->steering == nullptr) {
        fail(rte_errno, "DPDK: cannot allocate the steering ring of queue " + std::to_string(q) +
                            " of " + what);
      }
    }
    queues_.push_back(std::move(queue));
  }

  capabilities_.tx_ipv4_checksum = true;
  capabilities_.tx_l4_checksum = true;
  capabilities_.rx_checksum = true;
  capabilities_.tso_max_payload = c::kTsoMaxPayload;
  capabilities_.lookup_capacity = hls_kernels::kNicLookupCapacity;
  capabilities_.queues = config.queues;
  capabilities_.mtu = port.mtu;
  for (std::uint16_t q = 0; q < config.queues; ++q)
    ports_.push_back(std::make_unique<QueuePort>(*this, q));
}

DpdkDevice::~DpdkDevice() {
  ports_.clear();
  // The queues give their mbufs back before the port frees the pool.
  queues_.clear();
  port_.reset();
}

wire::MacAddress DpdkDevice::mac_address() const {
  rte_ether_addr addr{};
  rte_eth_macaddr_get(port_->id, &addr);
  wire::MacAddress mac;
  std::copy_n(addr.addr_bytes, mac.octets.size(), mac.octets.begin());
  return mac;
}

std::uint16_t DpdkDevice::port_id() const {
  return port_->id;
}
const std::string& DpdkDevice::port_name() const {
  return port_->name;
}
const std::string& DpdkDevice::driver_name() const {
  return port_->driver;
}

std::uint16_t DpdkDevice::queue_of(const c::FlowKey4& key) const {
  // The NIC hashes what it receives: the remote end is the source.
  return rss_.queue_of(wire::rss_hash_ipv4_l4(rss_.key, {key.remote_ip}, {key.local_ip},
                                              key.remote_port, key.local_port));
}

// ---------------------------------------------------------------------------
// TX

TxStatus DpdkDevice::send_frame(std::uint16_t queue, ByteSpan frame, std::uint8_t flags) {
  assert(queue < queues_.size());
  Queue& q = *queues_[queue];
  const std::lock_guard lock(q.mutex);
  if (frame.size() < kEthernetHeaderLen || frame.size() > kEthernetHeaderLen + port_->mtu) {
    ++q.counters.tx_refused;
    return TxStatus::bad_length;
  }
  if (!q.flush_backlog()) {
    ++q.extra.tx_ring_full;
    return TxStatus::ring_full;
  }
  const std::array<ByteSpan, 1> pieces{frame};
  for (const bool allow_port : {true, false}) {
    if (!q.stage_frame(pieces, flags, allow_port)) {
      q.drop_staged();
      ++q.extra.tx_no_mbuf;
      return TxStatus::ring_full;
    }
    switch (q.transmit_staged()) {
      case Queue::Sent::ok:
        q.count_sent(1, frame.size());
        return TxStatus::ok;
      case Queue::Sent::ring_full:
        ++q.extra.tx_ring_full;
        return TxStatus::ring_full;
      case Queue::Sent::prepare_failed:
        ++q.extra.tx_prepare_failed;
        break;  // again, all in software
    }
  }
  // A frame without port offloads needs no preparation.
  assert(false);
  return TxStatus::ring_full;
}

TxStatus DpdkDevice::send_tso(std::uint16_t queue, ByteSpan header_template,
                              std::span<const ByteSpan> payload, std::uint16_t mss) {
  assert(queue < queues_.size());
  Queue& q = *queues_[queue];
  const std::lock_guard lock(q.mutex);
  const std::size_t payload_len = total_size(payload);
  // The port takes the job if its segments fit what it segments (a job it
  // refused would sit at the head of the ring for ever); tcp_segment takes the
  // rest, whatever the MSS.
  const Port& port = *port_;
  const std::size_t segments = mss == 0 ? 0 : (payload_len + mss - 1) / mss;
  const std::size_t mbufs = (header_template.size() + payload_len) / port.data_room + 1;
  const bool on_port =
      offloads_.tso &&
      header_template.size() + std::min<std::size_t>(mss, payload_len) <= port.tso_frame_limit &&
      (port.tso_max_segments == 0 || segments <= port.tso_max_segments) &&
      (port.tx_max_mbufs == 0 || mbufs <= port.tx_max_mbufs);
  if (on_port) {
    // The port would segment what the contract refuses; tcp_segment checks for
    // itself.
    if (const TxStatus status = check_tso_job(header_template, payload_len, mss);
        status != TxStatus::ok) {
      ++q.counters.tx_refused;
      return status;
    }
  }
  if (!q.flush_backlog()) {
    ++q.extra.tx_ring_full;
    return TxStatus::ring_full;
  }
  for (const bool allow_port : {on_port, false}) {
    TxStatus status = TxStatus::ok;
    const bool staged = allow_port ? q.stage_port_tso(header_template, payload, mss)
                                   : q.stage_kernel_tso(header_template, payload, mss, status);
    if (status != TxStatus::ok) {
      q.drop_staged();
      ++q.counters.tx_refused;
      return status;
    }
    if (!staged) {
      q.drop_staged();
      ++q.extra.tx_no_mbuf;
      return TxStatus::ring_full;
    }
    switch (q.transmit_staged()) {
      case Queue::Sent::ok: {
        ++q.counters.tx_tso_jobs;
        q.count_sent(segments, segments * header_template.size() + payload_len);
        return TxStatus::ok;
      }
      case Queue::Sent::ring_full:
        ++q.extra.tx_ring_full;
        return TxStatus::ring_full;
      case Queue::Sent::prepare_failed:
        ++q.extra.tx_prepare_failed;
        if (!allow_port) return TxStatus::ring_full;  // cannot happen: no offloads asked
        break;
    }
  }
  return TxStatus::ring_full;
}

// ---------------------------------------------------------------------------
// RX

namespace {

// Frees the mbufs of a burst that were not handed on, should a sink throw.
class BurstGuard {
 public:
  BurstGuard(rte_mbuf** mbufs, std::uint16_t n) : mbufs_(mbufs), n_(n) {}
  ~BurstGuard() {
    for (std::uint16_t i = next_; i < n_; ++i)
      rte_pktmbuf_free(mbufs_[i]);
  }
  BurstGuard(const BurstGuard&) = delete;
  BurstGuard& operator=(const BurstGuard&) = delete;
  void done(std::uint16_t i) { next_ = static_cast<std::uint16_t>(i + 1); }

 private:
  rte_mbuf** mbufs_;
  std::uint16_t n_;
  std::uint16_t next_ = 0;
};

}  // namespace

std::size_t DpdkDevice::receive(std::uint16_t queue, std::size_t budget, RxSink& sink) {
  assert(queue < queues_.size());
  Queue& q = *queues_[queue];
  {
    // A host that only polls still gets its backlog out.
    const std::lock_guard lock(q.mutex);
    q.flush_backlog();
  }
  Port& port = *port_;
  std::array<rte_mbuf*, kMaxBurst> burst{};
  std::size_t handed = 0;
  while (handed < budget) {
    const auto want =
        static_cast<std::uint16_t>(std::min<std::size_t>(budget - handed, port.rx_burst));
    std::uint16_t n = 0;
    if (port.steering) {
      pump_steering();
      n = static_cast<std::uint16_t>(rte_ring_dequeue_burst(
          q.steering, reinterpret_cast<void**>(burst.data()), want, nullptr));
    } else {
      n = rte_eth_rx_burst(port.id, queue, burst.data(), want);
    }
    if (n == 0) break;
    BurstGuard guard(burst.data(), n);
    for (std::uint16_t i = 0; i < n; ++i) {
      deliver(q, burst[i], sink);
      rte_pktmbuf_free(burst[i]);
      guard.done(i);
    }
    handed += n;
    if (n < want) break;
  }
  return handed;
}

void DpdkDevice::steer(rte_ring* ring, rte_mbuf* m) {
  if (rte_ring_enqueue(ring, m) != 0) {
    rte_pktmbuf_free(m);
    port_->steering_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void DpdkDevice::pump_steering() {
  Port& port = *port_;
  const std::unique_lock lock(port.rx_pump, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another queue's thread is at it
  std::array<rte_mbuf*, kMaxBurst> burst{};
  for (std::uint16_t hw = 0; hw < port.hw_rx_queues; ++hw) {
    const std::uint16_t n = rte_eth_rx_burst(port.id, hw, burst.data(), port.rx_burst);
    for (std::uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = burst[i];
      const ByteSpan head(rte_pktmbuf_mtod(m, const std::byte*), m->data_len);
      m->hash.rss = wire::rss_hash_of_frame(rss_.key, head);
      if (head.size() >= kEthernetHeaderLen && wire::load_be16(head, 12) == kEtherTypeArp) {
        // Every core's interface keeps its own neighbour table, so each must
        // hear ARP (as on the soft NIC): the one mbuf goes to every queue,
        // each holding a reference.
        rte_mbuf_refcnt_update(m, static_cast<std::int16_t>(queues_.size() - 1));
        for (const auto& q : queues_)
          steer(q->steering, m);
      } else {
        steer(queues_[rss_.queue_of(m->hash.rss)]->steering, m);
      }
    }
  }
}

void DpdkDevice::deliver(Queue& q, rte_mbuf* m, RxSink& sink) {
  ByteSpan frame(rte_pktmbuf_mtod(m, const std::byte*), m->data_len);
  std::uint64_t gathered = 0;
  if (m->nb_segs > 1) {
    q.gather.resize(m->pkt_len);
    rte_pktmbuf_read(m, 0, m->pkt_len, q.gather.data());
    frame = q.gather;
    gathered = 1;
  }
  c::RxMeta meta;
  {
    const std::lock_guard lock(q.mutex);
    meta = q.engine->receive(frame);
    ++q.counters.rx_frames;
    q.counters.rx_bytes += frame.size();
    q.extra.rx_gathered += gathered;
  }
  const bool parsed = meta.parse == c::ParseStatus::ok;
  if (offloads_.rx_checksum && parsed && meta.l3 == c::L3Kind::ipv4) {
    meta.l3_checksum = port_checksum_status(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
                                            RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD,
                                            RTE_MBUF_F_RX_IP_CKSUM_NONE, meta.l3_checksum);
    if (meta.l4 == c::L4Kind::tcp || meta.l4 == c::L4Kind::udp) {
      meta.l4_checksum = port_checksum_status(
          m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
          RTE_MBUF_F_RX_L4_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_NONE, meta.l4_checksum);
    }
  }
  if (port_->steering) {
    meta.rss_hash = m->hash.rss;  // the pump hashed it
  } else {
    meta.rss_hash = wire::rss_hash_of_frame(rss_.key, frame);
    if (offloads_.rss && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0 &&
        m->hash.rss != meta.rss_hash) {
      // The port hashes otherwise than Toeplitz with our key: its steering and
      // the host's source-port choice disagree. Counted, since the host cannot
      // fix it; the port's value is what steered the frame.
      port_->rss_hash_mismatch.fetch_add(1, std::memory_order_relaxed);
      meta.rss_hash = m->hash.rss;
    }
  }
  if (offloads_.flow_lookup) {
    meta.conn_id = parsed && meta.l4 == c::L4Kind::tcp && (m->ol_flags & RTE_MBUF_F_RX_FDIR_ID) != 0
                       ? m->hash.fdir.hi
                       : c::kLookupMiss;
  }
  meta.queue = q.index;
  sink.on_receive(meta, frame);
}

// ---------------------------------------------------------------------------
// Flow table

bool DpdkDevice::submit_flow_command(const FlowCommand& command) {
  return submit_flow_command(command, port_->flow_completions);
}

// The completions go to `completions`: the device's own (guarded by
// flow_mutex, as poll_flow_completions reads them) or a queue port's (its
// thread's alone). The mutex also guards the rules and the counters.
bool DpdkDevice::submit_flow_command(const FlowCommand& command,
                                     std::deque<FlowCompletion>& completions) {
  Port& port = *port_;
  const std::lock_guard lock(port.flow_mutex);
  if (completions.size() >= port.flow_queue_depth) return false;
  ++port.flow_commands;
  FlowCompletion done{command.tag, c::FlowStatus::ok};
  if (offloads_.flow_lookup) {
    done.status = apply_flow_rule(command);
  } else {
    // A flow's segments arrive on one queue, so that queue's table alone needs it.
    const std::uint16_t owner =
        command.family == c::AddressFamily::ipv4 ? queue_of(command.key) : std::uint16_t{0};
    Queue& q = *queues_[owner];
    const std::lock_guard engine_lock(q.mutex);
    done = q.engine->flow_command(command);
  }
  completions.push_back(done);
  return true;
}

c::FlowStatus DpdkDevice::apply_flow_rule(const FlowCommand& command) {
  Port& port = *port_;
  const bool known_op = command.op == c::FlowOp::insert || command.op == c::FlowOp::remove;
  if (!known_op || command.family != c::AddressFamily::ipv4 ||
      (command.op == c::FlowOp::insert && command.conn_id == c::kLookupMiss)) {
    return c::FlowStatus::rejected;
  }
  const auto it = port.flow_rules.find(command.key);
  rte_flow_error error{};
  if (command.op == c::FlowOp::remove) {
    if (it == port.flow_rules.end()) return c::FlowStatus::not_found;
    if (rte_flow_destroy(port.id, it->second, &error) != 0) ++port.flow_rule_failures;
    port.flow_rules.erase(it);
    return c::FlowStatus::ok;
  }
  if (it != port.flow_rules.end()) return c::FlowStatus::exists;
  rte_flow_attr attr{};
  attr.ingress = 1;
  rte_flow_item_ipv4 ip_spec{};
  rte_flow_item_ipv4 ip_mask{};
  ip_spec.hdr.src_addr = rte_cpu_to_be_32(command.key.remote_ip);
  ip_spec.hdr.dst_addr = rte_cpu_to_be_32(command.key.local_ip);
  ip_mask.hdr.src_addr = ~0u;
  ip_mask.hdr.dst_addr = ~0u;
  rte_flow_item_tcp tcp_spec{};
  rte_flow_item_tcp tcp_mask{};
  tcp_spec.hdr.src_port = rte_cpu_to_be_16(command.key.remote_port);
  tcp_spec.hdr.dst_port = rte_cpu_to_be_16(command.key.local_port);
  tcp_mask.hdr.src_port = 0xffff;
  tcp_mask.hdr.dst_port = 0xffff;
  const std::array<rte_flow_item, 4> pattern{{
      {RTE_FLOW_ITEM_TYPE_ETH, nullptr, nullptr, nullptr},
      {RTE_FLOW_ITEM_TYPE_IPV4, &ip_spec, nullptr, &ip_mask},
      {RTE_FLOW_ITEM_TYPE_TCP, &tcp_spec, nullptr, &tcp_mask},
      {RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr, nullptr},
  }};
  rte_flow_action_mark mark{};
  mark.id = command.conn_id;
  rte_flow_action_queue to_queue{};
  to_queue.index = queue_of(command.key);
  const std::array<rte_flow_action, 3> actions{{
      {RTE_FLOW_ACTION_TYPE_MARK, &mark},
      {RTE_FLOW_ACTION_TYPE_QUEUE, &to_queue},
      {RTE_FLOW_ACTION_TYPE_END, nullptr},
  }};
  rte_flow* flow = rte_flow_create(port.id, &attr, pattern.data(), actions.data(), &error);
  if (flow == nullptr) {
    // Out of rule space reads as a full table; anything else (a mark wider than
    // the port keeps, say) is counted, and the host keeps the flow in software.
    if (rte_errno != ENOSPC && rte_errno != ENOMEM) ++port.flow_rule_failures;
    return c::FlowStatus::full;
  }
  port.flow_rules.emplace(command.key, flow);
  return c::FlowStatus::ok;
}

std::size_t DpdkDevice::poll_flow_completions(std::span<FlowCompletion> out) {
  Port& port = *port_;
  const std::lock_guard lock(port.flow_mutex);
  std::size_t n = 0;
  while (n < out.size() && !port.flow_completions.empty()) {
    out[n++] = port.flow_completions.front();
    port.flow_completions.pop_front();
  }
  return n;
}

// ---------------------------------------------------------------------------
// Time and counters

void DpdkDevice::advance(Instant now) {
  now_ = std::max(now_, now);
  for (std::size_t q = 0; q < queues_.size(); ++q)
    advance_queue(static_cast<std::uint16_t>(q), now);
}

void DpdkDevice::advance_queue(std::uint16_t queue, Instant /*now*/) {
  Queue& q = *queues_[queue];
  if (q.backlog_size.load(std::memory_order_relaxed) != 0) {
    const std::lock_guard lock(q.mutex);
    q.flush_backlog();
  }
  // The port's drop counters are the port's, not a queue's: one reader is
  // enough, and queue 0 always has a core.
  if (queue == 0) read_port_stats();
}

void DpdkDevice::read_port_stats() {
  rte_eth_stats stats{};
  if (rte_eth_stats_get(port_->id, &stats) == 0) {
    const std::lock_guard lock(port_->stats_mutex);
    port_->imissed = stats.imissed;
    port_->rx_nombuf = stats.rx_nombuf;
  }
}

std::optional<Instant> DpdkDevice::next_event() const {
  for (const auto& q : queues_) {
    if (q->backlog_size.load(std::memory_order_relaxed) != 0) return now_;
  }
  return std::nullopt;
}

const DeviceCounters& DpdkDevice::counters() const {
  DeviceCounters total;
  for (const auto& q : queues_) {
    const std::lock_guard lock(q->mutex);
    const DeviceCounters& c = q->counters;
    total.tx_frames += c.tx_frames;
    total.tx_bytes += c.tx_bytes;
    total.tx_tso_jobs += c.tx_tso_jobs;
    total.tx_refused += c.tx_refused;
    total.rx_frames += c.rx_frames;
    total.rx_bytes += c.rx_bytes;
  }
  {
    const std::lock_guard lock(port_->flow_mutex);
    total.flow_commands = port_->flow_commands;
  }
  const DpdkCounters extra = dpdk_counters();
  total.rx_dropped = extra.rx_port_missed + extra.rx_port_no_mbuf + extra.rx_steering_dropped;
  counters_ = total;
  return counters_;
}

DpdkCounters DpdkDevice::dpdk_counters() const {
  DpdkCounters total;
  for (const auto& q : queues_) {
    const std::lock_guard lock(q->mutex);
    const DpdkCounters& e = q->extra;
    total.tx_no_mbuf += e.tx_no_mbuf;
    total.tx_ring_full += e.tx_ring_full;
    total.tx_backlogged += e.tx_backlogged;
    total.tx_software += e.tx_software;
    total.tx_port_offload += e.tx_port_offload;
    total.tx_prepare_failed += e.tx_prepare_failed;
    total.rx_gathered += e.rx_gathered;
  }
  {
    const std::lock_guard lock(port_->stats_mutex);
    total.rx_port_missed = port_->imissed;
    total.rx_port_no_mbuf = port_->rx_nombuf;
  }
  {
    const std::lock_guard lock(port_->flow_mutex);
    total.flow_rule_failures = port_->flow_rule_failures;
  }
  total.rx_steering_dropped = port_->steering_dropped.load(std::memory_order_relaxed);
  total.rss_hash_mismatch = port_->rss_hash_mismatch.load(std::memory_order_relaxed);
  return total;
}

}  // namespace tandem::dev
