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

// tandem-echo's cases: a 300 kB stream through socat and a line through nc
// come back byte for byte.
template <typename Server>
void check_echo_with_socat_and_nc(const Server& echo, std::uint64_t seed) {
  const std::string ip = echo.tandem_ip();
  const std::string text = random_text(300'000, seed);
  const auto socat = echo.linux({"socat", "-t", "10", "-", "TCP:" + ip + ":7"}, text);
  BOOST_TEST(socat.ok(), socat.describe());
  BOOST_TEST((socat.out == text));
  const auto nc = echo.linux({"nc", "-N", "-w", "10", ip, "7"}, "hello tandem\n");
  BOOST_TEST(nc.ok(), nc.describe());
  BOOST_TEST(nc.out == "hello tandem\n");
}

// tandem-http's cases: curl (200 with the body, 404 for another path, HTTP/1.0),
// wrk and ab with keep-alive, every response good.
template <typename Server>
void check_http_with_curl_wrk_and_ab(const Server& http, std::size_t body_bytes) {
  const std::string url = "http://" + http.tandem_ip() + ":8080/";
  const auto get = http.linux({"curl", "-sS", "-m", "10", "-w", "\n%{http_code}", url});
  BOOST_TEST(get.ok(), get.describe());
  BOOST_TEST(get.out.size() == body_bytes + 4u);
  BOOST_TEST(get.out.ends_with("\n200"));
  const auto missing =
      http.linux({"curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", url + "x"});
  BOOST_TEST(missing.out == "404");
  const auto http10 = http.linux(
      {"curl", "-sS", "-m", "10", "--http1.0", "-o", "/dev/null", "-w", "%{http_code}", url});
  BOOST_TEST(http10.out == "200");
  // HTTP/1.0: the server closes first and holds the 4-tuple in TIME-WAIT; a
  // client that reads to the end (so that Linux's side does not hold it too)
  // comes back from the same port at once and is served (RFC 6191).
  const std::string same_port_script =
      "import socket, sys, time\n"
      "for _ in range(3):\n"
      "    time.sleep(0.3)  # Linux's side out of LAST-ACK\n"
      "    s = socket.socket()\n"
      "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
      "    s.settimeout(10)\n"
      "    s.bind(('', 45000))\n"
      "    s.connect((sys.argv[1], 8080))\n"
      "    s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n"
      "    reply = b''\n"
      "    while True:\n"
      "        chunk = s.recv(65536)\n"
      "        if not chunk: break\n"
      "        reply += chunk\n"
      "    s.close()\n"
      "    print(reply.split(b' ')[1].decode())\n";
  const auto same_port = http.linux({"/usr/bin/python3", "-c", same_port_script, http.tandem_ip()});
  BOOST_TEST(same_port.ok(), same_port.describe());
  BOOST_TEST(same_port.out == "200\n200\n200\n", same_port.describe());
  const auto wrk = http.linux({"wrk", "-t2", "-c8", "-d2s", url});
  BOOST_TEST(wrk.ok(), wrk.describe());
  BOOST_TEST(wrk.out.find("Requests/sec") != std::string::npos, wrk.describe());
  BOOST_TEST(wrk.out.find("Socket errors") == std::string::npos, wrk.describe());
  BOOST_TEST(wrk.out.find("Non-2xx") == std::string::npos, wrk.describe());
  const auto ab = http.linux({"ab", "-q", "-k", "-n", "300", "-c", "4", url});
  BOOST_TEST(ab.ok(), ab.describe());
  BOOST_TEST(ab.out.find("Failed requests:        0") != std::string::npos, ab.describe());
  BOOST_TEST(ab.out.find("Complete requests:      300") != std::string::npos, ab.describe());
}

// The first number after "<prefix>core <c>: " in `out`, for each of `cores`
// cores: what each core of a --cores run says it did.
std::vector<unsigned long> per_core(const std::string& out, const std::string& prefix,
                                    unsigned cores) {
  std::vector<unsigned long> counts;
  for (unsigned core = 0; core < cores; ++core) {
    const std::string key = prefix + "core " + std::to_string(core) + ": ";
    const auto at = out.find(key);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, "no \"" << key << "\" in:\n" << out);
    counts.push_back(std::stoul(out.substr(at + key.size())));
  }
  return counts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(examples_interop, *boost::unit_test::precondition(interop::available))

BOOST_AUTO_TEST_CASE(echo_level_and_edge_triggered_with_socat_and_nc) {
  for (const bool et : {false, true}) {
    BOOST_TEST_CONTEXT("edge-triggered " << et) {
      std::vector<std::string> program{"tandem-echo"};
      if (et) program.emplace_back("--et");
      Running echo("echo", program);
      check_echo_with_socat_and_nc(echo, et ? 2 : 1);
      echo.stop_and_check();
    }
  }
}

BOOST_AUTO_TEST_CASE(http_with_curl_wrk_and_ab) {
  Running http("http", {"tandem-http", "--body-bytes", "3000"});
  check_http_with_curl_wrk_and_ab(http, 3000);
  const interop::CommandResult ended = http.stop_and_check();
  // The second and third connection from port 45000 found the first's
  // TIME-WAIT and reopened it.
  BOOST_TEST(ended.out.find(" 2 TIME-WAIT reopened") != std::string::npos, ended.out);
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
  const interop::CommandResult ended = http.stop_and_check();
  const std::string report = ended.out + ended.err;
  const auto at = report.find(" SYN cookies sent");
  BOOST_REQUIRE(at != std::string::npos);
  const auto start = report.rfind(' ', at - 1) + 1;
  BOOST_TEST(std::stoul(report.substr(start, at - start)) > 0u, report);
}

// tandem-http's cases, unchanged, with a thread per core on the dpdk backend:
// --cores 2 gives the DPDK port two queues (a net_tap, which has no RETA, so
// the device steers by Toeplitz in software), each core its own stack,
// Runtime, reactor and SO_REUSEPORT listener. The per-core counts the program
// prints at exit must show both cores serving. Linux's side of the TAP is
// captured with dumpcap.
//
//   Linux 10.81.0.1/24  ◄── TAP tdmhc0 (net_tap) ──►  tandem-http 10.81.0.2, 2 cores
BOOST_AUTO_TEST_CASE(http_on_dpdk_with_two_cores_each_with_a_reuseport_listener) {
  interop::RunningOnDpdk http("http-cores", "hc0", "10.81.0",
                              {"tandem-http", "--cores", "2", "--body-bytes", "2000"});
  if (http.skipped()) {
    BOOST_TEST_MESSAGE("skipped: " << *http.skipped());
    return;
  }
  check_http_with_curl_wrk_and_ab(http, 2000);
  const interop::CommandResult result = http.stop_and_check();
  // "core C: R requests served, N connections, B bytes sent": wrk's, ab's and
  // curl's 15 connections spread over both cores.
  for (const unsigned long requests : per_core(result.out, "", 2))
    BOOST_TEST(requests > 0u, result.out);
  BOOST_TEST(result.out.find(" 2 TIME-WAIT reopened") != std::string::npos, result.out);
  BOOST_TEST(result.out.find("(0 bad)") != std::string::npos, result.out);
}

// tandem-echo's cases on dpdk with two cores, level- and edge-triggered, then
// 16 more connections, so that both cores get some (each picked by its
// 4-tuple's hash).
//
//   Linux 10.83.0.1/24  ◄── TAP tdmec0 (net_tap) ──►  tandem-echo 10.83.0.2, 2 cores
BOOST_AUTO_TEST_CASE(echo_on_dpdk_with_two_cores_level_and_edge_triggered) {
  for (const bool et : {false, true}) {
    BOOST_TEST_CONTEXT("edge-triggered " << et) {
      std::vector<std::string> program{"tandem-echo", "--cores", "2"};
      if (et) program.emplace_back("--et");
      interop::RunningOnDpdk echo("echo-cores", "ec0", "10.83.0", program);
      if (echo.skipped()) {
        BOOST_TEST_MESSAGE("skipped: " << *echo.skipped());
        return;
      }
      check_echo_with_socat_and_nc(echo, et ? 4 : 3);
      for (int i = 0; i < 16; ++i) {
        const std::string line = "line " + std::to_string(i) + "\n";
        const auto nc = echo.linux({"nc", "-N", "-w", "10", echo.tandem_ip(), "7"}, line);
        BOOST_TEST(nc.ok(), nc.describe());
        BOOST_TEST(nc.out == line);
      }
      const interop::CommandResult result = echo.stop_and_check();
      // "tandem-echo: core C: N connections, B bytes echoed"
      for (const unsigned long connections : per_core(result.err, "tandem-echo: ", 2))
        BOOST_TEST(connections > 0u, result.err);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
