// SPDX-License-Identifier: Apache-2.0
// Per-core stacks on a multi-queue soft NIC (docs/multicore.md): the Device
// conformance cases on a four-queue device, RSS steering, flow-table banks and
// completions per port, and two-core echo runs — on virtual time and on two
// threads — held to what a one-core run must do: every byte back as sent, every
// connection on the core its RSS hash names, nothing left over.
#define BOOST_TEST_MODULE soft_multicore
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "sim/soft/multicore_echo.hpp"
#include "sim/soft/soft_device.hpp"
#include "sim/tests/device_conformance.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::Duration;
using tandem::Instant;
namespace conformance = tandem::conformance;
namespace sim = tandem::sim;
namespace stack = tandem::stack;
namespace tcp = tandem::tcp;
namespace wire = tandem::wire;
namespace dev = tandem::dev;

std::unique_ptr<dev::Device> make_four_queues(sim::Link& link, sim::LinkEnd end,
                                              const conformance::DeviceOptions& options) {
  sim::SoftDeviceConfig config;
  config.rx_ring_size = options.rx_ring_size;
  config.queues = 4;
  return std::make_unique<sim::SoftDevice>(link, end, config);
}

// --- steering ------------------------------------------------------------------

struct TwoQueuePair {
  explicit TwoQueuePair(std::uint16_t queues = 2)
      : link({}),
        a(link, sim::LinkEnd::a, config(queues)),
        b(link, sim::LinkEnd::b, config(queues)) {}
  static sim::SoftDeviceConfig config(std::uint16_t queues) {
    sim::SoftDeviceConfig c;
    c.queues = queues;
    return c;
  }
  sim::Link link;
  sim::SoftDevice a;
  sim::SoftDevice b;
};

std::vector<conformance::Received> drain_queue(dev::Device& d, std::uint16_t queue) {
  conformance::Collect sink;
  while (d.receive(queue, 64, sink) > 0) {
  }
  return sink.got;
}

std::vector<std::byte> frame_from_port(std::uint16_t src_port) {
  auto seg = conformance::data_segment(1);
  seg.src_port = src_port;
  const std::array<std::byte, 3> payload{};
  return conformance::tcp_frame(seg, payload, wire::ChecksumMode::software);
}

std::uint32_t reply_hash(const wire::RssConfig& rss, const tcp::FourTuple& t) {
  // What the NIC of the host holding `t` hashes: a segment from the remote end.
  return wire::rss_hash_ipv4_l4(rss.key, t.remote.addr, t.local.addr, t.remote.port, t.local.port);
}

// --- per-core echo runs ----------------------------------------------------------

const wire::Ipv4Address kClient{0x0a000001};
const wire::Ipv4Address kServer{0x0a000002};

sim::MulticoreConfig hosts_config(std::uint16_t cores, bool threaded, Duration msl) {
  sim::MulticoreConfig c;
  c.cores = cores;
  c.threaded = threaded;
  c.client = sim::multicore_host_config(kClient, 1, msl);
  c.server = sim::multicore_host_config(kServer, 2, msl);
  return c;
}

sim::EchoConfig echo_config(std::uint64_t connections) {
  sim::EchoConfig e;
  e.server = tcp::Endpoint{kServer, 8080};
  e.message = 3000;  // more than one MSS each way
  e.rounds = 3;
  e.concurrency = 8;
  e.connections = connections;
  e.record_tuples = true;
  return e;
}

using Apps = std::vector<std::unique_ptr<sim::EchoCore>>;

Apps make_apps(sim::MulticoreHosts& hosts, const sim::EchoConfig& echo) {
  Apps apps;
  for (std::uint16_t c = 0; c < hosts.cores(); ++c)
    apps.push_back(std::make_unique<sim::EchoCore>(hosts.client(c), hosts.server(c), echo));
  return apps;
}

// Every core in turn on one thread, on virtual time, until `done()` or `limit`.
bool run_virtual(sim::MulticoreHosts& hosts, Apps& apps, Instant& now,
                 const std::function<bool()>& done, Duration limit) {
  const Instant end = now + limit;
  for (;;) {
    for (std::uint16_t c = 0; c < hosts.cores(); ++c) {
      hosts.poll_core(c, now);
      apps[c]->run(now);
    }
    if (done()) return true;
    std::optional<Instant> next;
    for (std::uint16_t c = 0; c < hosts.cores(); ++c) {
      const auto t = hosts.next_event(c);
      if (t && (!next || *t < *next)) next = t;
    }
    if (!next || *next > end) return done();
    now = std::max(now, *next);
  }
}

bool all_done(const Apps& apps) {
  return std::ranges::all_of(apps, [](const auto& a) { return a->done(); });
}

bool all_closed(sim::MulticoreHosts& hosts) {
  for (std::uint16_t c = 0; c < hosts.cores(); ++c) {
    if (hosts.client(c).connections() != 0 || hosts.server(c).connections() != 0) return false;
  }
  return true;
}

