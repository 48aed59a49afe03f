// SPDX-License-Identifier: Apache-2.0
// Tandem's TCP (the per-core Stack on a TapDevice) against the Linux kernel's,
// in a network namespace of the test's own:
//   - Linux socat sends 100 MiB to a Tandem server, and a Tandem client sends
//     100 MiB to a Linux socat server; both checked by SHA-256 (sha256sum);
//   - curl fetches from a minimal Tandem HTTP responder;
//   - Linux connects to a closed Tandem port and is refused; Tandem connects to
//     a closed Linux port and is refused;
//   - every capture passes the tshark check.
//
//   Linux 10.79.0.1/24 (tdm0's address)  ◄── TAP tdm0 ──►  Tandem 10.79.0.2
#define BOOST_TEST_MODULE tcp_interop
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "host/dev/tap/tap_device.hpp"
#include "host/stack/stack.hpp"
#include "tests/interop/interop_test.hpp"
#include "tests/interop/real_time.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tandem;
using interop::NetworkNamespace;
using stack::ConnId;
using stack::ListenerId;

const std::string kTap = "tdm0";
const std::string kLinuxIp = "10.79.0.1";
const std::string kTandemIp = "10.79.0.2";
const wire::Ipv4Address kLinuxAddress = wire::Ipv4Address::from_octets(10, 79, 0, 1);
const wire::Ipv4Address kTandemAddress = wire::Ipv4Address::from_octets(10, 79, 0, 2);
constexpr std::size_t kBulkBytes = std::size_t{100} << 20;

stack::StackConfig stack_config() {
  stack::StackConfig c;
  c.net.mac = wire::MacAddress{{0x02, 0x00, 0x00, 0x79, 0x00, 0x02}};
  c.net.address = kTandemAddress;
  c.net.prefix_len = 24;
  std::random_device rd;
  c.secret = tcp::SipKey{(std::uint64_t{rd()} << 32) | rd(), (std::uint64_t{rd()} << 32) | rd()};
  return c;
}

dev::TapDeviceConfig tap_config() {
  dev::TapDeviceConfig c;
  c.name = kTap;
  c.capture_path = interop::capture_path_for_this_test();
  return c;
}

std::string temp_path(const std::string& what) {
  return "/tmp/tandem-tcp-interop-" + std::to_string(::getpid()) + "-" + what;
}

std::string sha256_of(const NetworkNamespace& ns, const std::string& path) {
  const std::string out = ns.run_checked({"sha256sum", path}, 60s);
  return out.substr(0, out.find(' '));
}

struct LinuxPeer {
  LinuxPeer() { ns.add_address(kTap, kLinuxIp + "/24"); }
  ~LinuxPeer() {
    for (const auto& f : temp_files)
      std::remove(f.c_str());
  }

  bool run_until(const std::function<bool()>& done, Duration limit) {
    const auto poll = [this](Instant now) {
      stack.poll(now);
      return stack.poll_at();
    };
    return interop::run_until(tap, poll, done, limit);
  }

  std::string temp(const std::string& what) {
    temp_files.push_back(temp_path(what));
    return temp_files.back();
  }

  // Everything sent has left, and the capture passes tshark.
  void finish_and_check_capture(const std::vector<std::uint16_t>& data_ports = {}) {
    run_until([] { return false; }, 300ms);
    tap.flush_capture();
    const auto verdict = interop::check_capture(tap_config().capture_path, data_ports);
    BOOST_TEST(verdict.ok(), verdict.report());
  }

  NetworkNamespace ns{"tcp"};
  NetworkNamespace::Entered entered = ns.enter();
  dev::TapDevice tap{tap_config()};
  stack::Stack stack{tap, stack_config(), interop::real_now()};
  std::vector<std::string> temp_files;
};

// Reads a connection into `out` until the peer's FIN; false on error.
bool drain(stack::Stack& s, ConnId id, std::ofstream& out, std::size_t& total, bool& eof) {
  std::array<std::byte, 65536> buf{};
  while (true) {
    const auto r = s.receive(id, buf, interop::real_now());
    if (r.error == EAGAIN) return true;
    if (r.error != 0) return false;
    if (r.bytes == 0) {
      eof = true;
      return true;
    }
    out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(r.bytes));
    total += r.bytes;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_interop, *boost::unit_test::precondition(interop::available))

