// SPDX-License-Identifier: Apache-2.0
// The example programs as users run them: tandem-echo and tandem-http on the
// tap backend in a network namespace, driven by Linux's nc, socat, curl, wrk
// and ab; each program stopped with SIGTERM (which must end it cleanly and
// flush its capture) and each capture checked by tshark.
//
//   Linux 10.80.0.1/24 (tdm0's address)  ◄── TAP tdm0 ──►  tandem-* 10.80.0.2
#define BOOST_TEST_MODULE examples_interop
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

#include "tests/interop/example_program.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tandem;
using interop::NetworkNamespace;
using interop::Running;

const std::string kTandemIp = Running::kTandemIp;

std::string random_text(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>('0' + rng() % 75);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(examples_interop, *boost::unit_test::precondition(interop::available))

BOOST_AUTO_TEST_CASE(echo_level_and_edge_triggered_with_socat_and_nc) {
  for (const bool et : {false, true}) {
    BOOST_TEST_CONTEXT("edge-triggered " << et) {
      std::vector<std::string> program{"tandem-echo"};
      if (et) program.emplace_back("--et");
      Running echo("echo", program);
      const std::string text = random_text(300'000, et ? 2 : 1);
      const auto socat = echo.linux({"socat", "-t", "10", "-", "TCP:" + kTandemIp + ":7"}, text);
      BOOST_TEST(socat.ok(), socat.describe());
      BOOST_TEST((socat.out == text));
      const auto nc = echo.linux({"nc", "-N", "-w", "10", kTandemIp, "7"}, "hello tandem\n");
      BOOST_TEST(nc.ok(), nc.describe());
      BOOST_TEST(nc.out == "hello tandem\n");
      echo.stop_and_check();
    }
  }
}

BOOST_AUTO_TEST_CASE(http_with_curl_wrk_and_ab) {
  Running http("http", {"tandem-http", "--body-bytes", "3000"});
  const std::string url = "http://" + kTandemIp + ":8080/";
  const auto get = http.linux({"curl", "-sS", "-m", "10", "-w", "\n%{http_code}", url});
  BOOST_TEST(get.ok(), get.describe());
  BOOST_TEST(get.out.size() == 3000u + 4u);
  BOOST_TEST(get.out.ends_with("\n200"));
  const auto missing =
      http.linux({"curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", url + "x"});
  BOOST_TEST(missing.out == "404");
  const auto http10 = http.linux(
      {"curl", "-sS", "-m", "10", "--http1.0", "-o", "/dev/null", "-w", "%{http_code}", url});
  BOOST_TEST(http10.out == "200");
  const auto wrk = http.linux({"wrk", "-t2", "-c8", "-d2s", url});
  BOOST_TEST(wrk.ok(), wrk.describe());
  BOOST_TEST(wrk.out.find("Requests/sec") != std::string::npos, wrk.describe());
  BOOST_TEST(wrk.out.find("Socket errors") == std::string::npos, wrk.describe());
  BOOST_TEST(wrk.out.find("Non-2xx") == std::string::npos, wrk.describe());
  const auto ab = http.linux({"ab", "-q", "-k", "-n", "300", "-c", "4", url});
  BOOST_TEST(ab.ok(), ab.describe());
  BOOST_TEST(ab.out.find("Failed requests:        0") != std::string::npos, ab.describe());
  BOOST_TEST(ab.out.find("Complete requests:      300") != std::string::npos, ab.describe());
  http.stop_and_check();
}

BOOST_AUTO_TEST_CASE(http_keeps_serving_through_a_syn_flood_of_100_times_its_backlog) {
  // Backlog 16, so 1600 SYNs from spoofed addresses and ports with Linux's
  // options; curl must keep getting answers during and after, through SYN
  // cookies once the SYN queue is full.
  Running http("flood", {"tandem-http", "--body-bytes", "1000", "--backlog", "16"});
  const std::string flood_script =
      "import random\n"
      "from scapy.all import IP, TCP, send\n"
      "pkts = [IP(src='10.80.0.%d' % random.randint(100, 250), dst='10.80.0.2') /\n"
      "        TCP(sport=random.randint(1024, 65535), dport=8080, flags='S',\n"
      "            seq=random.getrandbits(32), window=64240,\n"
      "            options=[('MSS', 1460), ('SAckOK', b''),\n"
      "                     ('Timestamp', (random.getrandbits(32), 0)), ('NOP', None),\n"
      "                     ('WScale', 7)]) for _ in range(1600)]\n"
      "send(pkts, verbose=0)\n";
  auto flood = http.ns().spawn({"/usr/bin/python3", "-c", flood_script}, 120'000ms);
  const std::string url = "http://" + kTandemIp + ":8080/";
  int answered = 0;
  for (int i = 0; i < 10; ++i) {
    const auto get =
        http.linux({"curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", url});
    if (get.out == "200") ++answered;
  }
  const auto& flooded = flood.wait();
  BOOST_TEST(flooded.ok(), flooded.describe());
  for (int i = 0; i < 5; ++i) {
    const auto get =
        http.linux({"curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", url});
    if (get.out == "200") ++answered;
  }
  BOOST_TEST(answered == 15);
  const std::string report = http.stop_and_check();
  const auto at = report.find(" SYN cookies sent");
  BOOST_REQUIRE(at != std::string::npos);
  const auto start = report.rfind(' ', at - 1) + 1;
  BOOST_TEST(std::stoul(report.substr(start, at - start)) > 0u, report);
}

// tandem-http with a thread per core on the dpdk backend: --cores 2 gives the
// DPDK port two queues (a net_tap, which has no RETA, so the device steers by
// Toeplitz in software), each core its own stack, Runtime, reactor and
// SO_REUSEPORT listener. wrk's and curl's connections must all be answered,
// and the per-core counts the program prints at exit must show both cores
// serving. Linux's side of the TAP is captured with dumpcap.
//
//   Linux 10.81.0.1/24  ◄── TAP tdmhc0 (net_tap) ──►  tandem-http 10.81.0.2, 2 cores
BOOST_AUTO_TEST_CASE(http_on_dpdk_with_two_cores_each_with_a_reuseport_listener) {
  interop::RunningOnDpdk http("http-cores", "hc0", "10.81.0",
                              {"tandem-http", "--cores", "2", "--body-bytes", "2000"});
  if (http.skipped()) {
    BOOST_TEST_MESSAGE("skipped: " << *http.skipped());
    return;
  }
  const NetworkNamespace& ns = http.ns();
  const std::string url = "http://10.81.0.2:8080/";
  int ok = 0;
  for (int i = 0; i < 8; ++i) {
    const auto get = ns.run({"curl", "-sS", "-m", "10", "-w", "\n%{http_code}", url}, 15'000ms);
    BOOST_TEST(get.ok(), get.describe());
    if (get.out.size() == 2000u + 4u && get.out.ends_with("\n200")) ++ok;
  }
  BOOST_TEST(ok == 8);
  const auto wrk = ns.run({"wrk", "-t2", "-c8", "-d2s", url}, 60'000ms);
  BOOST_TEST(wrk.ok(), wrk.describe());
  BOOST_TEST(wrk.out.find("Requests/sec") != std::string::npos, wrk.describe());
  BOOST_TEST(wrk.out.find("Socket errors") == std::string::npos, wrk.describe());
  BOOST_TEST(wrk.out.find("Non-2xx") == std::string::npos, wrk.describe());

  const interop::CommandResult result = http.stop_and_check();
  // "core C: R requests served, N connections, B bytes sent", for both cores.
  for (const int core : {0, 1}) {
    BOOST_TEST_CONTEXT("core " << core) {
      const std::string key = "core " + std::to_string(core) + ": ";
      const auto at = result.out.find(key);
      BOOST_REQUIRE_MESSAGE(at != std::string::npos, result.describe());
      const std::string line = result.out.substr(at + key.size());
      const unsigned long requests = std::stoul(line);
      const auto comma = line.find(", ");
      BOOST_REQUIRE(comma != std::string::npos);
      const unsigned long connections = std::stoul(line.substr(comma + 2));
      BOOST_TEST(requests > 0u, result.out);
      BOOST_TEST(connections > 0u, result.out);
    }
  }
  BOOST_TEST(result.out.find("(0 bad)") != std::string::npos, result.out);
}

BOOST_AUTO_TEST_SUITE_END()
