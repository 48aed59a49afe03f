// SPDX-License-Identifier: Apache-2.0
// The `dpdk` backend: a Device on any DPDK port — a real NIC bound to a DPDK
// driver, or a virtual one (net_tap, net_af_packet) for tests without hardware.
//
// Each NIC function runs on the port when the port advertises it and the
// configuration allows it, and otherwise on the HLS kernels compiled as C++
// (hls/nic/nic_model.hpp), one set per queue:
//
//   function              on the port                       fallback
//   TX IPv4/TCP/UDP csum  RTE_ETH_TX_OFFLOAD_*_CKSUM         checksum_tx
//   TSO                   RTE_ETH_TX_OFFLOAD_TCP_TSO         tcp_segment
//   RX parse + offsets    (no DPDK equivalent)               rx_parser
//   RX checksum status    RTE_ETH_RX_OFFLOAD_*_CKSUM flags   checksum_rx
//   connection lookup     rte_flow MARK per flow             conn_lookup
//   steering to queues    RSS (Toeplitz key, RETA)           Toeplitz in software
//
// docs/dpdk.md has the details and how to run it.
//
// Queues and threads. One RX/TX queue pair per host core. send_frame/send_tso/
// receive on queue q may run on q's thread while other queues run on theirs;
// nothing on that path is shared between queues. On the device itself, flow
// commands, advance() and the counters may be called from any one thread; when
// each queue has a thread of its own, each thread uses queue_port(q) instead,
// whose flow completions, advance() and next_event() are its queue's alone.
//
// TX. The caller's bytes are copied once into mbufs (the Device API's copy: the
// caller's buffer is free when the call returns); the port sends from those.
// When the TX ring is full, a descriptor the ring took none of is refused with
// ring_full and nothing of it is sent. A descriptor that became several frames
// (a TSO job in software, or a CWR split) of which the ring took only some keeps
// the rest in the queue's backlog, which goes out before anything else; while
// it is not empty new descriptors get ring_full. So a frame the host was told is
// sent is never lost, and nothing is sent twice.
//
// RX. receive(q) takes frames from the port's queue q directly (rte_eth_rx_burst)
// and hands each to the sink from the mbuf, without a copy (a frame spread over
// several mbufs is gathered first). When the port cannot steer by Toeplitz RSS
// (no RETA: net_tap, net_af_packet, net_ring), whichever receive() finds the
// pump free takes frames from all the port's RX queues and moves each to the
// ring of the queue its Toeplitz hash names, so steering is the same either way;
// ARP frames then go to every queue, since each core's interface keeps its own
// neighbour table (a port that steers by itself delivers ARP to one queue).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/dev/device.hpp"
#include "host/wire/address.hpp"
#include "host/wire/toeplitz.hpp"

struct rte_mbuf;
struct rte_ring;

namespace tandem::dev {

// Where a NIC function may run.
enum class OffloadPolicy : std::uint8_t {
  prefer_port,   // on the port if it offers it, else the C++ kernels
  software,      // always the C++ kernels (tests the fallback on any port)
  require_port,  // on the port; the constructor throws if the port lacks it
};

struct DpdkOffloadPolicies {
  OffloadPolicy tx_checksum = OffloadPolicy::prefer_port;
  OffloadPolicy tso = OffloadPolicy::prefer_port;
  OffloadPolicy rx_checksum = OffloadPolicy::prefer_port;
  OffloadPolicy rss = OffloadPolicy::prefer_port;          // matters with queues > 1
  OffloadPolicy flow_lookup = OffloadPolicy::prefer_port;  // rte_flow MARK
};

struct DpdkDeviceConfig {
  // EAL options, passed through to rte_eal_init by the first device of the
  // process (DpdkEal); later devices must pass the same string or none.
  std::string eal_args;
  // A virtual device to create for this device and remove with it, as --vdev
  // takes it ("net_tap0,iface=tdm0"); its port is used unless `port` says
  // otherwise. Empty: use a port the EAL already has.
  std::string vdev;
  // The port: its DPDK name ("net_tap0", "0000:3b:00.0") or its number. Empty:
  // the vdev's port, or the only port there is.
  std::string port;
  std::uint16_t queues = 1;  // RX/TX queue pairs, one per host core
  std::uint16_t rx_descriptors = 1024;
  std::uint16_t tx_descriptors = 1024;
  // mbufs in the pool; 0: enough for every ring, burst and steering ring.
  std::uint32_t mbufs = 0;
  std::uint16_t mtu = 0;  // 0: keep the port's
  bool promiscuous = false;
  std::uint16_t rx_burst = 32;              // frames taken from the port at a time
  std::uint32_t steering_ring_size = 1024;  // per queue, software RSS only (power of 2)
  std::size_t flow_queue_depth = 64;        // flow commands awaiting their completion
  std::vector<std::uint8_t> rss_key{wire::kMicrosoftRssKey.begin(), wire::kMicrosoftRssKey.end()};
  std::size_t software_reta_size = 128;  // the RETA of software steering
  DpdkOffloadPolicies offloads;
};

// Which NIC functions the port carries; the rest run on the C++ kernels.
struct DpdkPortOffloads {
  bool tx_ipv4_checksum = false;
  bool tx_tcp_checksum = false;
  bool tx_udp_checksum = false;
  bool tso = false;
  bool rx_checksum = false;
  bool rss = false;          // hardware steering to `queues` RX queues
  bool flow_lookup = false;  // rte_flow MARK rules

