// SPDX-License-Identifier: Apache-2.0
// tandem-iperf3: an iperf3 server on Tandem's sockets, for Linux's `iperf3 -c`
// (the control protocol is in examples/common/iperf3_protocol.hpp). It serves
// TCP tests one after another: forward (the client sends) and reverse (-R),
// any number of parallel streams (-P), bounded by time (-t), bytes (-n) or
// blocks (-k), and reports its side's figures so that the client prints its
// usual summary. What it cannot run (UDP, SCTP, --bidir, -C, server-side
// pacing) it refuses with iperf3's own error numbers, which the client prints
// as text, and it goes on serving. With --connect it is a client of an
// iperf3 server instead (Linux's `iperf3 -s`): forward or --reverse, one or
// more streams, bounded by --bytes or --time.
//
//   tandem-iperf3 --backend tap --iface tdm0 --ip 10.80.0.2/24
//   iperf3 -c 10.80.0.2 -n 8M -P 2        (from Linux, on tdm0's side)
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "examples/common/backend.hpp"
#include "examples/common/cli.hpp"
#include "examples/common/iperf3_protocol.hpp"
#include "examples/common/net_util.hpp"
#include "examples/common/reactor.hpp"
#include "host/api/tandem/socket.h"

namespace {

using namespace tandem;
using namespace tandem::examples;
using namespace std::chrono_literals;
namespace ip3 = tandem::examples::iperf3;
using Clock = std::chrono::steady_clock;

// How long the server waits for each step of a client before giving up on it.
constexpr auto kStepTimeout = 10s;
// After the client's TEST_END, how long a forward test's receiver keeps
// draining what is still in flight (long enough for a retransmission timeout
// or two), and how long a quiet link ends that early when counts cannot be
// compared.
constexpr auto kDrainLimit = 5s;
constexpr auto kDrainQuiet = 200ms;
// A test bounded by time may overrun by this much before it is abandoned; one
// bounded by bytes, may go this long without moving any.
constexpr auto kRunGrace = 10s;
constexpr std::size_t kReadChunk = std::size_t{256} << 10;
// Reads or sends a data connection makes per event, so that one stream does
// not starve the others or the control connection.
constexpr int kOpsPerEvent = 16;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double cpu_seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

std::string peer_name(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (tdm_getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "?";
  return to_string(a);
}

// What a sender sends: random bytes, as iperf3's are, so that nothing on the
// path can compress them; one largest block, of which every send is a prefix.
std::string random_payload() {
  std::mt19937_64 rng(0x1a3f);
  std::string payload(ip3::kMaxBlockSize, '\0');
  for (char& c : payload)
    c = static_cast<char>(rng());
  return payload;
}

// The server's view of a connection (Peer: what the client made it for) and
// of the one test it runs at a time (Test, with a Stream per data connection).
enum class Role { pending, control, data, denied };
enum class Phase { params, streams, running, draining, client_results, done };

struct Peer {
  Role role = Role::pending;
  std::string in;
  std::string out;
  bool close_after_flush = false;
  bool eof = false;
  std::size_t stream = 0;      // data: index into the test's streams
  std::uint64_t accepted = 0;  // the order in which the listener accepted it
  Clock::time_point since;
};

struct Stream {
  int fd = -1;
  std::uint64_t accepted = 0;
  std::uint64_t bytes = 0;    // counted: after the omitted seconds
  std::uint64_t omitted = 0;  // moved during them
  bool active = true;         // still on the reactor for data
  // Reverse: what is left of the block being sent (iperf3 sends whole -l
  // blocks).
  std::uint64_t block_left = 0;
};

struct Test {
  std::string cookie;
  int control = -1;
  std::string client;
  Phase phase = Phase::params;
  Clock::time_point phase_since;
  ip3::TestParams params;
  std::vector<Stream> streams;
  Clock::time_point start, omit_end, end, last_data;
  rusage usage_at_start{};
  // Reverse with -n or -k: bytes of the blocks to send in all, rounded up to
  // whole blocks; 0 unbounded. `committed`: bytes of the blocks begun.
  std::uint64_t send_limit = 0;
  std::uint64_t committed = 0;
  std::vector<std::uint64_t> client_bytes;  // forward: what the client says it sent
};

class Iperf3Server {
 public:
  Iperf3Server(Reactor& reactor, int listener)
      : reactor_(reactor), listener_(listener), payload_(random_payload()) {
    reactor_.add(listener_, EPOLLIN, [this](std::uint32_t) { accept_all(); });
  }
  ~Iperf3Server() {
    reactor_.remove(listener_);
    if (test_) end_test(false, "the server is stopping");
    while (!peers_.empty())
      close_peer(peers_.begin()->first);
  }
  Iperf3Server(const Iperf3Server&) = delete;
  Iperf3Server& operator=(const Iperf3Server&) = delete;

  std::uint64_t tests_completed() const { return completed_; }
  std::uint64_t tests_failed() const { return failed_; }

  // Deadlines; called between event batches.
  void tick() {
    const auto now = Clock::now();
    std::vector<int> stale;
    for (const auto& [fd, p] : peers_) {
      if (p.role == Role::pending && now - p.since > kStepTimeout) stale.push_back(fd);
    }
    for (const int fd : stale) {
      std::fprintf(stderr, "tandem-iperf3: %s sent no cookie in time\n", peer_name(fd).c_str());
      close_peer(fd);
    }
    if (!test_) return;
    Test& t = *test_;
    switch (t.phase) {
      case Phase::params:
      case Phase::streams:
      case Phase::client_results:
      case Phase::done:
        if (now - t.phase_since > kStepTimeout) {
          if (t.phase == Phase::done) {
            // The client has its results; it just never said goodbye.
            end_test(true, {});
          } else {
            fail_test(ip3::ErrorCode::server_terminated,
                      "the client did not go on from " + phase_name(t.phase) + " in time");
          }
        }
        return;
      case Phase::running: {
        const bool timed = t.params.time > 0;
        const auto limit =
            timed ? t.start +
                        std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(t.params.time + t.params.omit)) +
                        kRunGrace
                  : t.last_data + kRunGrace;
        if (now > limit) {
          fail_test(ip3::ErrorCode::server_terminated,
                    timed ? "the client did not end the test in time"
                          : "no data moved for " + std::to_string(kRunGrace.count()) + " s");
        }
        return;
      }
      case Phase::draining:
        if (drained(now)) send_results();
        return;
    }
  }

 private:
  static std::string phase_name(Phase p) {
    switch (p) {
      case Phase::params:
        return "PARAM_EXCHANGE";
      case Phase::streams:
        return "CREATE_STREAMS";
      case Phase::running:
        return "TEST_RUNNING";
      case Phase::draining:
      case Phase::client_results:
        return "EXCHANGE_RESULTS";
      case Phase::done:
        return "DISPLAY_RESULTS";
    }
    return "?";
  }

  void set_phase(Phase p) {
    test_->phase = p;
    test_->phase_since = Clock::now();
  }

  void accept_all() {
    for (;;) {
      const int fd = tdm_accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) {
          std::fprintf(stderr, "tandem-iperf3: accept: %s\n", std::strerror(errno));
        }
        return;
      }
      Peer& p = peers_[fd];
      p.since = Clock::now();
      p.accepted = ++accepted_;
      reactor_.add(fd, EPOLLIN, [this, fd](std::uint32_t events) { on_event(fd, events); });
    }
  }

  void update_events(int fd) {
    const Peer& p = peers_.at(fd);
    std::uint32_t events = p.out.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT);
    if (p.role != Role::data) {
      events |= EPOLLIN;
    } else if (test_ && test_->streams[p.stream].active) {
      const Test& t = *test_;
      if (t.params.reverse) {
        if (t.phase == Phase::running) events |= EPOLLOUT;
      } else if (t.phase == Phase::running || t.phase == Phase::client_results ||
                 t.phase == Phase::draining) {
        // Between TEST_END and the client's results too: bytes still arrive.
        events |= EPOLLIN;
      }
    }
    reactor_.modify(fd, events);
  }

  void send_control(int fd, std::string_view bytes) {
    peers_.at(fd).out += bytes;
    flush(fd);
  }
  void send_state(int fd, ip3::State s) {
    send_control(fd, std::string(1, static_cast<char>(static_cast<std::int8_t>(s))));
  }

  // Returns false if the peer was closed.
  bool flush(int fd) {
    Peer& p = peers_.at(fd);
    while (!p.out.empty()) {
      const ssize_t n = tdm_send(fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        p.out.clear();
        p.close_after_flush = true;
        break;
      }
      p.out.erase(0, static_cast<std::size_t>(n));
    }
    if (p.out.empty() && p.close_after_flush) {
      close_peer(fd);
      return false;
    }
    update_events(fd);
    return true;
  }

  void close_peer(int fd) {
    reactor_.remove(fd);
    tdm_close(fd);
    peers_.erase(fd);
  }

  void on_event(int fd, std::uint32_t events) {
    auto it = peers_.find(fd);
    if (it == peers_.end()) return;
    if ((events & EPOLLOUT) != 0 && !it->second.out.empty()) {
      if (!flush(fd)) return;
    }
    Peer& p = peers_.at(fd);
    if (p.role == Role::data) {
      on_data(fd, p, events);
      return;
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
    // Control, cookie and denied connections carry little: read it all.
    std::array<char, 4096> buf{};
    for (;;) {
      const ssize_t n = tdm_recv(fd, buf.data(), buf.size(), 0);
      if (n > 0) {
        p.in.append(buf.data(), static_cast<std::size_t>(n));
        if (p.in.size() > ip3::kMaxJsonLen + 4) break;
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) p.eof = true;
      break;
    }
    switch (p.role) {
      case Role::pending:
        on_cookie(fd);
        return;
      case Role::control:
        on_control(fd);
        return;
      case Role::denied:
        if (p.eof) close_peer(fd);
        return;
      case Role::data:
        return;
    }
  }

  void on_cookie(int fd) {
    Peer& p = peers_.at(fd);
    if (p.in.size() < ip3::kCookieLen) {
      if (p.eof) close_peer(fd);
      return;
    }
    const std::string cookie = p.in.substr(0, ip3::kCookieLen);
    p.in.erase(0, ip3::kCookieLen);
    if (!test_) {
      // A new test: this is its control connection.
      p.role = Role::control;
      test_.emplace();
      test_->cookie = cookie;
      test_->control = fd;
      test_->client = peer_name(fd);
      set_phase(Phase::params);
      send_state(fd, ip3::State::param_exchange);
      if (peers_.contains(fd) && !p.in.empty()) on_control(fd);
      return;
    }
    Test& t = *test_;
    if (t.phase == Phase::streams && cookie == t.cookie && t.streams.size() < t.params.parallel) {
      add_stream(fd);
      return;
    }
    // iperf3 serves one test at a time and tells anyone else so.
    std::fprintf(stderr, "tandem-iperf3: %s: busy with the test of %s, access denied\n",
                 peer_name(fd).c_str(), t.client.c_str());
    p.role = Role::denied;
    p.close_after_flush = true;
    send_state(fd, ip3::State::access_denied);
  }

  void add_stream(int fd) {
    Test& t = *test_;
    Peer& p = peers_.at(fd);
    p.role = Role::data;
    p.stream = t.streams.size();
    t.streams.push_back(Stream{fd, p.accepted});
    const ip3::TestParams& params = t.params;
    const int one = 1;
    const int window = static_cast<int>(std::min<std::uint64_t>(params.window, 1u << 30));
    const int mss = static_cast<int>(params.mss);
    const char* failed = nullptr;
    if (params.nodelay && tdm_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
      failed = "TCP_NODELAY (-N)";
    } else if (params.window != 0 &&
               (tdm_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof window) != 0 ||
                tdm_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &window, sizeof window) != 0)) {
      failed = "SO_RCVBUF/SO_SNDBUF (-w)";
    } else if (params.mss != 0 &&
               tdm_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) != 0) {
      failed = "TCP_MAXSEG (-M)";
    }
    if (failed != nullptr) {
      fail_test(ip3::ErrorCode::not_implemented,
                std::string("setting ") + failed + " failed: " + std::strerror(errno));
      return;
    }
    if (t.streams.size() < params.parallel) {
      update_events(fd);
      return;
    }
    // Every stream is there. iperf3 numbers them in the order it connected
    // them, one after the other, which is the order the listener accepted
    // them in; their cookies may have been read in another.
    std::sort(t.streams.begin(), t.streams.end(),
              [](const Stream& a, const Stream& b) { return a.accepted < b.accepted; });
    for (std::size_t i = 0; i < t.streams.size(); ++i)
      peers_.at(t.streams[i].fd).stream = i;
    // The test starts now.
    t.start = Clock::now();
    t.omit_end = t.start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(params.omit));
    t.last_data = t.start;
    getrusage(RUSAGE_SELF, &t.usage_at_start);
    if (params.reverse) {
      const std::uint64_t blocks = params.bytes != 0
                                       ? (params.bytes + params.block_len - 1) / params.block_len
                                       : params.blocks;
      t.send_limit = blocks * params.block_len;
    }
    set_phase(Phase::running);
    send_state(t.control, ip3::State::test_start);
    if (!test_) return;
    send_state(t.control, ip3::State::test_running);
    if (!test_) return;
    for (const Stream& s : t.streams)
      update_events(s.fd);
  }

  std::uint64_t counted_bytes() const {
    std::uint64_t sum = 0;
    for (const Stream& s : test_->streams)
      sum += s.bytes;
    return sum;
  }

  void count(Stream& s, std::uint64_t n) {
    const auto now = Clock::now();
    (now < test_->omit_end ? s.omitted : s.bytes) += n;
    test_->last_data = now;
  }

  void stop_stream(Stream& s) {
    s.active = false;
    if (peers_.contains(s.fd)) update_events(s.fd);
  }

  void on_data(int fd, Peer& p, std::uint32_t events) {
    if (!test_) return;
    Test& t = *test_;
    Stream& s = t.streams[p.stream];
    // Data counts from TEST_RUNNING until the results are out, TEST_END and
    // the client's results included; the client sends none before.
    const bool receiving = !t.params.reverse && s.active &&
                           (t.phase == Phase::running || t.phase == Phase::client_results ||
                            t.phase == Phase::draining);
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
      std::string& scratch = scratch_;
      scratch.resize(kReadChunk);
      for (int i = 0; i < kOpsPerEvent; ++i) {
        const ssize_t n = tdm_recv(fd, scratch.data(), scratch.size(), 0);
        if (n > 0) {
          if (receiving) count(s, static_cast<std::uint64_t>(n));
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) {
          fail_test(
              ip3::ErrorCode::server_terminated,
              "stream " + std::to_string(ip3::stream_id(p.stream)) + ": " + std::strerror(errno));
          return;
        }
        // The client has closed its side: nothing more comes on it.
        stop_stream(s);
        break;
      }
      if (t.phase == Phase::draining && drained(Clock::now())) {
        send_results();
        return;
      }
    }
    if ((events & EPOLLOUT) != 0 && t.params.reverse && s.active) send_blocks(p.stream);
  }

  // Sends on a reverse stream until the socket is full; a new block begins
  // only while the limit allows.
  void send_blocks(std::size_t index) {
    Test& t = *test_;
    Stream& s = t.streams[index];
    const std::uint64_t len = t.params.block_len;
    for (int i = 0; i < kOpsPerEvent; ++i) {
      if (s.block_left == 0) {
        if (t.send_limit != 0 && t.committed >= t.send_limit) {
          stop_stream(s);
          return;
        }
        s.block_left = len;
        t.committed += len;
      }
      const ssize_t n =
          tdm_send(s.fd, payload_.data() + (len - s.block_left), s.block_left, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        fail_test(ip3::ErrorCode::server_terminated,
                  "stream " + std::to_string(ip3::stream_id(index)) + ": " + std::strerror(errno));
        return;
      }
      s.block_left -= static_cast<std::uint64_t>(n);
      count(s, static_cast<std::uint64_t>(n));
    }
  }

  // Consumes what the control connection has sent, message by message.
  void on_control(int fd) {
    while (test_ && peers_.contains(fd)) {
      Peer& p = peers_.at(fd);
      Test& t = *test_;
      if (t.phase == Phase::params || t.phase == Phase::client_results) {
        if (p.in.size() < 4) break;
        const std::uint32_t len = ip3::read_length(p.in.data());
        if (len > ip3::kMaxJsonLen) {
          fail_test(t.phase == Phase::params ? ip3::ErrorCode::receive_params
                                             : ip3::ErrorCode::receive_results,
                    "a JSON message of " + std::to_string(len) + " bytes");
          return;
        }
        if (p.in.size() < 4 + std::size_t{len}) break;
        const std::string json = p.in.substr(4, len);
        p.in.erase(0, 4 + std::size_t{len});
        if (t.phase == Phase::params) {
          on_params(json);
        } else {
          on_client_results(json);
        }
        continue;
      }
      if (p.in.empty()) break;
      const auto state = static_cast<ip3::State>(static_cast<std::int8_t>(p.in[0]));
      p.in.erase(0, 1);
      if (state == ip3::State::client_terminate) {
        end_test(false, "the client terminated the test");
        return;
      }
      if (t.phase == Phase::running && state == ip3::State::test_end) {
        on_test_end();
      } else if (t.phase == Phase::done && state == ip3::State::iperf_done) {
        end_test(true, {});
        return;
      } else {
        fail_test(ip3::ErrorCode::unknown_message,
                  "unexpected control message " +
                      std::to_string(static_cast<int>(static_cast<std::int8_t>(state))) + " (" +
                      std::string(ip3::to_string(state)) + ") in " + phase_name(t.phase));
        return;
      }
    }
    if (!test_ || !peers_.contains(fd) || !peers_.at(fd).eof) return;
    if (test_->phase == Phase::done) {
      end_test(true, {});
    } else {
      end_test(false, "the client closed the control connection in " + phase_name(test_->phase));
    }
  }

  void on_params(const std::string& json) {
    auto parsed = ip3::parse_params(json);
    if (const auto* refusal = std::get_if<ip3::Refusal>(&parsed)) {
      fail_test(refusal->code, "bad parameters: " + refusal->reason);
      return;
    }
    const ip3::TestParams& p = std::get<ip3::TestParams>(parsed);
    using Protocol = ip3::TestParams::Protocol;
    std::optional<ip3::Refusal> refusal;
    if (p.protocol == Protocol::udp) {
      refusal = {ip3::ErrorCode::not_implemented, "UDP tests (-u): tandem-iperf3 runs TCP only"};
    } else if (p.protocol == Protocol::sctp) {
      refusal = {ip3::ErrorCode::no_sctp, "SCTP tests (--sctp): tandem-iperf3 runs TCP only"};
    } else if (p.bidirectional) {
      refusal = {ip3::ErrorCode::not_implemented, "bidirectional tests (--bidir)"};
    } else if (!p.congestion.empty()) {
      refusal = {ip3::ErrorCode::congestion_control,
                 "congestion control '" + p.congestion +
                     "' (-C): Tandem's is chosen per stack, not per socket"};
    } else if (p.reverse && (p.bandwidth != 0 || p.fq_rate != 0)) {
      refusal = {ip3::ErrorCode::not_implemented,
                 "pacing the server's sending (-b or --fq-rate with -R)"};
    }
    if (refusal) {
      fail_test(refusal->code, "refused " + refusal->reason);
      return;
    }
    test_->params = p;
    std::fprintf(stderr, "tandem-iperf3: test from %s: TCP %s, %u stream%s, %s\n",
                 test_->client.c_str(), p.reverse ? "reverse (server sends)" : "forward",
                 p.parallel, p.parallel == 1 ? "" : "s", bound_text(p).c_str());
    set_phase(Phase::streams);
    send_state(test_->control, ip3::State::create_streams);
  }

  static std::string bound_text(const ip3::TestParams& p) {
    if (p.bytes != 0) return std::to_string(p.bytes) + " bytes";
    if (p.blocks != 0) {
      return std::to_string(p.blocks) + " blocks of " + std::to_string(p.block_len) + " bytes";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f s", p.time);
    return buf;
  }

  void on_test_end() {
    Test& t = *test_;
    t.end = Clock::now();
    set_phase(Phase::client_results);
    if (t.params.reverse) {
      // The client stops at TEST_END wherever it is and makes its streams
      // blocking; it reads on until EOF, which ends a block it had begun. What
      // is still in the send buffers goes out before the FIN.
      for (Stream& s : t.streams) {
        s.active = false;
        if (peers_.contains(s.fd)) close_peer(s.fd);
      }
    }
    send_state(t.control, ip3::State::exchange_results);
  }

  void on_client_results(const std::string& json) {
    Test& t = *test_;
    std::string error;
    const auto results = ip3::parse_results(json, error);
    if (!results) {
      fail_test(ip3::ErrorCode::receive_results, "client results: " + error);
      return;
    }
    if (t.params.reverse) {
      send_results();
      return;
    }
    // The client ends the test once it has handed its last bytes to its
    // kernel; some are still on the way. Wait for them, so that what the
    // client prints as received is all that arrived.
    t.client_bytes.assign(t.streams.size(), 0);
    for (const ip3::StreamResult& r : results->streams) {
      for (std::size_t i = 0; i < t.streams.size(); ++i) {
        if (ip3::stream_id(i) == r.id) t.client_bytes[i] = r.bytes;
      }
    }
    set_phase(Phase::draining);
    for (const Stream& s : t.streams)
      if (peers_.contains(s.fd)) update_events(s.fd);
    if (drained(Clock::now())) send_results();
  }

  bool drained(Clock::time_point now) const {
    const Test& t = *test_;
    if (now - t.phase_since > kDrainLimit) return true;
    // With omitted seconds the two sides' counts start at different moments,
    // so they cannot be compared: a quiet link ends the wait instead.
    if (t.params.omit > 0) return now - t.last_data > kDrainQuiet;
    for (std::size_t i = 0; i < t.streams.size(); ++i) {
      if (t.streams[i].active && t.streams[i].bytes < t.client_bytes[i]) return false;
    }
    return true;
  }

  void send_results() {
    Test& t = *test_;
    const auto measured_end = std::max(t.end, t.last_data);
    const double seconds = std::max(seconds_between(t.omit_end, measured_end), 1e-6);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double wall = std::max(seconds_between(t.start, measured_end), 1e-6);
    ip3::Results r;
    r.cpu_user =
        100 * (cpu_seconds(usage.ru_utime) - cpu_seconds(t.usage_at_start.ru_utime)) / wall;
    r.cpu_system =
        100 * (cpu_seconds(usage.ru_stime) - cpu_seconds(t.usage_at_start.ru_stime)) / wall;
    r.cpu_total = r.cpu_user + r.cpu_system;
    for (std::size_t i = 0; i < t.streams.size(); ++i) {
      r.streams.push_back({ip3::stream_id(i), t.streams[i].bytes, 0, seconds});
    }
    summary_ = summary_line(seconds);
    if (t.params.get_server_output) r.server_output_text = summary_ + "\n";
    for (Stream& s : t.streams)
      stop_stream(s);
    set_phase(Phase::done);
    send_control(t.control, ip3::with_length(ip3::results_json(r)));
    if (test_) send_state(t.control, ip3::State::display_results);
  }

  std::string summary_line(double seconds) const {
    const Test& t = *test_;
    const std::uint64_t bytes = counted_bytes();
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "test %llu from %s: TCP %s, %zu stream%s: %s %llu bytes in %.3f s: %.3f Mbit/s",
                  static_cast<unsigned long long>(completed_) + failed_ + 1, t.client.c_str(),
                  t.params.reverse ? "reverse" : "forward", t.streams.size(),
                  t.streams.size() == 1 ? "" : "s", t.params.reverse ? "sent" : "received",
                  static_cast<unsigned long long>(bytes), seconds,
                  static_cast<double>(bytes) * 8 / seconds / 1e6);
    return buf;
  }

  // Tells the client why (iperf3 prints its text for `code`), says so here,
  // and ends the test.
  void fail_test(ip3::ErrorCode code, const std::string& reason) {
    const int control = test_->control;
    std::array<std::int32_t, 2> numbers{
        static_cast<std::int32_t>(htonl(static_cast<std::uint32_t>(code))), 0};
    std::string message(1, static_cast<char>(static_cast<std::int8_t>(ip3::State::server_error)));
    message.append(reinterpret_cast<const char*>(numbers.data()), sizeof numbers);
    if (peers_.contains(control)) {
      Peer& p = peers_.at(control);
      p.out += message;
      p.close_after_flush = true;
      test_->control = -1;  // closed by flush once the message is out
      flush(control);
    }
    end_test(false, reason);
  }

  void end_test(bool completed, const std::string& reason) {
    Test& t = *test_;
    if (completed) {
      ++completed_;
      std::printf("%s\n", summary_.c_str());
      std::fflush(stdout);
    } else {
      ++failed_;
      std::fprintf(stderr, "tandem-iperf3: test from %s ended: %s\n", t.client.c_str(),
                   reason.c_str());
    }
    for (const Stream& s : t.streams)
      if (peers_.contains(s.fd)) close_peer(s.fd);
    if (t.control >= 0 && peers_.contains(t.control)) {
      Peer& p = peers_.at(t.control);
      if (p.out.empty()) {
        close_peer(t.control);
      } else {
        p.close_after_flush = true;
        p.role = Role::denied;
      }
    }
    test_.reset();
    summary_.clear();
  }

  Reactor& reactor_;
  int listener_;
  std::unordered_map<int, Peer> peers_;
  std::optional<Test> test_;
  std::string payload_;
  std::string scratch_;
  std::string summary_;
  std::uint64_t accepted_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t failed_ = 0;
};

