// SPDX-License-Identifier: Apache-2.0
// Per-core stacks on the `soft` backend (docs/multicore.md): two hosts on one
// link, each a multi-queue soft NIC with one Stack per core, and an echo
// workload whose every byte is checked. The multi-core tests and
// bench/scaling_bench.cpp both run on it, so that the figures the benchmark
// prints come from traffic the tests prove byte-exact.
//
// Core c owns queue c of both NICs and the two Stacks on them (client and
// server). A core's thread calls poll_core(c, now) and its EchoCore's run(now)
// and touches nothing of another core's; what the cores share is the link and
// the NICs, which guard themselves (sim/soft/soft_device.hpp).
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "host/stack/stack.hpp"
#include "sim/link/link.hpp"
#include "sim/soft/soft_device.hpp"

namespace tandem::sim {

// A host of a multi-core world: `addr`/24, MAC 02:00:00:00:00:<mac_last>, a
// fixed secret (runs repeat), and MSL `msl`. TIME-WAIT is 2 x MSL: at tens of
// thousands of connections a second a core's half of the ephemeral range
// would run out with Linux's 60 s (Linux's answer is tcp_tw_reuse; a test or
// a benchmark can shorten MSL instead).
inline stack::StackConfig multicore_host_config(wire::Ipv4Address addr, std::uint8_t mac_last,
                                                Duration msl = std::chrono::milliseconds(100)) {
  stack::StackConfig c;
  c.net.address = addr;
  c.net.prefix_len = 24;
  c.net.mac = wire::MacAddress{{0x02, 0x00, 0x00, 0x00, 0x00, mac_last}};
  c.tcp.msl = msl;
  c.secret = tcp::SipKey{0x243f6a8885a308d3ULL + mac_last, 0x13198a2e03707344ULL};
  return c;
}

struct MulticoreConfig {
  std::uint16_t cores = 2;
  // Cores run on threads of their own: the two NICs then share a link lock.
  bool threaded = false;
  // Stacks pick source ports by RSS (StackConfig::rss). Off, each core takes a
  // slice of the ephemeral range instead: only to show what goes wrong then.
  bool rss_source_ports = true;
  LinkConfig link;
  SoftDeviceConfig device;    // `queues`, `rss` and `link_lock` are filled in
  stack::StackConfig client;  // per core: `net.queue` and `rss` are filled in
  stack::StackConfig server;
};

class MulticoreHosts {
 public:
  MulticoreHosts(const MulticoreConfig& config, Instant start)
      : link_(config.link),
        link_lock_(config.threaded ? std::make_shared<std::mutex>() : nullptr),
        client_dev_(link_, LinkEnd::a, device_config(config, link_lock_)),
        server_dev_(link_, LinkEnd::b, device_config(config, link_lock_)) {
    for (std::uint16_t core = 0; core < config.cores; ++core) {
      clients_.push_back(std::make_unique<stack::Stack>(
          client_dev_.queue_port(core), stack_config(config, config.client, core), start));
      servers_.push_back(std::make_unique<stack::Stack>(
          server_dev_.queue_port(core), stack_config(config, config.server, core), start));
    }
  }

  std::uint16_t cores() const { return static_cast<std::uint16_t>(clients_.size()); }
  stack::Stack& client(std::uint16_t core) { return *clients_.at(core); }
  stack::Stack& server(std::uint16_t core) { return *servers_.at(core); }
  SoftDevice& client_device() { return client_dev_; }
  SoftDevice& server_device() { return server_dev_; }
  const wire::RssConfig& rss() const { return client_dev_.rss(); }

  // One core's turn: the link delivers what is due (into whichever queues the
  // frames steer to), then the core's two Stacks take their queues' frames,
  // run their timers and send.
  void poll_core(std::uint16_t core, Instant now) {
    client_dev_.queue_port(core).advance(now);
    server_dev_.queue_port(core).advance(now);
    clients_[core]->poll(now);
    servers_[core]->poll(now);
  }

