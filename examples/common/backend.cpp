// SPDX-License-Identifier: Apache-2.0
#include "examples/common/backend.hpp"

#include <csignal>
#include <random>
#include <stdexcept>

#include "host/api/virtual_world.hpp"
#include "host/dev/pcap.hpp"
#include "host/dev/tap/tap_device.hpp"
#ifdef TANDEM_EXAMPLES_WITH_DPDK
#include "host/dev/dpdk/dpdk_device.hpp"
#endif
#ifdef TANDEM_EXAMPLES_WITH_SIM
#include "sim/verilator/sim_device.hpp"
#endif

namespace tandem::examples {

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop = 1;
}

wire::MacAddress mac_for(wire::Ipv4Address ip) {
  return wire::MacAddress{{0x02, 0x00, static_cast<std::uint8_t>(ip.value >> 24),
                           static_cast<std::uint8_t>(ip.value >> 16),
                           static_cast<std::uint8_t>(ip.value >> 8),
                           static_cast<std::uint8_t>(ip.value)}};
}

tcp::SipKey random_secret() {
  std::random_device rd;
  const auto word = [&rd] { return (std::uint64_t{rd()} << 32) | rd(); };
  return tcp::SipKey{word(), word()};
}

stack::StackConfig stack_config(const CommonOptions& o) {
  stack::StackConfig c;
  c.net.address = o.ip;
  c.net.prefix_len = o.prefix_len;
  c.net.gateway = o.gateway;
  c.net.mac = mac_for(o.ip);
  c.secret = random_secret();
  return c;
}

}  // namespace

struct Backend::Parts {
  std::unique_ptr<dev::Device> device;
  std::unique_ptr<stack::Stack> stack;
  std::unique_ptr<api::Driver> driver;
  api::VirtualWorld* world = nullptr;
  std::unique_ptr<dev::PcapWriter> link_capture;
  dev::TapDevice* tap = nullptr;
};

Backend::Backend(const CommonOptions& o) : parts_(std::make_unique<Parts>()), address_(o.ip) {
  Parts& p = *parts_;
  const std::string iface = o.iface.empty() ? "tdm0" : o.iface;
  switch (o.backend) {
    case BackendKind::soft: {
      auto config = api::VirtualWorldConfig::two_hosts(std::random_device{}());
      auto world = std::make_unique<api::VirtualWorld>(config);
      p.world = world.get();
      if (!o.pcap.empty()) {
        p.link_capture = std::make_unique<dev::PcapWriter>(o.pcap);
        world->link().set_capture(p.link_capture.get());
      }
      stacks_ = {&world->a(), &world->b()};
      peer_ = &world->b();
      address_ = api::VirtualWorld::kAddrA;
      virtual_time_ = true;
      p.driver = std::move(world);
      break;
    }
    case BackendKind::tap: {
      dev::TapDeviceConfig config;
      config.name = iface;
      config.capture_path = o.pcap;
      auto tap = std::make_unique<dev::TapDevice>(config);
      p.tap = tap.get();
      p.device = std::move(tap);
      break;
    }
    case BackendKind::sim: {
#ifdef TANDEM_EXAMPLES_WITH_SIM
      std::unique_ptr<sim::WirePort> port = std::make_unique<sim::TapPort>(iface);
      if (!o.pcap.empty()) port = std::make_unique<sim::CapturingPort>(std::move(port), o.pcap);
      p.device = std::make_unique<sim::SimDevice>(std::move(port));
#else
      throw std::runtime_error(
          "backend sim: this build has no Verilator model (configure with "
          "-DTANDEM_WITH_VERILATOR=ON and install verilator)");
#endif
      break;
    }
    case BackendKind::dpdk: {
#ifdef TANDEM_EXAMPLES_WITH_DPDK
      dev::DpdkDeviceConfig config;
      config.eal_args = o.eal;
      config.port = o.iface;
      p.device = std::make_unique<dev::DpdkDevice>(config);
#else
      throw std::runtime_error("backend dpdk: this build has no DPDK (install libdpdk-dev)");
#endif
      break;
    }
  }
  if (p.device) {
    // One core: this stack drains every queue the NIC steers flows to.
    stack::StackConfig config = stack_config(o);
    config.net.rx_queues = p.device->capabilities().queues;
    p.stack = std::make_unique<stack::Stack>(*p.device, config, api::RealTimeDriver::clock());
    stacks_ = {p.stack.get()};
    p.driver =
        std::make_unique<api::RealTimeDriver>(std::vector<dev::Device*>{p.device.get()}, stacks_);
  }
  runtime_ = std::make_unique<api::Runtime>(*p.driver);
  runtime_->make_current();
}

Backend::~Backend() {
  runtime_.reset();
  flush_capture();
}

void Backend::flush_capture() {
  if (parts_->tap != nullptr) parts_->tap->flush_capture();
  if (parts_->link_capture) parts_->link_capture->flush();
}

void Backend::print_counters(std::FILE* out) const {
  const stack::Stack& s = *stacks_.front();
  const auto& t = s.tcp_counters();
  const auto& k = s.counters();
  std::fprintf(out,
               "tcp: %llu segments in, %llu out, %llu retransmitted, %llu RTO expiries, "
               "%llu fast retransmits, %llu resets out\n",
               static_cast<unsigned long long>(t.segments_in),
               static_cast<unsigned long long>(t.segments_out),
               static_cast<unsigned long long>(t.retransmitted_segments),
               static_cast<unsigned long long>(t.rto_expiries),
               static_cast<unsigned long long>(t.fast_retransmits),
               static_cast<unsigned long long>(t.resets_out));
  std::fprintf(out,
               "stack: %llu TSO jobs, %llu demuxed by the NIC's lookup, %llu by software, "
               "%llu bad segments, %llu SYN cookies sent\n",
               static_cast<unsigned long long>(k.tso_jobs),
               static_cast<unsigned long long>(k.demux_by_nic),
               static_cast<unsigned long long>(k.demux_by_software),
               static_cast<unsigned long long>(k.bad_segments),
               static_cast<unsigned long long>(k.syncookies_sent));
  const dev::Device* device = parts_->device ? parts_->device.get() : &parts_->world->dev_a();
  const auto& d = device->counters();
  std::fprintf(
      out,
      "nic: %llu frames / %llu bytes out (%llu TSO jobs), %llu frames / %llu bytes in, "
      "%llu rx dropped, %llu flow-table commands\n",
      static_cast<unsigned long long>(d.tx_frames), static_cast<unsigned long long>(d.tx_bytes),
      static_cast<unsigned long long>(d.tx_tso_jobs), static_cast<unsigned long long>(d.rx_frames),
      static_cast<unsigned long long>(d.rx_bytes), static_cast<unsigned long long>(d.rx_dropped),
      static_cast<unsigned long long>(d.flow_commands));
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() {
  return g_stop != 0;
}

}  // namespace tandem::examples
