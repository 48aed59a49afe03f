// SPDX-License-Identifier: Apache-2.0
// tandem-iperf3 against Linux's iperf3 client (Debian 12's, 3.12): forward,
// reverse (-R) and parallel (-P 2) tests bounded by bytes and by time, and a
// UDP test it must refuse and go on; once on the tap backend and once on the
// dpdk backend (a net_tap port). Then tandem-iperf3 as the client of Linux's
// `iperf3 -s`, forward and reverse. iperf3's JSON report (-J) is read by python3:
// no "error", and the bytes both ends counted match what was asked for.
//
//   Linux 10.80.0.1/24 ◄── TAP tdm0 ──► tandem-iperf3 10.80.0.2          (tap)
//   Linux 10.82.0.1/24 ◄── TAP tdmip0 (net_tap) ──► tandem-iperf3 10.82.0.2 (dpdk)
#define BOOST_TEST_MODULE iperf3_interop
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/interop/example_program.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tandem;
using interop::CommandResult;

constexpr std::uint64_t kBytes = 8u << 20;
constexpr std::uint16_t kPort = 5201;

// What python3 reads out of `iperf3 -J`: whether it reported an error, the
// stream count and the summed bytes of each end.
struct Report {
  bool has_error = true;
  unsigned streams = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

Report read_report(const std::string& json) {
  const std::string script =
      "import json, sys\n"
      "d = json.load(sys.stdin)\n"
      "e = d.get('end', {})\n"
      "print(int('error' in d), len(e.get('streams', [])),\n"
      "      int(e.get('sum_sent', {}).get('bytes', 0)),\n"
      "      int(e.get('sum_received', {}).get('bytes', 0)))\n";
  interop::ChildProcess python({"python3", "-c", script}, 10'000ms, json);
  const CommandResult& r = python.wait();
  BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
  Report report;
  int error = 1;
  std::istringstream(r.out) >> error >> report.streams >> report.sent >> report.received;
  report.has_error = error != 0;
  return report;
}

// The cases, against a tandem-iperf3 `server` (interop::Running or
// RunningOnDpdk). Returns how many tests the server should have completed.
template <typename Server>
unsigned run_cases(const Server& server) {
  const std::string ip = server.tandem_ip();
  const auto linux = [&](const std::vector<std::string>& argv) { return server.linux(argv); };
  struct Case {
    std::vector<std::string> args;
    unsigned streams;
    bool bytes_bounded;
  };
  const std::string n = std::to_string(kBytes);
  const std::vector<Case> cases{
      {{"-n", n}, 1, true},
      {{"-R", "-n", n}, 1, true},
      {{"-P", "2", "-n", n}, 2, true},
      {{"-R", "-P", "2", "-n", n}, 2, true},
      {{"-t", "2"}, 1, false},
      {{"-R", "-P", "2", "-t", "2"}, 2, false},
  };
  for (const Case& c : cases) {
    std::string name;
    for (const auto& a : c.args)
      name += a + " ";
    BOOST_TEST_CONTEXT("iperf3 -c " << ip << " " << name) {
      std::vector<std::string> argv{"timeout", "30", "iperf3", "-c", ip, "-J"};
      argv.insert(argv.end(), c.args.begin(), c.args.end());
      const CommandResult r = linux(argv);
      BOOST_TEST(r.ok(), r.describe());
      const Report report = read_report(r.out);
      BOOST_TEST(!report.has_error, r.out);
      BOOST_TEST(report.streams == c.streams);
      if (c.bytes_bounded) {
        // The sender stops once it has sent at least -n: Linux's client may
        // be into one more 128 KiB block on each stream by then, while
        // tandem-iperf3 sends exactly -n (here a whole number of blocks).
        // The receiver counts every byte: tandem-iperf3 drains what is still
        // in flight before it reports.
        BOOST_TEST(report.sent >= kBytes);
        BOOST_TEST(report.sent <= kBytes + c.streams * (128u << 10));
        BOOST_TEST(report.received == report.sent);
      } else {
        // Bounded by time: what the receiver counted by TEST_END, at most what
        // was sent.
        BOOST_TEST(report.sent > 0u);
        BOOST_TEST(report.received > 0u);
        BOOST_TEST(report.received <= report.sent);
      }
      BOOST_TEST_MESSAGE("iperf3 " << name << ": sent " << report.sent << ", received "
                                   << report.received);
    }
  }
  // Refused with iperf3's "not implemented" (a clear error on the client's
  // side, exit 1); the server goes on, as the test after it shows.
  const CommandResult udp = linux({"timeout", "30", "iperf3", "-c", ip, "-u", "-t", "1"});
  BOOST_TEST(udp.exit_code == 1, udp.describe());
  BOOST_TEST(udp.err.find("not implemented") != std::string::npos, udp.describe());
  const CommandResult after = linux({"timeout", "30", "iperf3", "-c", ip, "-n", "1M"});
  BOOST_TEST(after.ok(), after.describe());
  BOOST_TEST(after.out.find("iperf Done.") != std::string::npos, after.describe());
  return static_cast<unsigned>(cases.size()) + 1;
}

// What the server printed at exit: every completed test, and the refusal.
void check_server_output(const CommandResult& result, unsigned completed) {
  const std::string out = result.out + result.err;
  BOOST_TEST(out.find(std::to_string(completed) + " tests completed, 1 failed or refused") !=
                 std::string::npos,
             out);
  BOOST_TEST(out.find("received " + std::to_string(kBytes) + " bytes") != std::string::npos, out);
  BOOST_TEST(out.find("sent " + std::to_string(kBytes) + " bytes") != std::string::npos, out);
  BOOST_TEST(out.find("refused UDP tests") != std::string::npos, out);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(iperf3_interop, *boost::unit_test::precondition(interop::available))

BOOST_AUTO_TEST_CASE(iperf3_client_against_tandem_iperf3_on_tap) {
  interop::Running server("iperf3", {"tandem-iperf3"});
  const unsigned completed = run_cases(server);
  check_server_output(server.stop_and_check({kPort}), completed);
}

BOOST_AUTO_TEST_CASE(iperf3_client_against_tandem_iperf3_on_dpdk) {
  interop::RunningOnDpdk server("iperf3-dpdk", "ip0", "10.82.0", {"tandem-iperf3"});
  if (server.skipped()) {
    BOOST_TEST_MESSAGE("skipped: " << *server.skipped());
    return;
  }
  const unsigned completed = run_cases(server);
  check_server_output(server.stop_and_check({kPort}), completed);
}

// tandem-iperf3 as the client (--connect) of Linux's `iperf3 -s`, forward and
// reverse, 8 MiB each. The TAP is made and addressed before either starts, so
// that the server listens on it and the client's first SYN finds it.
BOOST_AUTO_TEST_CASE(tandem_iperf3_client_against_iperf3_server_on_tap) {
  interop::NetworkNamespace ns("iperf3-client");
  ns.run_checked({"ip", "tuntap", "add", "tdm0", "mode", "tap"});
  ns.add_address("tdm0", "10.80.0.1/24");
  ns.run_checked({"ip", "link", "set", "tdm0", "up"});
  for (const bool reverse : {false, true}) {
    BOOST_TEST_CONTEXT("reverse " << reverse) {
      const std::string capture =
          interop::capture_path_for_this_test() + (reverse ? ".reverse.pcap" : ".forward.pcap");
      std::remove(capture.c_str());
      auto server = ns.spawn({"iperf3", "-s", "-1", "-B", "10.80.0.1"}, 60'000ms);
      // The server is up once its port is.
      for (int i = 0; i < 100; ++i) {
        if (ns.run({"ss", "-Hltn", "sport", "=", ":5201"}).out.find("5201") != std::string::npos)
          break;
        std::this_thread::sleep_for(50ms);
      }
      std::vector<std::string> argv{interop::kExamplesDir + "/tandem-iperf3",
                                    "--backend",
                                    "tap",
                                    "--iface",
                                    "tdm0",
                                    "--ip",
                                    "10.80.0.2/24",
                                    "--pcap",
                                    capture,
                                    "--connect",
                                    "10.80.0.1:5201",
                                    "--bytes",
                                    std::to_string(kBytes)};
      if (reverse) argv.emplace_back("--reverse");
      const CommandResult client = ns.spawn(argv, 60'000ms).wait();
      BOOST_TEST(client.ok(), client.describe());
      BOOST_TEST(client.out.find("sender") != std::string::npos, client.describe());
      BOOST_TEST_MESSAGE(client.out);
      // "sender N bytes in ..." and "receiver N bytes in ...": one side
      // counted by tandem-iperf3, the other reported by iperf3's server.
      const auto bytes_of = [&](const std::string& who) -> std::uint64_t {
        const auto at = client.out.find(who + " ");
        if (at == std::string::npos) return 0;
        return std::stoull(client.out.substr(client.out.find_first_not_of(' ', at + who.size())));
      };
      const std::uint64_t sent = bytes_of("sender");
      const std::uint64_t received = bytes_of("receiver");
      BOOST_TEST((reverse ? received : sent) >= kBytes, client.out);
      BOOST_TEST(received > 0u, client.out);
      BOOST_TEST(received <= sent, client.out);
      // iperf3's server's own summary (its -J sums are zero in 3.12, so the
      // text): the test ran and it saw no error.
      const CommandResult& served = server.wait();
      BOOST_TEST(served.ok(), served.describe());
      BOOST_TEST(served.out.find(reverse ? "sender" : "receiver") != std::string::npos,
                 served.describe());
      BOOST_TEST(served.out.find("error") == std::string::npos, served.describe());
      const auto verdict = interop::check_capture(capture, {kPort});
      BOOST_TEST(verdict.ok(), verdict.report());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
