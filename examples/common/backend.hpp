// SPDX-License-Identifier: Apache-2.0
// Opens what --backend names and hands back a Runtime the program's thread can
// call the tdm_* API on:
//
//   tap   TapDevice on --iface (the HLS kernels as C++ behind a Linux TAP)
//   sim   SimDevice — the NIC RTL under Verilator — with its wire on the TAP
//   dpdk  DpdkDevice on --iface (a DPDK port), EAL arguments from --eal
//   soft  two stacks on `soft` NICs over the link model, on virtual time:
//         this program's stack at 10.0.0.1, a peer stack at 10.0.0.2 for a
//         built-in client (there is no Linux on the other side)
//
// With --cores N > 1 (soft, dpdk) the NIC gets N queues and each core q gets an
// api::CoreRuntime: its own Stack on queue q (and on `soft` its own peer Stack
// on the peer NIC's queue q, on real time, since cores run in parallel), its
// own RealTimeDriver and Runtime. run_on_cores() runs the program's body on a
// thread per core with that core's Runtime current. tap and sim have one
// queue: N > 1 is refused there.
//
// The stack's MAC is 02:00 followed by its IPv4 address, so it is stable
// across runs and readable in captures.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "examples/common/cli.hpp"
#include "host/api/driver.hpp"
#include "host/api/runtime.hpp"
#include "host/dev/device.hpp"
#include "host/stack/stack.hpp"

namespace tandem::examples {

class Backend {
 public:
  // Throws std::runtime_error (or std::system_error) naming what could not be
  // opened and why.
  explicit Backend(const CommonOptions& options);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  unsigned cores() const { return cores_; }
  // Core `core`'s Runtime and Stack (one core: the only ones).
  api::Runtime& runtime(unsigned core = 0);
  stack::Stack& stack(unsigned core = 0);
  // soft only: the stack a built-in client runs on, and its address.
  stack::Stack* peer(unsigned core = 0);
  wire::Ipv4Address address() const { return address_; }
  bool virtual_time() const { return virtual_time_; }

  // A server on every core: `listen(core)` opens core's listening socket;
  // once every core's exists, `ready()` runs once (the program says it is
  // serving) and `serve(core, listener)` runs on every core. With one core on
  // this thread (whose Runtime is current already), with more on a thread
  // each, with that core's Runtime current there. No core serves before all
  // listen: the NIC steers each SYN by its hash, and a core without a listener
  // would refuse it. Returns when every `serve` has; an exception in one stops
  // the others (as a stop signal would) and is rethrown here, and an exception
  // in a `listen` means nothing is served.
  void run_on_cores(const std::function<int(unsigned core)>& listen,
                    const std::function<void()>& ready,
                    const std::function<void(unsigned core, int listener)>& serve);

  // Counters of the stack and the NIC, netstat -s and ethtool -S style; with
  // more than one core, the stack's per core.
  void print_counters(std::FILE* out) const;
  // Writes out buffered capture records.
  void flush_capture();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
  std::vector<stack::Stack*> stacks_;
  stack::Stack* peer_ = nullptr;
  std::unique_ptr<api::Runtime> runtime_;
  wire::Ipv4Address address_;
  bool virtual_time_ = false;
  unsigned cores_ = 1;
};

// SIGINT and SIGTERM set a flag the program's loop polls, so it can stop at a
// clean point, print what it did and flush its capture. Every core's loop
// polls the same flag; request_stop() sets it from the program.
void install_stop_handlers();
bool stop_requested();
void request_stop();

}  // namespace tandem::examples
