// SPDX-License-Identifier: Apache-2.0
// An example program (examples/) run as a user runs it, in a network namespace
// of its own with Linux's side of its port configured, for the interop tests
// that drive the programs with Linux's tools. Include after
// <boost/test/unit_test.hpp>; the including target defines TANDEM_EXAMPLES_DIR.
//
//   Running         --backend tap:  Linux 10.80.0.1/24 ◄── TAP tdm0 ──► 10.80.0.2
//   RunningOnDpdk   --backend dpdk on a net_tap port (no hugepages, no PCI):
//                   Linux <subnet>.1/24 ◄── TAP (net_tap) ──► <subnet>.2
//
// Both offer tandem_ip(), linux(argv, input) and stop_and_check(data_ports),
// so that a test written once runs on either.
#pragma once

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/interop/interop_test.hpp"

namespace tandem::interop {

inline const std::string kExamplesDir = TANDEM_EXAMPLES_DIR;

// `argv` in `ns`, given a minute.
inline CommandResult run_to_end(const NetworkNamespace& ns, const std::vector<std::string>& argv,
                                std::string input) {
  using namespace std::chrono_literals;
  auto child = ns.spawn(argv, 60'000ms, std::move(input));
  return child.wait();
}

// Every server example says it is "serving" once all its listeners exist: a
// SYN before that would be refused (on more than one core, by a core still
// without its listener).
inline void wait_until_serving(ChildProcess& program) {
  using namespace std::chrono_literals;
  BOOST_REQUIRE_MESSAGE(program.wait_for_output("serving", 30'000ms),
                        "the program never said it was serving: " << program.result().describe());
}

// One example program on the tap backend in a namespace of its own, with
// Linux's side of its TAP configured, once it is serving; stopped with SIGTERM
// at the end.
class Running {
 public:
  static constexpr const char* kTandemIp = "10.80.0.2";

  Running(const std::string& purpose, const std::vector<std::string>& program)
      : ns_(purpose), capture_(capture_path_for_this_test()) {
    using namespace std::chrono_literals;
    std::vector<std::string> argv = program;
    argv[0] = kExamplesDir + "/" + argv[0];
    for (const char* a : {"--backend", "tap", "--iface", "tdm0", "--ip", "10.80.0.2/24"}) {
      argv.emplace_back(a);
    }
    argv.insert(argv.end(), {"--pcap", capture_});
    std::remove(capture_.c_str());
    program_.emplace(ns_.spawn(argv, 120'000ms));
    // The TAP exists once the program has opened it.
    for (int i = 0; i < 100; ++i) {
      if (ns_.run({"ip", "link", "show", "tdm0"}).ok()) break;
      BOOST_REQUIRE_MESSAGE(!program_->poll(), program_->result().describe());
      std::this_thread::sleep_for(50ms);
    }
    ns_.add_address("tdm0", "10.80.0.1/24");
    wait_until_serving(*program_);
  }

  const NetworkNamespace& ns() const { return ns_; }
  std::string tandem_ip() const { return kTandemIp; }
  // `argv` run on Linux's side, to its end.
  CommandResult linux(const std::vector<std::string>& argv, std::string input = {}) const {
    return run_to_end(ns_, argv, std::move(input));
  }

  // SIGTERM; the program must exit 0 and leave a clean capture. Returns how
  // it ended and what it printed.
  CommandResult stop_and_check(const std::vector<std::uint16_t>& data_ports = {}) {
    program_->signal(SIGTERM);
    const CommandResult result = program_->wait();
    BOOST_TEST(result.exit_code == 0, result.describe());
    BOOST_TEST_MESSAGE(result.err << result.out);
    const auto verdict = check_capture(capture_, data_ports);
    BOOST_TEST(verdict.ok(), verdict.report());
    return result;
  }

 private:
  NetworkNamespace ns_;
  std::string capture_;
  std::optional<ChildProcess> program_;
};

// One example program on the dpdk backend, its port a net_tap (named
// net_tap_<tag>, TAP tdm<tag>) in a namespace of its own, EAL without
// hugepages or PCI and with a runtime directory of its own, which goes at the
// end. dumpcap on Linux's side of the TAP captures what crossed it. Where the
// program cannot run on dpdk (a build without DPDK, an EAL that cannot start),
// skipped() says why and nothing else may be called.
class RunningOnDpdk {
 public:
  // `subnet`: the first three octets, "10.81.0"; Tandem is .2, Linux .1.
  RunningOnDpdk(const std::string& purpose, const std::string& tag, const std::string& subnet,
                const std::vector<std::string>& program)
      : ns_(purpose),
        tap_("tdm" + tag),
        prefix_("tdm-ex" + tag + "-" + std::to_string(::getpid())),
        tandem_ip_(subnet + ".2"),
        capture_(capture_path_for_this_test()) {
    using namespace std::chrono_literals;
    const std::string eal =
        "--no-huge --no-pci -m 512 --no-telemetry --log-level=warning --file-prefix=" + prefix_ +
        " --vdev net_tap_" + tag + ",iface=" + tap_ + ",mac=02:00:" + mac_tail(tandem_ip_);
    std::vector<std::string> argv = program;
    argv[0] = kExamplesDir + "/" + argv[0];
    argv.insert(argv.end(), {"--backend", "dpdk", "--iface", "net_tap_" + tag, "--eal", eal, "--ip",
                             tandem_ip_ + "/24"});
    program_.emplace(ns_.spawn(argv, 120'000ms));
    bool tap_up = false;
    for (int i = 0; i < 200 && !tap_up; ++i) {
      tap_up = ns_.run({"ip", "link", "show", tap_}).ok();
      if (!tap_up) {
        if (program_->poll()) break;
        std::this_thread::sleep_for(50ms);
      }
    }
    if (!tap_up) {
      program_->signal(SIGTERM);
      const auto& result = program_->wait();
      std::filesystem::remove_all(runtime_dir());
      if (result.err.find("no DPDK") != std::string::npos ||
          result.err.find("EAL") != std::string::npos) {
        skipped_ = program[0] + " cannot run on dpdk here: " + result.describe();
        return;
      }
      BOOST_FAIL(program[0] << " --backend dpdk did not create its TAP: " << result.describe());
    }
    wait_until_serving(*program_);
    ns_.add_address(tap_, subnet + ".1/24");
    ns_.run_checked({"ip", "link", "set", "dev", tap_, "up"});
    std::remove(capture_.c_str());
    dumpcap_.emplace(ns_.spawn({"dumpcap", "-q", "-i", tap_, "-w", capture_}, 120'000ms));
    // dumpcap has started once the file exists.
    for (int i = 0; i < 100 && !std::filesystem::exists(capture_); ++i)
      std::this_thread::sleep_for(50ms);
  }
  ~RunningOnDpdk() { std::filesystem::remove_all(runtime_dir()); }
  RunningOnDpdk(const RunningOnDpdk&) = delete;
  RunningOnDpdk& operator=(const RunningOnDpdk&) = delete;

  const std::optional<std::string>& skipped() const { return skipped_; }
  const NetworkNamespace& ns() const { return ns_; }
  const std::string& tandem_ip() const { return tandem_ip_; }
  // `argv` run on Linux's side, to its end.
  CommandResult linux(const std::vector<std::string>& argv, std::string input = {}) const {
    return run_to_end(ns_, argv, std::move(input));
  }

  // SIGTERM; the program must exit 0, and the capture must be clean. Returns
  // how the program ended.
  CommandResult stop_and_check(const std::vector<std::uint16_t>& data_ports = {}) {
    using namespace std::chrono_literals;
    program_->signal(SIGTERM);
    const CommandResult result = program_->wait();
    BOOST_TEST(result.exit_code == 0, result.describe());
    BOOST_TEST_MESSAGE(result.err << result.out);
    std::this_thread::sleep_for(200ms);
    dumpcap_->signal(SIGTERM);
    dumpcap_->wait();
    const auto verdict = check_capture(capture_, data_ports);
    BOOST_TEST(verdict.ok(), verdict.report());
    return result;
  }

 private:
  std::string runtime_dir() const { return "/var/run/dpdk/" + prefix_; }
  // `ip`'s four octets as the MAC's last four bytes (after 02:00), as the
  // other backends choose the stack's MAC.
  static std::string mac_tail(const std::string& ip) {
    std::string tail;
    std::size_t from = 0;
    for (int octet = 0; octet < 4; ++octet) {
      const std::size_t dot = ip.find('.', from);
      char buf[4];
      std::snprintf(buf, sizeof buf, "%02x", std::stoi(ip.substr(from, dot - from)));
      tail += (octet == 0 ? "" : ":") + std::string(buf);
      from = dot + 1;
    }
    return tail;
  }

  NetworkNamespace ns_;
  std::string tap_;
  std::string prefix_;
  std::string tandem_ip_;
  std::string capture_;
  std::optional<std::string> skipped_;
  std::optional<ChildProcess> program_;
  std::optional<ChildProcess> dumpcap_;
};

}  // namespace tandem::interop