// ---- client mode -------------------------------------------------------------

struct ClientOptions {
  bool reverse = false;
  std::uint64_t bytes = 0;  // -n; 0: bounded by time
  std::uint64_t time = 0;   // -t seconds; 10 when neither is given, as iperf3
  unsigned parallel = 1;
  std::uint64_t block_len = std::uint64_t{128} << 10;
};

// The server broke the protocol or reported an error: what to print.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = tdm_send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "send on the control connection");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The control connection is blocking with a receive timeout (SO_RCVTIMEO).
std::string recv_exact(int fd, std::size_t len) {
  std::string out(len, '\0');
  std::size_t got = 0;
  while (got < len) {
    const ssize_t n = tdm_recv(fd, out.data() + got, len - got, 0);
    if (n == 0) throw ProtocolError("the server closed the control connection");
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        throw ProtocolError("the server sent nothing on the control connection in time");
      }
      throw std::system_error(errno, std::generic_category(), "recv on the control connection");
    }
    got += static_cast<std::size_t>(n);
  }
  return out;
}

ip3::State read_state(int ctrl) {
  const auto state = static_cast<ip3::State>(static_cast<std::int8_t>(recv_exact(ctrl, 1)[0]));
  if (state == ip3::State::access_denied) {
    throw ProtocolError("the server is busy running a test (ACCESS_DENIED)");
  }
  if (state == ip3::State::server_error) {
    const std::string numbers = recv_exact(ctrl, 8);
    throw ProtocolError(
        "the server reports iperf3 error " +
        std::to_string(static_cast<std::int32_t>(ip3::read_length(numbers.data()))) + " (errno " +
        std::to_string(static_cast<std::int32_t>(ip3::read_length(numbers.data() + 4))) + ")");
  }
  return state;
}