  // When the link or one of `core`'s Stacks next has work.
  std::optional<Instant> next_event(std::uint16_t core) const {
    std::optional<Instant> next = client_dev_.next_event();
    for (const auto t : {clients_[core]->poll_at(), servers_[core]->poll_at()}) {
      if (t && (!next || *t < *next)) next = t;
    }
    return next;
  }

 private:
  static SoftDeviceConfig device_config(const MulticoreConfig& config,
                                        std::shared_ptr<std::mutex> link_lock) {
    SoftDeviceConfig d = config.device;
    d.queues = config.cores;
    d.rss = wire::RssConfig::spread(config.cores);
    d.link_lock = std::move(link_lock);  // both NICs the same one
    return d;
  }
  static stack::StackConfig stack_config(const MulticoreConfig& config,
                                         const stack::StackConfig& base, std::uint16_t core) {
    stack::StackConfig s = base;
    s.net.queue = core;
    if (config.rss_source_ports) {
      s.rss = wire::RssConfig::spread(config.cores);
    } else {
      // The naive alternative: a slice of the ephemeral range per core, which
      // keeps the cores' 4-tuples apart but lets replies land anywhere.
      const std::uint32_t slice =
          (std::uint32_t{s.ephemeral_last} - s.ephemeral_first + 1) / config.cores;
      s.ephemeral_first = static_cast<std::uint16_t>(s.ephemeral_first + core * slice);
      s.ephemeral_last = static_cast<std::uint16_t>(s.ephemeral_first + slice - 1);
    }
    // Each core's own secret: nothing shared, not even ISN state.
    s.secret.k0 ^= 0x9e3779b97f4a7c15ULL * (core + 1u);
    return s;
  }

  Link link_;
  std::shared_ptr<std::mutex> link_lock_;
  SoftDevice client_dev_;
  SoftDevice server_dev_;
  std::vector<std::unique_ptr<stack::Stack>> clients_;
  std::vector<std::unique_ptr<stack::Stack>> servers_;
};

struct EchoConfig {
  tcp::Endpoint server;           // where clients connect; each server Stack listens on its port
  std::size_t message = 64;       // bytes of each request, echoed back as the response
  std::uint32_t rounds = 1;       // request/response exchanges per connection; 0: unbounded
  std::uint32_t concurrency = 8;  // connections a core keeps open at once
  std::uint64_t connections = 0;  // connections a core completes; 0: unbounded
  bool record_tuples = false;     // keep every 4-tuple (for tests)
};

struct EchoCounters {
  std::uint64_t opened = 0;
  std::uint64_t connected = 0;
  std::uint64_t completed = 0;  // every round done and closed by the client
  std::uint64_t exchanges = 0;  // responses received whole and byte-exact
  std::uint64_t accepted = 0;
  std::uint64_t mismatches = 0;      // response bytes that differ from the request's
  std::uint64_t failures = 0;        // connections that ended in an error
  std::uint64_t connect_errors = 0;  // connect() refused (no port, no TCB slot)
};

// One core's share of an echo workload: its client Stack keeps `concurrency`
// connections open, each sending `message` bytes and waiting for them to come
// back before the next round; its server Stack echoes whatever it reads and
// closes when the client does. Event-driven through ReadinessObserver, as the
// socket layer is.
class EchoCore {
 public:
  EchoCore(stack::Stack& client, stack::Stack& server, const EchoConfig& config)
      : client_(client), server_(server), config_(config), buffer_(std::size_t{64} * 1024) {
    client_.set_observer(&client_events_);
    server_.set_observer(&server_events_);
    if (server_.listen(tcp::Endpoint{{}, config.server.port}, 4096, false, listener_)) {
      throw std::runtime_error("EchoCore: listen failed");
    }
  }
  ~EchoCore() {
    client_.set_observer(nullptr);
    server_.set_observer(nullptr);
  }
  EchoCore(const EchoCore&) = delete;
  EchoCore& operator=(const EchoCore&) = delete;

