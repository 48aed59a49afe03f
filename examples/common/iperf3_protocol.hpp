// SPDX-License-Identifier: Apache-2.0
// iperf3's control protocol (as iperf 3.12 speaks it), for tandem-iperf3. What
// crosses the control connection, in order:
//
//   client -> server  37-byte cookie (36 characters and a NUL); every data
//                     connection opens with the same cookie
//   server -> client  one signed byte per state change (State below)
//   PARAM_EXCHANGE    client sends its parameters: 4-byte big-endian length,
//                     then a JSON object ("tcp", "time", "num", "parallel", ...)
//   CREATE_STREAMS    client opens `parallel` data connections
//   TEST_START, TEST_RUNNING
//                     data flows: client to server, or server to client with
//                     "reverse"; the client ends the test with TEST_END
//   EXCHANGE_RESULTS  client sends its results (length + JSON), then the server
//                     its own: per stream, in the client's numbering, the bytes
//                     it moved
//   DISPLAY_RESULTS   client prints its summary and answers IPERF_DONE
//   ACCESS_DENIED     a cookie the server does not expect (it is busy)
//   SERVER_ERROR      followed by two 4-byte big-endian integers: iperf3's own
//                     error number, which the client turns into its message,
//                     and an errno
//
// Learned by running Debian 12's iperf3 against a recording proxy; nothing
// here is iperf3's code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tandem::examples::iperf3 {

inline constexpr std::size_t kCookieLen = 37;
inline constexpr std::uint16_t kDefaultPort = 5201;
// Longest JSON message either side accepts: results of 128 streams are about
// 30 KB.
inline constexpr std::uint32_t kMaxJsonLen = 1u << 20;
// iperf3's own limits, which its client enforces too.
inline constexpr unsigned kMaxStreams = 128;
inline constexpr std::uint64_t kMaxBlockSize = 1u << 20;

enum class State : std::int8_t {
  test_start = 1,
  test_running = 2,
  test_end = 4,
  param_exchange = 9,
  create_streams = 10,
  server_terminate = 11,
  client_terminate = 12,
  exchange_results = 13,
  display_results = 14,
  iperf_start = 15,
  iperf_done = 16,
  access_denied = -1,
  server_error = -2,
};
std::string_view to_string(State state);

// iperf3's error numbers that this implementation sends with SERVER_ERROR; the
// client prints its own text for each (quoted here as 3.12 prints it).
enum class ErrorCode : std::int32_t {
  num_streams = 6,           // "number of parallel streams too large"
  block_size = 7,            // "block size too large"
  not_implemented = 13,      // "an option you are trying to set is not implemented yet"
  no_sctp = 18,              // "no SCTP support available"
  unknown_message = 110,     // "received an unknown control message"
  receive_params = 114,      // "unable to receive parameters from client"
  receive_results = 117,     // "unable to receive results"
  server_terminated = 120,   // "the server has terminated"
  congestion_control = 134,  // "unable to set TCP_CONGESTION: ... not supported"
};

// A JSON value: enough of RFC 8259 for iperf3's messages. Numbers are
// doubles, as in the cJSON iperf3 is built on.
struct Json {
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;
  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      value = nullptr;

  const Json* find(std::string_view key) const;  // nullptr unless an object with `key`
  const Array* array() const;
  const Object* object() const;
  std::optional<double> number() const;
  std::optional<bool> boolean() const;
  const std::string* string() const;
};

// Parses one JSON text (RFC 8259 §2: whitespace, one value, whitespace).
// Nesting deeper than 32 is refused: nothing iperf3 sends is that deep.
// On failure returns nullopt and says why in `error`.
std::optional<Json> parse_json(std::string_view text, std::string& error);
// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

// A test as the client asked for it in PARAM_EXCHANGE.
struct TestParams {
  enum class Protocol { tcp, udp, sctp };
  Protocol protocol = Protocol::tcp;
  bool reverse = false;
  bool bidirectional = false;
  double time = 10;             // seconds; 0 when bounded by bytes or blocks
  double omit = 0;              // seconds at the start not counted
  std::uint64_t bytes = 0;      // -n, 0 if unbounded
  std::uint64_t blocks = 0;     // -k, 0 if unbounded
  unsigned parallel = 1;        // -P
  std::uint64_t block_len = 0;  // -l, bytes a send
  std::uint64_t bandwidth = 0;  // -b, bits/s; 0 unlimited
  std::uint64_t fq_rate = 0;    // --fq-rate, bits/s
  std::uint64_t window = 0;     // -w, socket buffer bytes
  std::uint64_t mss = 0;        // -M
  bool nodelay = false;         // -N
  bool get_server_output = false;
  std::string congestion;  // -C
  std::string client_version;
};

// A refusal: the error number to send the client and what to print on stderr.
struct Refusal {
  ErrorCode code;
  std::string reason;
};

// Reads PARAM_EXCHANGE's object; a refusal for what is malformed or out of
// iperf3's own limits. Whether the server can run the test is the caller's
// decision.
std::variant<TestParams, Refusal> parse_params(std::string_view json);

// One stream in EXCHANGE_RESULTS. Streams are numbered as iperf3 numbers them
// in the order they connect: 1, 3, 4, 5, ... (iperf3 leaves 2 out).
struct StreamResult {
  int id = 0;
  std::uint64_t bytes = 0;
  double start_time = 0;  // seconds since the test started
  double end_time = 0;
};
int stream_id(std::size_t index);

struct Results {
  double cpu_total = 0;  // percent of one core, over the test
  double cpu_user = 0;
  double cpu_system = 0;
  bool sender_has_retransmits = false;
  std::vector<StreamResult> streams;
  std::optional<std::string> server_output_text;  // --get-server-output
};
std::string results_json(const Results& results);
// The client's results (what it sent or received per stream); nullopt and
// `error` for a message without the members iperf3 always sends.
std::optional<Results> parse_results(std::string_view json, std::string& error);

// The 4-byte big-endian length iperf3 puts before every JSON message.
std::string with_length(std::string_view json);
std::uint32_t read_length(const char* four_bytes);

// A fresh cookie for a client: 36 characters of iperf3's alphabet and a NUL.
std::string make_cookie();

}  // namespace tandem::examples::iperf3