BOOST_FIXTURE_TEST_CASE(linux_client_sends_100_mib_to_a_tandem_server, LinuxPeer) {
  const std::string source = temp("source");
  const std::string received = temp("received");
  ns.run_checked(
      {"sh", "-c", "head -c " + std::to_string(kBulkBytes) + " /dev/urandom > " + source}, 60s);
  ListenerId lid = 0;
  BOOST_REQUIRE(!stack.listen(tcp::Endpoint{{}, 5001}, 16, false, lid));
  auto client =
      ns.spawn({"socat", "-u", "OPEN:" + source, "TCP:" + kTandemIp + ":5001"}, 240'000ms);
  std::ofstream out(received, std::ios::binary);
  std::optional<ConnId> conn;
  std::size_t total = 0;
  bool eof = false;
  bool ok = true;
  const bool done = run_until(
      [&] {
        client.poll();
        if (!conn) conn = stack.accept(lid);
        if (conn && ok && !eof) ok = drain(stack, *conn, out, total, eof);
        return !ok || (eof && client.finished());
      },
      240s);
  out.close();
  BOOST_REQUIRE_MESSAGE(done && ok,
                        "received " << total << " bytes; socat: " << client.wait().describe());
  BOOST_TEST(client.result().ok(), client.result().describe());
  BOOST_TEST(total == kBulkBytes);
  BOOST_TEST(sha256_of(ns, received) == sha256_of(ns, source));
  stack.release(*conn, false, interop::real_now());
  stack.close_listener(lid, interop::real_now());
  finish_and_check_capture({5001});
}

BOOST_FIXTURE_TEST_CASE(tandem_client_sends_100_mib_to_a_linux_server, LinuxPeer) {
  const std::string received = temp("received");
  std::vector<std::byte> data(kBulkBytes);
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < data.size(); i += 8) {
    const std::uint64_t x = rng();
    std::memcpy(data.data() + i, &x, 8);
  }
  const std::string source = temp("source");
  std::ofstream(source, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  auto server =
      ns.spawn({"socat", "-u", "TCP-LISTEN:5002,reuseaddr", "CREATE:" + received}, 240'000ms);
  // socat needs a moment to listen: connect until it is not refused.
  ConnId id = stack::kNoConn;
  bool connected = false;
  for (int attempt = 0; attempt < 50 && !connected; ++attempt) {
    BOOST_REQUIRE(!stack.connect(tcp::Endpoint{kLinuxAddress, 5002}, {}, interop::real_now(), id));
    run_until([&] { return stack.tcb(id).state() != tcp::State::syn_sent; }, 5s);
    connected = stack.tcb(id).state() == tcp::State::established;
    if (!connected) {
      stack.release(id, false, interop::real_now());
      run_until([] { return false; }, 100ms);
    }
  }
  BOOST_REQUIRE(connected);
  std::size_t sent = 0;
  bool shut = false;
  const bool done = run_until(
      [&] {
        server.poll();
        const Instant now = interop::real_now();
        while (sent < data.size()) {
          const auto r = stack.send(id, std::span(data).subspan(sent), now);
          if (r.bytes == 0) break;
          sent += r.bytes;
        }
        if (sent == data.size() && !shut) {
          stack.shutdown_write(id, now);
          shut = true;
        }
        return server.finished();
      },
      240s);
  BOOST_REQUIRE_MESSAGE(done, "sent " << sent << " bytes; socat: " << server.wait().describe());
  BOOST_TEST(server.result().ok(), server.result().describe());
  BOOST_TEST(sha256_of(ns, received) == sha256_of(ns, source));
  BOOST_TEST(stack.counters().tso_jobs > 0u);
  stack.release(id, false, interop::real_now());
  finish_and_check_capture({5002});
}

BOOST_FIXTURE_TEST_CASE(curl_fetches_from_a_tandem_http_responder, LinuxPeer) {
  const std::string body_path = temp("body");
  std::string body(200'000, '\0');
  for (std::size_t i = 0; i < body.size(); ++i)
    body[i] = static_cast<char>('a' + i % 26);
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  ListenerId lid = 0;
  BOOST_REQUIRE(!stack.listen(tcp::Endpoint{{}, 8080}, 16, false, lid));
  auto curl = ns.spawn({"curl", "-sS", "--max-time", "20", "-o", body_path, "-w", "%{http_code}",
                        "http://" + kTandemIp + ":8080/"},
                       30'000ms);
  std::optional<ConnId> conn;
  std::string request;
  std::size_t sent = 0;
  bool closed = false;
  run_until(
      [&] {
        curl.poll();
        const Instant now = interop::real_now();
        if (!conn) conn = stack.accept(lid);
        if (conn && !closed) {
          std::array<std::byte, 4096> buf{};
          for (auto r = stack.receive(*conn, buf, now); r.bytes > 0;
               r = stack.receive(*conn, buf, now)) {
            request.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
          }
          if (request.find("\r\n\r\n") != std::string::npos) {
            while (sent < response.size()) {
              const auto r =
                  stack.send(*conn, std::as_bytes(std::span(response)).subspan(sent), now);
              if (r.bytes == 0) break;
              sent += r.bytes;
            }
            if (sent == response.size()) {
              stack.release(*conn, false, now);
              closed = true;
            }
          }
        }
        return curl.finished();
      },
      30s);
  const auto& result = curl.wait();
  BOOST_TEST(result.ok(), result.describe());
  BOOST_TEST(result.out == "200");
  BOOST_TEST(request.starts_with("GET / HTTP/1.1\r\n"));
  std::ifstream in(body_path, std::ios::binary);
  const std::string fetched((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST((fetched == body));
  stack.close_listener(lid, interop::real_now());
  finish_and_check_capture();
}

BOOST_FIXTURE_TEST_CASE(closed_ports_refuse_both_ways, LinuxPeer) {
  // Linux to a Tandem port nobody listens on: RST, "Connection refused".
  auto nc = ns.spawn({"socat", "-u", "OPEN:/dev/null", "TCP:" + kTandemIp + ":5999"}, 10'000ms);
  run_until([&] { return nc.poll(); }, 10s);
  BOOST_TEST(!nc.wait().ok());
  BOOST_TEST(nc.result().err.find("refused") != std::string::npos, nc.result().describe());
  BOOST_TEST(stack.counters().no_socket_resets >= 1u);
  // Tandem to a Linux port nobody listens on: ECONNREFUSED.
  ConnId id = stack::kNoConn;
  BOOST_REQUIRE(!stack.connect(tcp::Endpoint{kLinuxAddress, 5998}, {}, interop::real_now(), id));
  BOOST_TEST(run_until([&] { return stack.tcb(id).state() == tcp::State::closed; }, 5s));
  BOOST_TEST(stack.tcb(id).error() == ECONNREFUSED);
  stack.release(id, false, interop::real_now());
  finish_and_check_capture();
}

BOOST_AUTO_TEST_SUITE_END()