  // Handles everything the Stacks reported since the last call, then opens
  // connections up to the concurrency.
  void run(Instant now) {
    now_ = now;
    drain();
    while (opening_ && active_ < config_.concurrency &&
           (config_.connections == 0 || counters_.opened < config_.connections)) {
      if (!open()) break;
      drain();
    }
  }

  // No new connections from now on (those open finish their rounds).
  void stop_opening() { opening_ = false; }
  bool done() const {
    return config_.connections != 0 &&
           counters_.completed + counters_.failures >= config_.connections;
  }
  std::uint32_t active() const { return active_; }
  const EchoCounters& counters() const { return counters_; }
  // As the client and the server saw them (record_tuples).
  const std::vector<tcp::FourTuple>& opened_tuples() const { return opened_tuples_; }
  const std::vector<tcp::FourTuple>& accepted_tuples() const { return accepted_tuples_; }

  static std::byte pattern(std::uint64_t serial, std::uint32_t round, std::size_t k) {
    return static_cast<std::byte>((serial * 131 + std::uint64_t{round} * 29 + k * 7 + (k >> 8)) &
                                  0xffu);
  }

 private:
  struct Events final : stack::ReadinessObserver {
    void on_connection_events(stack::ConnId id, std::uint8_t events) override {
      pending.emplace_back(id, events);
    }
    void on_listener_ready(stack::ListenerId) override { listener_ready = true; }
    std::vector<std::pair<stack::ConnId, std::uint8_t>> pending;
    bool listener_ready = false;
  };
  struct ClientConn {
    bool active = false;
    bool established = false;
    std::uint64_t serial = 0;
    std::uint32_t round = 0;
    std::size_t sent = 0;
    std::size_t received = 0;
  };
  struct ServerConn {
    bool active = false;
    std::vector<std::byte> unsent;  // read but refused by a full send buffer
  };

  template <typename T>
  static T& slot(std::vector<T>& v, stack::ConnId id) {
    if (id >= v.size()) v.resize(id + 1u);
    return v[id];
  }

  void drain() {
    std::vector<std::pair<stack::ConnId, std::uint8_t>> batch;
    while (!client_events_.pending.empty() || !server_events_.pending.empty() ||
           server_events_.listener_ready) {
      if (server_events_.listener_ready) {
        server_events_.listener_ready = false;
        accept_all();
      }
      batch.swap(server_events_.pending);
      for (const auto& [id, events] : batch)
        on_server(id, events);
      batch.clear();
      batch.swap(client_events_.pending);
      for (const auto& [id, events] : batch)
        on_client(id, events);
      batch.clear();
    }
  }

  // --- client side --------------------------------------------------------
  bool open() {
    stack::ConnId id = 0;
    if (client_.connect(config_.server, {}, now_, id)) {
      ++counters_.connect_errors;
      return false;
    }
    ClientConn& c = slot(clients_, id);
    c = ClientConn{};
    c.active = true;
    c.serial = counters_.opened++;
    ++active_;
    client_.set_nodelay(id, true);
    if (config_.record_tuples) opened_tuples_.push_back(client_.tcb(id).tuple());
    return true;
  }

  void on_client(stack::ConnId id, std::uint8_t events) {
    if (id >= clients_.size() || !clients_[id].active) return;
    ClientConn& c = clients_[id];
    if (events & tcp::event::error) return fail_client(id);
    if ((events & tcp::event::connected) && !c.established) {
      c.established = true;
      ++counters_.connected;
    }
    if (!c.established) return;
    send_request(id);
    if (c.active) read_response(id);
  }

  void send_request(stack::ConnId id) {
    ClientConn& c = clients_[id];
    while (c.sent < config_.message) {
      const std::size_t n = std::min(config_.message - c.sent, buffer_.size());
      for (std::size_t k = 0; k < n; ++k)
        buffer_[k] = pattern(c.serial, c.round, c.sent + k);
      const tcp::IoResult r = client_.send(id, std::span(buffer_).first(n), now_);
      if (r.error == EAGAIN || (r.error == 0 && r.bytes == 0)) return;
      if (r.error != 0) return fail_client(id);
      c.sent += r.bytes;
    }
  }