void expect_state(int ctrl, ip3::State want) {
  const ip3::State got = read_state(ctrl);
  if (got != want) {
    throw ProtocolError("expected " + std::string(ip3::to_string(want)) + " from the server, got " +
                        std::to_string(static_cast<int>(static_cast<std::int8_t>(got))) + " (" +
                        std::string(ip3::to_string(got)) + ")");
  }
}

void send_state(int ctrl, ip3::State s) {
  send_all(ctrl, std::string(1, static_cast<char>(static_cast<std::int8_t>(s))));
}

std::string client_params(const ClientOptions& o) {
  return "{\"tcp\":true,\"omit\":0,\"time\":" + std::to_string(o.bytes != 0 ? 0 : o.time) +
         ",\"num\":" + std::to_string(o.bytes) +
         ",\"blockcount\":0,\"parallel\":" + std::to_string(o.parallel) +
         (o.reverse ? ",\"reverse\":true" : "") + ",\"len\":" + std::to_string(o.block_len) +
         ",\"pacing_timer\":1000,\"client_version\":\"3.12\"}";
}

// One test against an iperf3 server, as `iperf3 -c` runs it (the steps are in
// iperf3_protocol.hpp). Returns the exit status.
int run_client(const HostPort& to, ClientOptions o) {
  if (o.bytes == 0 && o.time == 0) o.time = 10;
  const std::string payload = random_payload();
  const int ctrl = connect_tcp(to.address, to.port);
  const int one = 1;
  tdm_setsockopt(ctrl, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const timeval step{30, 0};
  tdm_setsockopt(ctrl, SOL_SOCKET, SO_RCVTIMEO, &step, sizeof step);
  std::vector<int> data;
  const auto close_all = [&] {
    for (const int fd : data)
      tdm_close(fd);
    tdm_close(ctrl);
  };
  try {
    const std::string cookie = ip3::make_cookie();
    send_all(ctrl, cookie);
    expect_state(ctrl, ip3::State::param_exchange);
    send_all(ctrl, ip3::with_length(client_params(o)));
    expect_state(ctrl, ip3::State::create_streams);
    for (unsigned i = 0; i < o.parallel; ++i) {
      data.push_back(connect_tcp(to.address, to.port));
      send_all(data.back(), cookie);
      set_nonblocking(data.back());
    }
    expect_state(ctrl, ip3::State::test_start);
    expect_state(ctrl, ip3::State::test_running);

    std::vector<std::uint64_t> moved(data.size(), 0);
    std::uint64_t total = 0;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::seconds(o.time);
    std::vector<pollfd> fds;
    std::string scratch(kReadChunk, '\0');
    while (!stop_requested() && (o.bytes != 0 ? total < o.bytes : Clock::now() < deadline)) {
      fds.clear();
      for (const int fd : data)
        fds.push_back({fd, static_cast<short>(o.reverse ? POLLIN : POLLOUT), 0});
      fds.push_back({ctrl, POLLIN, 0});
      if (tdm_poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) {
        throw std::system_error(errno, std::generic_category(), "tdm_poll");
      }
      if (fds.back().revents != 0) {
        const ip3::State s = read_state(ctrl);
        throw ProtocolError("unexpected " + std::string(ip3::to_string(s)) + " during the test");
      }
      for (std::size_t i = 0; i < data.size(); ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = o.reverse ? tdm_recv(data[i], scratch.data(), scratch.size(), 0)
                                    : tdm_send(data[i], payload.data(), o.block_len, MSG_NOSIGNAL);
        if (n > 0) {
          moved[i] += static_cast<std::uint64_t>(n);
          total += static_cast<std::uint64_t>(n);
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
          throw ProtocolError("stream " + std::to_string(ip3::stream_id(i)) + ": " +
                              (n == 0 ? "closed by the server" : std::strerror(errno)));
        }
      }
    }
    const double seconds = std::max(seconds_between(start, Clock::now()), 1e-6);
    send_state(ctrl, ip3::State::test_end);
    // iperf3's server closes its streams at TEST_END; in a reverse test what
    // it had sent is read (and not counted) while its answer comes.
    if (o.reverse) {
      for (bool answered = false; !answered;) {
        fds.clear();
        for (const int fd : data)
          fds.push_back({fd, POLLIN, 0});
        fds.push_back({ctrl, POLLIN, 0});
        if (tdm_poll(fds.data(), fds.size(), 30'000) <= 0) break;
        answered = fds.back().revents != 0;
        for (std::size_t i = 0; i < data.size(); ++i)
          if (fds[i].revents != 0) tdm_recv(data[i], scratch.data(), scratch.size(), 0);
      }
    }
    expect_state(ctrl, ip3::State::exchange_results);
    ip3::Results ours;
    for (std::size_t i = 0; i < data.size(); ++i)
      ours.streams.push_back({ip3::stream_id(i), moved[i], 0, seconds});
    send_all(ctrl, ip3::with_length(ip3::results_json(ours)));
    const std::uint32_t len = ip3::read_length(recv_exact(ctrl, 4).data());
    if (len > ip3::kMaxJsonLen)
      throw ProtocolError("server results of " + std::to_string(len) + " bytes");
    std::string error;
    const auto theirs = ip3::parse_results(recv_exact(ctrl, len), error);
    if (!theirs) throw ProtocolError("the server's results: " + error);
    expect_state(ctrl, ip3::State::display_results);
    send_state(ctrl, ip3::State::iperf_done);
    close_all();

    std::uint64_t their_total = 0;
    double their_seconds = 0;
    for (const ip3::StreamResult& r : theirs->streams) {
      their_total += r.bytes;
      their_seconds = std::max(their_seconds, r.end_time - r.start_time);
    }
    their_seconds = std::max(their_seconds, 1e-6);
    const auto line = [](const char* who, std::uint64_t bytes, double s) {
      std::printf("%-8s %llu bytes in %.3f s: %.3f Mbit/s\n", who,
                  static_cast<unsigned long long>(bytes), s,
                  static_cast<double>(bytes) * 8 / s / 1e6);
    };
    std::printf("%s test against %s, %zu stream%s\n", o.reverse ? "reverse" : "forward",
                (to.address.to_string() + ":" + std::to_string(to.port)).c_str(), data.size(),
                data.size() == 1 ? "" : "s");
    line("sender", o.reverse ? their_total : total, o.reverse ? their_seconds : seconds);
    line("receiver", o.reverse ? total : their_total, o.reverse ? seconds : their_seconds);
    if (o.bytes != 0 && total < o.bytes) {
      std::fprintf(stderr, "tandem-iperf3: stopped after %llu of %llu bytes\n",
                   static_cast<unsigned long long>(total),
                   static_cast<unsigned long long>(o.bytes));
      return 1;
    }
    return total > 0 && their_total > 0 ? 0 : 1;
  } catch (const ProtocolError& e) {
    close_all();
    std::fprintf(stderr, "tandem-iperf3: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CommonOptions options;
  std::uint64_t max_tests = 0;
  CommandLine cli("tandem-iperf3",
                  "An iperf3 server (TCP) on Tandem, for Linux's `iperf3 -c`; serves one test "
                  "after another until SIGINT/SIGTERM. With --connect, an iperf3 client.",
                  ip3::kDefaultPort);
  cli.option("--tests", "N", "exit after N completed tests (default: run until stopped)",
             [&](std::string_view v) { return parse_u64(v, max_tests) && max_tests > 0; });
  ClientOptions client;
  cli.flag("--reverse", "client: the server sends (iperf3 -R)", client.reverse);
  cli.option("--bytes", "N", "client: bytes to move, then stop (iperf3 -n)",
             [&](std::string_view v) { return parse_u64(v, client.bytes) && client.bytes > 0; });
  cli.option("--time", "S", "client: seconds to run (iperf3 -t; default 10 unless --bytes)",
             [&](std::string_view v) {
               return parse_u64(v, client.time) && client.time > 0 && client.time <= 86400;
             });
  cli.option("--parallel", "N", "client: streams (iperf3 -P, 1..128, default 1)",
             [&](std::string_view v) {
               std::uint64_t n = 0;
               if (!parse_u64(v, n) || n == 0 || n > ip3::kMaxStreams) return false;
               client.parallel = static_cast<unsigned>(n);
               return true;
             });
  cli.option("--len", "N", "client: bytes a send (iperf3 -l, default 131072)",
             [&](std::string_view v) {
               return parse_u64(v, client.block_len) && client.block_len > 0 &&
                      client.block_len <= ip3::kMaxBlockSize;
             });
  cli.parse(argc, argv, options);
  if (client.bytes != 0 && client.time != 0) {
    std::fprintf(stderr, "tandem-iperf3: --bytes and --time: one end condition only\n");
    return 2;
  }
  if (options.backend == BackendKind::soft) {
    std::fprintf(stderr,
                 "tandem-iperf3: the soft backend has no Linux peer for iperf3; use tap, sim or "
                 "dpdk\n");
    return 2;
  }
  try {
    install_stop_handlers();
    Backend backend(options);
    if (options.connect) {
      const int rc = run_client(*options.connect, client);
      backend.print_counters(stderr);
      return rc;
    }
    Reactor reactor(false);
    const int listener = listen_tcp(backend.address(), options.port, 128);
    std::uint64_t completed = 0;
    std::uint64_t failed = 0;
    {
      Iperf3Server server(reactor, listener);
      std::fprintf(stderr, "tandem-iperf3: serving iperf3 tests on %s:%u (%s backend)\n",
                   backend.address().to_string().c_str(), options.port,
                   std::string(to_string(options.backend)).c_str());
      reactor.run(
          [&] {
            server.tick();
            return max_tests != 0 && server.tests_completed() >= max_tests;
          },
          20);
      completed = server.tests_completed();
      failed = server.tests_failed();
    }
    std::printf("%llu tests completed, %llu failed or refused\n",
                static_cast<unsigned long long>(completed),
                static_cast<unsigned long long>(failed));
    backend.print_counters(stderr);
    tdm_close(listener);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tandem-iperf3: %s\n", e.what());
    return 1;
  }
}