// What a one-core run must show, asked of every core of any run.
void check_echo_run(sim::MulticoreHosts& hosts, const Apps& apps, std::uint64_t connections) {
  const auto& rss = hosts.rss();
  // Every connection opened on any core was accepted on exactly one.
  std::set<std::pair<std::uint16_t, std::uint16_t>> opened;
  std::multiset<std::pair<std::uint16_t, std::uint16_t>> accepted;
  for (std::uint16_t c = 0; c < hosts.cores(); ++c) {
    BOOST_TEST_CONTEXT("core " << c) {
      const auto& n = apps[c]->counters();
      BOOST_TEST(n.completed == connections);
      BOOST_TEST(n.failures == 0u);
      BOOST_TEST(n.connect_errors == 0u);
      BOOST_TEST(n.mismatches == 0u);
      BOOST_TEST(n.exchanges == connections * 3);
      // Outbound: every port chosen brings its replies back to this core.
      for (const auto& t : apps[c]->opened_tuples())
        BOOST_TEST(rss.queue_of(reply_hash(rss, t)) == c);
      // Inbound: what RSS sent to this core's server (not necessarily from
      // this core's client: the hash of a tuple is not that of its reverse).
      BOOST_TEST(!apps[c]->accepted_tuples().empty());  // the load is spread
      for (const auto& t : apps[c]->accepted_tuples()) {
        BOOST_TEST(rss.queue_of(reply_hash(rss, t)) == c);
        accepted.emplace(t.remote.port, t.local.port);
      }
      for (const auto& t : apps[c]->opened_tuples())
        opened.emplace(t.local.port, t.remote.port);
      for (stack::Stack* s : {&hosts.client(c), &hosts.server(c)}) {
        BOOST_TEST(s->counters().no_socket_resets == 0u);
        BOOST_TEST(s->counters().nic_conn_id_stale == 0u);
        BOOST_TEST(s->counters().flow_insert_failed == 0u);
        BOOST_TEST(s->connections() == 0u);
        BOOST_TEST(s->allocated_buffers() == 0u);
      }
      // The NIC's flow table, not the host's, found the connections.
      BOOST_TEST(hosts.server(c).counters().demux_by_nic > 0u);
    }
  }
  BOOST_TEST(opened.size() == connections * hosts.cores());
  BOOST_TEST((std::multiset(opened.begin(), opened.end()) == accepted));
  BOOST_TEST(hosts.client_device().counters().rx_dropped == 0u);
  BOOST_TEST(hosts.server_device().counters().rx_dropped == 0u);
}

void virtual_echo_run(std::uint16_t cores) {
  constexpr std::uint64_t kConnections = 40;
  sim::MulticoreHosts hosts(hosts_config(cores, false, 1s), Instant{});
  Apps apps = make_apps(hosts, echo_config(kConnections));
  Instant now{};
  BOOST_TEST_REQUIRE(run_virtual(
      hosts, apps, now, [&] { return all_done(apps); }, 60s));
  // TIME-WAIT (2 MSL) runs out and every TCB is freed.
  BOOST_TEST(run_virtual(
      hosts, apps, now, [&] { return all_closed(hosts); }, 10s));
  check_echo_run(hosts, apps, kConnections);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(four_queue_conformance)
TANDEM_DEVICE_CONFORMANCE_CASES(make_four_queues)
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(steering)

BOOST_AUTO_TEST_CASE(ipv4_frames_land_on_the_queue_their_rss_hash_names) {
  TwoQueuePair p;
  for (std::uint16_t port = 40000; port < 40064; ++port)
    BOOST_TEST((p.a.send_frame(0, frame_from_port(port), 0) == dev::TxStatus::ok));
  conformance::settle(p.a, p.b);
  std::size_t total = 0;
  for (std::uint16_t q = 0; q < 2; ++q) {
    const auto got = drain_queue(p.b, q);
    BOOST_TEST(!got.empty());  // 64 flows do not all hash one way
    total += got.size();
    for (const auto& r : got) {
      const std::uint32_t hash = wire::rss_hash_of_frame(p.b.rss().key, r.frame);
      BOOST_TEST(r.meta.rss_hash == hash);
      BOOST_TEST(r.meta.queue == q);
      BOOST_TEST(p.b.rss().queue_of(hash) == q);
    }
  }
  BOOST_TEST(total == 64u);
}

BOOST_AUTO_TEST_CASE(arp_is_copied_to_every_queue) {
  TwoQueuePair p(3);
  // An ARP request: each core's interface keeps its own neighbour table.
  std::vector<std::byte> arp(60);
  std::fill_n(arp.begin(), 6, std::byte{0xff});
  arp[12] = std::byte{0x08};
  arp[13] = std::byte{0x06};
  BOOST_TEST((p.a.send_frame(0, arp, 0) == dev::TxStatus::ok));
  conformance::settle(p.a, p.b);
  for (std::uint16_t q = 0; q < 3; ++q) {
    const auto got = drain_queue(p.b, q);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST((got[0].frame == arp));
    BOOST_TEST(got[0].meta.queue == q);
  }
  BOOST_TEST(p.b.counters().rx_frames == 3u);
}

BOOST_AUTO_TEST_CASE(one_queue_without_an_rss_table_does_not_hash) {
  TwoQueuePair p(1);
  BOOST_TEST((p.a.send_frame(0, frame_from_port(40000), 0) == dev::TxStatus::ok));
  conformance::settle(p.a, p.b);
  const auto got = drain_queue(p.b, 0);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].meta.rss_hash == 0u);
}