  void read_response(stack::ConnId id) {
    ClientConn& c = clients_[id];
    while (c.active) {
      const tcp::IoResult r = client_.receive(id, buffer_, now_);
      if (r.error == EAGAIN) return;
      // End of stream before the last response is as much a failure as an error.
      if (r.error != 0 || r.bytes == 0) return fail_client(id);
      for (std::size_t k = 0; k < r.bytes; ++k) {
        if (c.received + k >= c.sent || buffer_[k] != pattern(c.serial, c.round, c.received + k)) {
          ++counters_.mismatches;
        }
      }
      c.received += r.bytes;
      if (c.received < config_.message) continue;
      ++counters_.exchanges;
      ++c.round;
      c.sent = 0;
      c.received = 0;
      if (config_.rounds != 0 && c.round >= config_.rounds) {
        finish_client(id, false);
        ++counters_.completed;
        return;
      }
      send_request(id);
    }
  }

  void fail_client(stack::ConnId id) {
    ++counters_.failures;
    finish_client(id, true);
  }
  void finish_client(stack::ConnId id, bool abort) {
    clients_[id].active = false;
    --active_;
    client_.release(id, abort, now_);
  }

  // --- server side --------------------------------------------------------
  void accept_all() {
    while (const auto id = server_.accept(listener_)) {
      ++counters_.accepted;
      ServerConn& s = slot(servers_, *id);
      s = ServerConn{};
      s.active = true;
      server_.set_nodelay(*id, true);
      if (config_.record_tuples) accepted_tuples_.push_back(server_.tcb(*id).tuple());
      // What arrived while it waited in the accept queue raised no events.
      echo(*id);
    }
  }

  void on_server(stack::ConnId id, std::uint8_t events) {
    if (id >= servers_.size() || !servers_[id].active) return;
    if (events & tcp::event::error) return finish_server(id, true);
    echo(id);
  }

  void echo(stack::ConnId id) {
    ServerConn& s = servers_[id];
    while (s.active) {
      if (!s.unsent.empty()) {
        const tcp::IoResult w = server_.send(id, s.unsent, now_);
        if (w.error != 0 && w.error != EAGAIN) return finish_server(id, true);
        s.unsent.erase(s.unsent.begin(), s.unsent.begin() + static_cast<std::ptrdiff_t>(w.bytes));
        if (!s.unsent.empty()) return;
      }
      const tcp::IoResult r = server_.receive(id, buffer_, now_);
      if (r.error == EAGAIN) return;
      if (r.error != 0) return finish_server(id, true);
      if (r.bytes == 0) return finish_server(id, false);  // the client closed: so do we
      const auto data = std::span(buffer_).first(r.bytes);
      const tcp::IoResult w = server_.send(id, data, now_);
      if (w.error != 0 && w.error != EAGAIN) return finish_server(id, true);
      s.unsent.assign(data.begin() + static_cast<std::ptrdiff_t>(w.bytes), data.end());
    }
  }

  void finish_server(stack::ConnId id, bool abort) {
    servers_[id].active = false;
    server_.release(id, abort, now_);
  }

  stack::Stack& client_;
  stack::Stack& server_;
  EchoConfig config_;
  Events client_events_;
  Events server_events_;
  stack::ListenerId listener_ = 0;
  Instant now_{};
  bool opening_ = true;
  std::uint32_t active_ = 0;
  std::vector<ClientConn> clients_;
  std::vector<ServerConn> servers_;
  std::vector<std::byte> buffer_;
  EchoCounters counters_;
  std::vector<tcp::FourTuple> opened_tuples_;
  std::vector<tcp::FourTuple> accepted_tuples_;
};

}  // namespace tandem::sim
