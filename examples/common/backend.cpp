// SPDX-License-Identifier: Apache-2.0
#include "examples/common/backend.hpp"

#include <atomic>
#include <barrier>
#include <csignal>
#include <exception>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "host/api/core_runtime.hpp"
#include "host/api/tandem/socket.h"
#include "host/api/virtual_world.hpp"
#include "host/dev/pcap.hpp"
#include "host/dev/tap/tap_device.hpp"
#include "sim/link/link.hpp"
#include "sim/soft/soft_device.hpp"
#ifdef TANDEM_EXAMPLES_WITH_DPDK
#include "host/dev/dpdk/dpdk_device.hpp"
#endif
#ifdef TANDEM_EXAMPLES_WITH_SIM
#include "sim/verilator/sim_device.hpp"
#endif

namespace tandem::examples {

namespace {

// Set by a signal handler and read by every core's thread: a lock-free atomic
// is both async-signal-safe and race-free.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop.store(true, std::memory_order_relaxed);
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

void print_stack_counters(std::FILE* out, const std::string& prefix, const stack::Stack& s) {
  const auto& t = s.tcp_counters();
  const auto& k = s.counters();
  std::fprintf(out,
               "%stcp: %llu segments in, %llu out, %llu retransmitted, %llu RTO expiries, "
               "%llu fast retransmits, %llu resets out\n",
               prefix.c_str(), static_cast<unsigned long long>(t.segments_in),
               static_cast<unsigned long long>(t.segments_out),
               static_cast<unsigned long long>(t.retransmitted_segments),
               static_cast<unsigned long long>(t.rto_expiries),
               static_cast<unsigned long long>(t.fast_retransmits),
               static_cast<unsigned long long>(t.resets_out));
  std::fprintf(out,
               "%sstack: %llu TSO jobs, %llu demuxed by the NIC's lookup, %llu by software, "
               "%llu bad segments, %llu SYN cookies sent, %llu TIME-WAIT reopened by a SYN\n",
               prefix.c_str(), static_cast<unsigned long long>(k.tso_jobs),
               static_cast<unsigned long long>(k.demux_by_nic),
               static_cast<unsigned long long>(k.demux_by_software),
               static_cast<unsigned long long>(k.bad_segments),
               static_cast<unsigned long long>(k.syncookies_sent),
               static_cast<unsigned long long>(k.time_wait_reopened));
}

}  // namespace

struct Backend::Parts {
  std::unique_ptr<dev::Device> device;
  std::unique_ptr<stack::Stack> stack;
  std::unique_ptr<api::Driver> driver;
  api::VirtualWorld* world = nullptr;
  std::unique_ptr<dev::PcapWriter> link_capture;
  dev::TapDevice* tap = nullptr;
  // More than one core: `soft`'s link and NICs (this host's, the peer's), and
  // a CoreRuntime per core. Declared last, destroyed first.
  std::unique_ptr<sim::Link> link;
  std::unique_ptr<sim::SoftDevice> soft;
  std::unique_ptr<sim::SoftDevice> soft_peer;
  std::vector<std::unique_ptr<api::CoreRuntime>> cores;
};

Backend::Backend(const CommonOptions& o)
    : parts_(std::make_unique<Parts>()), address_(o.ip), cores_(o.cores) {
  Parts& p = *parts_;
  const std::string iface = o.iface.empty() ? "tdm0" : o.iface;
  if (o.cores > 1 && (o.backend == BackendKind::tap || o.backend == BackendKind::sim)) {
    throw std::runtime_error("--cores " + std::to_string(o.cores) + ": backend " +
                             std::string(to_string(o.backend)) +
                             " has one queue, so one core; more cores need --backend soft or dpdk");
  }
  if (o.cores > 1 && o.backend == BackendKind::soft) {
    // Cores run in parallel, so time is the real clock's, not the virtual
    // world's; the two NICs share the link's lock.
    const auto world = api::VirtualWorldConfig::two_hosts(std::random_device{}());
    p.link = std::make_unique<sim::Link>(world.link);
    if (!o.pcap.empty()) {
      p.link_capture = std::make_unique<dev::PcapWriter>(o.pcap);
      p.link->set_capture(p.link_capture.get());
    }
    sim::SoftDeviceConfig nic = world.device;
    nic.queues = o.cores;
    nic.rss = wire::RssConfig::spread(o.cores);
    nic.link_lock = std::make_shared<std::mutex>();
    p.soft = std::make_unique<sim::SoftDevice>(*p.link, sim::LinkEnd::a, nic);
    p.soft_peer = std::make_unique<sim::SoftDevice>(*p.link, sim::LinkEnd::b, nic);
    for (std::uint16_t q = 0; q < o.cores; ++q) {
      p.cores.push_back(std::make_unique<api::CoreRuntime>(
          q, std::vector<api::CoreStackSpec>{
                 {&p.soft->queue_port(q), p.soft->rss(), world.a},
                 {&p.soft_peer->queue_port(q), p.soft_peer->rss(), world.b}}));
    }
    address_ = api::VirtualWorld::kAddrA;
    return;
  }
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
      config.queues = o.cores;
      auto nic = std::make_unique<dev::DpdkDevice>(config);
      if (o.cores > 1) {
        // A core per queue, each on the device's view of its queue.
        for (std::uint16_t q = 0; q < o.cores; ++q) {
          p.cores.push_back(std::make_unique<api::CoreRuntime>(nic->queue_port(q), q, nic->rss(),
                                                               stack_config(o)));
        }
        p.device = std::move(nic);
        return;
      }
      p.device = std::move(nic);
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
  parts_->cores.clear();
  flush_capture();
}

api::Runtime& Backend::runtime(unsigned core) {
  return cores_ == 1 ? *runtime_ : parts_->cores.at(core)->runtime();
}

stack::Stack& Backend::stack(unsigned core) {
  return cores_ == 1 ? *stacks_.front() : parts_->cores.at(core)->stack();
}

stack::Stack* Backend::peer(unsigned core) {
  if (cores_ == 1) return peer_;
  api::CoreRuntime& c = *parts_->cores.at(core);
  return c.stack_count() > 1 ? &c.stack(1) : nullptr;
}

void Backend::run_on_cores(const std::function<int(unsigned core)>& listen,
                           const std::function<void()>& ready,
                           const std::function<void(unsigned core, int listener)>& serve) {
  if (cores_ == 1) {
    const int listener = listen(0);
    ready();
    return serve(0, listener);
  }
  std::vector<std::exception_ptr> errors(cores_);
  std::atomic<bool> all_listening = true;
  std::barrier listening(static_cast<std::ptrdiff_t>(cores_), [&]() noexcept {
    if (all_listening) ready();
  });
  std::vector<std::thread> threads;
  for (unsigned core = 0; core < cores_; ++core) {
    threads.emplace_back([&, core] {
      runtime(core).make_current();
      int listener = -1;
      try {
        listener = listen(core);
      } catch (...) {
        errors[core] = std::current_exception();
        all_listening = false;
        request_stop();
      }
      listening.arrive_and_wait();
      if (!all_listening) {
        if (listener >= 0) tdm_close(listener);
        return;
      }
      try {
        serve(core, listener);
      } catch (...) {
        errors[core] = std::current_exception();
        request_stop();
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

void Backend::flush_capture() {
  if (parts_->tap != nullptr) parts_->tap->flush_capture();
  if (parts_->link_capture) parts_->link_capture->flush();
}

void Backend::print_counters(std::FILE* out) const {
  if (cores_ == 1) {
    print_stack_counters(out, "", *stacks_.front());
  } else {
    for (unsigned core = 0; core < cores_; ++core)
      print_stack_counters(out, "core " + std::to_string(core) + " ", parts_->cores[core]->stack());
  }
  const dev::Device* device = parts_->device ? parts_->device.get()
                              : parts_->soft ? static_cast<const dev::Device*>(parts_->soft.get())
                                             : &parts_->world->dev_a();
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
  return g_stop.load(std::memory_order_relaxed);
}

void request_stop() {
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace tandem::examples