BOOST_AUTO_TEST_CASE(a_table_naming_a_missing_queue_is_refused) {
  sim::Link link({});
  sim::SoftDeviceConfig c;
  c.queues = 2;
  c.rss = wire::RssConfig::spread(3);
  BOOST_CHECK_THROW(sim::SoftDevice(link, sim::LinkEnd::a, c), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(flow_entries_follow_the_tuple_and_completions_the_port) {
  TwoQueuePair p;
  // A flow whose frames hash to queue 1, inserted through port 0.
  std::uint16_t port = 40000;
  while (p.b.rss().queue_of(wire::rss_hash_of_frame(p.b.rss().key, frame_from_port(port))) != 1)
    ++port;
  tandem::contract::FlowCommand insert;
  insert.key =
      tandem::contract::FlowKey4{conformance::kIpA.value, conformance::kIpB.value, port, 80};
  insert.conn_id = 77;
  insert.tag = 5;
  BOOST_TEST(p.b.queue_port(0).submit_flow_command(insert));
  std::array<dev::FlowCompletion, 4> done{};
  BOOST_TEST(p.b.queue_port(1).poll_flow_completions(done) == 0u);
  BOOST_TEST(p.b.poll_flow_completions(done) == 0u);
  BOOST_TEST_REQUIRE(p.b.queue_port(0).poll_flow_completions(done) == 1u);
  BOOST_TEST(done[0].tag == 5u);
  BOOST_TEST((done[0].status == tandem::contract::FlowStatus::ok));

  BOOST_TEST((p.a.send_frame(0, frame_from_port(port), 0) == dev::TxStatus::ok));
  conformance::settle(p.a, p.b);
  const auto got = drain_queue(p.b.queue_port(1), 1);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].meta.conn_id == 77u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(per_core_stacks)

BOOST_AUTO_TEST_CASE(one_core_echo_is_byte_exact) {
  virtual_echo_run(1);
}

BOOST_AUTO_TEST_CASE(two_cores_echo_is_byte_exact_and_each_flow_stays_on_its_core) {
  virtual_echo_run(2);
}

// The control: without RSS-aware source ports, SYN-ACKs reach the other core,
// whose Stack resets them. It shows that the checks above can fail.
BOOST_AUTO_TEST_CASE(without_rss_source_ports_replies_reach_the_wrong_core) {
  auto config = hosts_config(2, false, 1s);
  config.rss_source_ports = false;
  sim::MulticoreHosts hosts(config, Instant{});
  Apps apps = make_apps(hosts, echo_config(20));
  Instant now{};
  (void)run_virtual(
      hosts, apps, now, [&] { return all_done(apps); }, 5s);
  std::uint64_t resets = 0;
  std::uint64_t completed = 0;
  for (std::uint16_t c = 0; c < 2; ++c) {
    resets += hosts.client(c).counters().no_socket_resets;
    completed += apps[c]->counters().completed;
  }
  BOOST_TEST(resets > 0u);
  BOOST_TEST(completed < 40u);
}

BOOST_AUTO_TEST_CASE(two_cores_on_two_threads_echo_byte_exact) {
  constexpr std::uint64_t kConnections = 200;
  // Real time: the steady clock, as a real-time driver runs the Stacks.
  const auto clock = [] {
    return Instant(
        std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
  };
  sim::MulticoreHosts hosts(hosts_config(2, true, 50ms), clock());
  Apps apps = make_apps(hosts, echo_config(kConnections));
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::array<bool, 2> finished{};
  const auto core = [&](std::uint16_t c) {
    while (std::chrono::steady_clock::now() < deadline) {
      const Instant now = clock();
      hosts.poll_core(c, now);
      apps[c]->run(now);
      if (apps[c]->done() && hosts.client(c).connections() == 0 &&
          hosts.server(c).connections() == 0) {
        finished[c] = true;
        return;
      }
    }
  };
  std::thread other(core, std::uint16_t{1});
  core(0);
  other.join();
  BOOST_TEST_REQUIRE(finished[0]);
  BOOST_TEST_REQUIRE(finished[1]);
  check_echo_run(hosts, apps, kConnections);
}

BOOST_AUTO_TEST_SUITE_END()
