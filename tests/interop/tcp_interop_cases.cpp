// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "tests/interop/tcp_interop_cases.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>

#include "tests/interop/capture_check.hpp"
#include "tests/interop/real_time.hpp"

namespace tandem::interop::tcp_cases {

namespace {

using namespace std::chrono_literals;
using stack::ConnId;
using stack::ListenerId;

std::string sha256_of(const NetworkNamespace& ns, const std::string& path) {
  const std::string out = ns.run_checked({"sha256sum", path}, 60s);
  return out.substr(0, out.find(' '));
}

// Reads a connection into `out` until the peer's FIN; false on error.
bool drain(stack::Stack& s, ConnId id, std::ofstream& out, std::size_t& total, bool& eof) {
  std::array<std::byte, 65536> buf{};
  while (true) {
    const auto r = s.receive(id, buf, real_now());
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

TcpPeer::~TcpPeer() {
  for (const auto& f : temp_files_)
    std::remove(f.c_str());
}

std::string TcpPeer::temp(const std::string& what) {
  temp_files_.push_back("/tmp/tandem-tcp-interop-" + std::to_string(::getpid()) + "-" + what);
  return temp_files_.back();
}

void TcpPeer::finish_and_check_capture(const std::vector<std::uint16_t>& data_ports) {
  run_until([] { return false; }, 300ms);
  const std::string capture = finish_capture();
  BOOST_TEST(tandem().allocated_buffers() == 0u);
  const auto verdict = check_capture(capture, data_ports);
  BOOST_TEST(verdict.ok(), capture << ": " << verdict.report());
}

stack::StackConfig stack_config(const wire::MacAddress& mac) {
  stack::StackConfig c;
  c.net.mac = mac;
  c.net.address = kTandemAddress;
  c.net.prefix_len = kPrefixLen;
  std::random_device rd;
  c.secret = tcp::SipKey{(std::uint64_t{rd()} << 32) | rd(), (std::uint64_t{rd()} << 32) | rd()};
  return c;
}

void linux_client_sends_bulk_data_to_a_tandem_server(TcpPeer& p) {
  const NetworkNamespace& ns = p.linux_ns();
  stack::Stack& stack = p.tandem();
  const std::size_t bulk = p.bulk_bytes();
  const std::string source = p.temp("source");
  const std::string received = p.temp("received");
  ns.run_checked({"sh", "-c", "head -c " + std::to_string(bulk) + " /dev/urandom > " + source},
                 60s);
  ListenerId lid = 0;
  BOOST_REQUIRE(!stack.listen(tcp::Endpoint{{}, 5001}, 16, false, lid));
  auto client =
      ns.spawn({"socat", "-u", "OPEN:" + source, "TCP:" + kTandemIp + ":5001"}, 240'000ms);
  std::ofstream out(received, std::ios::binary);
  std::optional<ConnId> conn;
  std::size_t total = 0;
  bool eof = false;
  bool ok = true;
  const bool done = p.run_until(
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
  BOOST_TEST(total == bulk);
  BOOST_TEST(sha256_of(ns, received) == sha256_of(ns, source));
  stack.release(*conn, false, real_now());
  stack.close_listener(lid, real_now());
  p.finish_and_check_capture({5001});
}

void tandem_client_sends_bulk_data_to_a_linux_server(TcpPeer& p) {
  const NetworkNamespace& ns = p.linux_ns();
  stack::Stack& stack = p.tandem();
  const std::string received = p.temp("received");
  std::vector<std::byte> data(p.bulk_bytes());
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < data.size(); i += 8) {
    const std::uint64_t x = rng();
    std::memcpy(data.data() + i, &x, std::min<std::size_t>(8, data.size() - i));
  }
  const std::string source = p.temp("source");
  std::ofstream(source, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  auto server =
      ns.spawn({"socat", "-u", "TCP-LISTEN:5002,reuseaddr", "CREATE:" + received}, 240'000ms);
  // socat needs a moment to listen: connect until it is not refused.
  ConnId id = stack::kNoConn;
  bool connected = false;
  for (int attempt = 0; attempt < 50 && !connected; ++attempt) {
    BOOST_REQUIRE(!stack.connect(tcp::Endpoint{kLinuxAddress, 5002}, {}, real_now(), id));
    p.run_until([&] { return stack.tcb(id).state() != tcp::State::syn_sent; }, 5s);
    connected = stack.tcb(id).state() == tcp::State::established;
    if (!connected) {
      stack.release(id, false, real_now());
      p.run_until([] { return false; }, 100ms);
    }
  }
  BOOST_REQUIRE(connected);
  std::size_t sent = 0;
  bool shut = false;
  const bool done = p.run_until(
      [&] {
        server.poll();
        const Instant now = real_now();
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
  stack.release(id, false, real_now());
  p.finish_and_check_capture({5002});
}

void curl_fetches_from_a_tandem_http_responder(TcpPeer& p) {
  const NetworkNamespace& ns = p.linux_ns();
  stack::Stack& stack = p.tandem();
  const std::string body_path = p.temp("body");
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
  p.run_until(
      [&] {
        curl.poll();
        const Instant now = real_now();
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
  stack.close_listener(lid, real_now());
  p.finish_and_check_capture();
}

void closed_ports_refuse_both_ways(TcpPeer& p) {
  const NetworkNamespace& ns = p.linux_ns();
  stack::Stack& stack = p.tandem();
  // Linux to a Tandem port nobody listens on: RST, "Connection refused".
  auto nc = ns.spawn({"socat", "-u", "OPEN:/dev/null", "TCP:" + kTandemIp + ":5999"}, 10'000ms);
  p.run_until([&] { return nc.poll(); }, 10s);
  BOOST_TEST(!nc.wait().ok());
  BOOST_TEST(nc.result().err.find("refused") != std::string::npos, nc.result().describe());
  BOOST_TEST(stack.counters().no_socket_resets >= 1u);
  // Tandem to a Linux port nobody listens on: ECONNREFUSED.
  ConnId id = stack::kNoConn;
  BOOST_REQUIRE(!stack.connect(tcp::Endpoint{kLinuxAddress, 5998}, {}, real_now(), id));
  BOOST_TEST(p.run_until([&] { return stack.tcb(id).state() == tcp::State::closed; }, 5s));
  BOOST_TEST(stack.tcb(id).error() == ECONNREFUSED);
  stack.release(id, false, real_now());
  p.finish_and_check_capture();
}

}  // namespace tandem::interop::tcp_cases