  friend bool operator==(const DpdkPortOffloads&, const DpdkPortOffloads&) = default;
};

// What the port and the fallbacks did besides what DeviceCounters says.
struct DpdkCounters {
  std::uint64_t tx_no_mbuf = 0;           // descriptors refused (ring_full) for want of mbufs
  std::uint64_t tx_ring_full = 0;         // descriptors refused because the TX ring was full
  std::uint64_t tx_backlogged = 0;        // frames of accepted descriptors the ring took later
  std::uint64_t tx_software = 0;          // descriptors the C++ kernels served
  std::uint64_t tx_port_offload = 0;      // descriptors the port's offloads served
  std::uint64_t tx_prepare_failed = 0;    // rte_eth_tx_prepare refusals, served in software
  std::uint64_t rx_port_missed = 0;       // the port's imissed: RX ring full
  std::uint64_t rx_port_no_mbuf = 0;      // the port's rx_nombuf: the pool ran dry
  std::uint64_t rx_steering_dropped = 0;  // software RSS: the target queue's ring was full
  std::uint64_t rx_gathered = 0;          // multi-mbuf frames copied into one buffer
  std::uint64_t rss_hash_mismatch = 0;    // port hash != Toeplitz of the tuple (not Toeplitz?)
  std::uint64_t flow_rule_failures = 0;   // rte_flow create/destroy errors other than full
};

class DpdkDevice final : public Device {
 public:
  // Throws std::system_error or std::runtime_error naming the cause when the EAL
  // cannot start, the vdev cannot be created, the port does not exist, the port
  // lacks an offload the policies require, the port cannot take the queues or
  // MTU asked for, or the mbuf pool cannot be allocated; std::invalid_argument
  // for a config that cannot work.
  explicit DpdkDevice(const DpdkDeviceConfig& config);
  ~DpdkDevice() override;

  const Capabilities& capabilities() const override { return capabilities_; }
  TxStatus send_frame(std::uint16_t queue, ByteSpan frame, std::uint8_t flags) override;
  TxStatus send_tso(std::uint16_t queue, ByteSpan header_template,
                    std::span<const ByteSpan> payload, std::uint16_t mss) override;
  std::size_t receive(std::uint16_t queue, std::size_t budget, RxSink& sink) override;
  bool submit_flow_command(const FlowCommand& command) override;
  std::size_t poll_flow_completions(std::span<FlowCompletion> out) override;
  // Retries the TX backlogs and reads the port's drop counters. Frames are
  // taken from the port by receive(), not here.
  void advance(Instant now) override;
  // `now` while a TX backlog waits; nullopt otherwise. Arrivals are not
  // announced: DPDK busy-polls, so there is no wait_fd() (-1).
  std::optional<Instant> next_event() const override;
  const DeviceCounters& counters() const override;

  // The port's MAC address: the interface on this device must use it (or the
  // port must be promiscuous).
  wire::MacAddress mac_address() const;
  std::uint16_t port_id() const;
  const std::string& port_name() const;
  const std::string& driver_name() const;
  const DpdkPortOffloads& port_offloads() const { return offloads_; }
  // The key and redirection table that steer received flows to queues, whether
  // the port applies them or the software does: what pick_source_port() needs.
  const wire::RssConfig& rss() const { return rss_; }
  // The queue the NIC steers a flow's received segments to (key from the host's
  // side, as in FlowCommand).
  std::uint16_t queue_of(const contract::FlowKey4& key) const;
  DpdkCounters dpdk_counters() const;

  // The device as one core sees it (docs/multicore.md): queue `queue`'s TX,
  // RX and backlog, flow-command completions of its own (so each core's Stack
  // hears only about its own commands), advance() and next_event() of that
  // queue only (port 0 also reads the port's drop counters), counters() of
  // that queue. Give the Stack on core q queue_port(q) and net.queue = q. A
  // port is used by one thread at a time; ports live as long as the device.
  // Throws std::out_of_range for a queue the device does not have.
  Device& queue_port(std::uint16_t queue);

 private:
  struct Port;
  struct Queue;
  class QueuePort;

  bool submit_flow_command(const FlowCommand& command, std::deque<FlowCompletion>& completions);
  void advance_queue(std::uint16_t queue, Instant now);
  void read_port_stats();

  void pump_steering();
  void steer(rte_ring* ring, rte_mbuf* m);
  void deliver(Queue& q, rte_mbuf* m, RxSink& sink);
  contract::FlowStatus apply_flow_rule(const FlowCommand& command);

  std::unique_ptr<Port> port_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::vector<std::unique_ptr<QueuePort>> ports_;
  DpdkPortOffloads offloads_;
  wire::RssConfig rss_;
  Capabilities capabilities_;
  Instant now_{};
  mutable DeviceCounters counters_;
};

}  // namespace tandem::dev
