// SPDX-License-Identifier: Apache-2.0
#include "examples/common/iperf3_protocol.hpp"

#include <arpa/inet.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

namespace tandem::examples::iperf3 {

std::string_view to_string(State state) {
  switch (state) {
    case State::test_start:
      return "TEST_START";
    case State::test_running:
      return "TEST_RUNNING";
    case State::test_end:
      return "TEST_END";
    case State::param_exchange:
      return "PARAM_EXCHANGE";
    case State::create_streams:
      return "CREATE_STREAMS";
    case State::server_terminate:
      return "SERVER_TERMINATE";
    case State::client_terminate:
      return "CLIENT_TERMINATE";
    case State::exchange_results:
      return "EXCHANGE_RESULTS";
    case State::display_results:
      return "DISPLAY_RESULTS";
    case State::iperf_start:
      return "IPERF_START";
    case State::iperf_done:
      return "IPERF_DONE";
    case State::access_denied:
      return "ACCESS_DENIED";
    case State::server_error:
      return "SERVER_ERROR";
  }
  return "unknown";
}

// ---- JSON -------------------------------------------------------------------

const Json* Json::find(std::string_view key) const {
  const Object* o = object();
  if (o == nullptr) return nullptr;
  const auto it = o->find(key);
  return it == o->end() ? nullptr : &it->second;
}

const Json::Array* Json::array() const {
  const auto* a = std::get_if<std::shared_ptr<Array>>(&value);
  return a != nullptr ? a->get() : nullptr;
}

const Json::Object* Json::object() const {
  const auto* o = std::get_if<std::shared_ptr<Object>>(&value);
  return o != nullptr ? o->get() : nullptr;
}

std::optional<double> Json::number() const {
  const auto* d = std::get_if<double>(&value);
  return d != nullptr ? std::optional<double>(*d) : std::nullopt;
}

std::optional<bool> Json::boolean() const {
  const auto* b = std::get_if<bool>(&value);
  return b != nullptr ? std::optional<bool>(*b) : std::nullopt;
}

const std::string* Json::string() const {
  return std::get_if<std::string>(&value);
}

namespace {

constexpr int kMaxDepth = 32;

// Recursive descent over RFC 8259's grammar; every read is bounds-checked
// against the text, and the first error stops the parse.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  std::optional<Json> document(std::string& error) {
    Json v;
    skip_space();
    if (!value(v, 0)) {
      error = error_ + " at offset " + std::to_string(pos_);
      return std::nullopt;
    }
    skip_space();
    if (pos_ != text_.size()) {
      error = "trailing characters at offset " + std::to_string(pos_);
      return std::nullopt;
    }
    return v;
  }

 private:
  bool fail(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    return false;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail("bad literal");
    pos_ += word.size();
    return true;
  }

  bool value(Json& out, int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    switch (peek()) {
      case '{':
        return object(out, depth);
      case '[':
        return array(out, depth);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out.value = std::move(s);
        return true;
      }
      case 't':
        out.value = true;
        return literal("true");
      case 'f':
        out.value = false;
        return literal("false");
      case 'n':
        out.value = nullptr;
        return literal("null");
      default:
        return number(out);
    }
  }

  bool object(Json& out, int depth) {
    auto members = std::make_shared<Json::Object>();
    ++pos_;  // '{'
    skip_space();
    if (peek() == '}') {
      ++pos_;
      out.value = std::move(members);
      return true;
    }
    for (;;) {
      skip_space();
      std::string key;
      if (peek() != '"') return fail("expected a member name");
      if (!string(key)) return false;
      skip_space();
      if (peek() != ':') return fail("expected ':'");
      ++pos_;
      skip_space();
      Json member;
      if (!value(member, depth + 1)) return false;
      (*members)[std::move(key)] = std::move(member);
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') return fail("expected ',' or '}'");
      ++pos_;
      out.value = std::move(members);
      return true;
    }
  }

  bool array(Json& out, int depth) {
    auto elements = std::make_shared<Json::Array>();
    ++pos_;  // '['
    skip_space();
    if (peek() == ']') {
      ++pos_;
      out.value = std::move(elements);
      return true;
    }
    for (;;) {
      skip_space();
      Json element;
      if (!value(element, depth + 1)) return false;
      elements->push_back(std::move(element));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ']') return fail("expected ',' or ']'");
      ++pos_;
      out.value = std::move(elements);
      return true;
    }
  }

  bool hex4(std::uint32_t& out) {
    if (text_.size() - pos_ < 4) return fail("short \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return fail("bad \\u escape");
      }
    }
    return true;
  }

  static void append_utf8(std::string& s, std::uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // RFC 8259 §7.
  bool string(std::string& out) {
    ++pos_;  // '"'
    for (;;) {
      if (at_end()) return fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) return fail("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          // A high surrogate takes the low one that must follow.
          if (cp >= 0xd800 && cp < 0xdc00) {
            std::uint32_t low = 0;
            if (text_.substr(pos_, 2) != "\\u") return fail("lone surrogate");
            pos_ += 2;
            if (!hex4(low)) return false;
            if (low < 0xdc00 || low >= 0xe000) return fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            return fail("lone surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return fail("bad escape");
      }
    }
  }

  // RFC 8259 §6: -? int frac? exp?, checked here, converted by strtod.
  bool number(Json& out) {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9')
        ++pos_;
      return pos_ - from;
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return fail("expected a value");
    }
    if (peek() == '.') {
      ++pos_;
      if (digits() == 0) return fail("bad fraction");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (digits() == 0) return fail("bad exponent");
    }
    const std::string literal(text_.substr(start, pos_ - start));
    out.value = std::strtod(literal.c_str(), nullptr);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

// A member that must be a non-negative whole number no larger than `max`, if
// present.
bool read_count(const Json& params, std::string_view key, std::uint64_t max, std::uint64_t& out,
                std::string& error) {
  const Json* v = params.find(key);
  if (v == nullptr) return true;
  const auto n = v->number();
  if (!n || *n < 0 || *n != std::floor(*n) || *n > static_cast<double>(max)) {
    error = "\"" + std::string(key) + "\" is not a count up to " + std::to_string(max);
    return false;
  }
  out = static_cast<std::uint64_t>(*n);
  return true;
}

bool flag(const Json& params, std::string_view key) {
  const Json* v = params.find(key);
  if (v == nullptr) return false;
  // iperf3 sends true for some flags and 1 for others.
  if (const auto b = v->boolean()) return *b;
  if (const auto n = v->number()) return *n != 0;
  return false;
}

std::string format_double(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", d);
  return buf;
}

}  // namespace

std::optional<Json> parse_json(std::string_view text, std::string& error) {
  return JsonParser(text).document(error);
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// ---- PARAM_EXCHANGE -----------------------------------------------------------

std::variant<TestParams, Refusal> parse_params(std::string_view json) {
  std::string error;
  const auto doc = parse_json(json, error);
  if (!doc || doc->object() == nullptr) {
    return Refusal{ErrorCode::receive_params,
                   "parameters are not a JSON object: " + (doc ? "not an object" : error)};
  }
  TestParams p;
  if (flag(*doc, "udp")) {
    p.protocol = TestParams::Protocol::udp;
  } else if (flag(*doc, "sctp")) {
    p.protocol = TestParams::Protocol::sctp;
  } else if (!flag(*doc, "tcp")) {
    return Refusal{ErrorCode::receive_params, "parameters name no protocol (tcp, udp or sctp)"};
  }
  p.reverse = flag(*doc, "reverse");
  p.bidirectional = flag(*doc, "bidirectional");
  p.nodelay = flag(*doc, "nodelay");
  p.get_server_output = flag(*doc, "get_server_output");
  std::uint64_t time = 0;
  std::uint64_t omit = 0;
  std::uint64_t parallel = 1;
  constexpr std::uint64_t kMaxSeconds = 86400;  // iperf3's longest test
  constexpr std::uint64_t kLarge = std::uint64_t{1} << 53;
  if (!read_count(*doc, "time", kMaxSeconds, time, error) ||
      !read_count(*doc, "omit", kMaxSeconds, omit, error) ||
      !read_count(*doc, "num", kLarge, p.bytes, error) ||
      !read_count(*doc, "blockcount", kLarge, p.blocks, error) ||
      !read_count(*doc, "len", kLarge, p.block_len, error) ||
      !read_count(*doc, "bandwidth", kLarge, p.bandwidth, error) ||
      !read_count(*doc, "fqrate", kLarge, p.fq_rate, error) ||
      !read_count(*doc, "window", kLarge, p.window, error) ||
      !read_count(*doc, "MSS", kLarge, p.mss, error)) {
    return Refusal{ErrorCode::receive_params, error};
  }
  if (!read_count(*doc, "parallel", kLarge, parallel, error)) {
    return Refusal{ErrorCode::receive_params, error};
  }
  if (parallel == 0 || parallel > kMaxStreams) {
    return Refusal{ErrorCode::num_streams, std::to_string(parallel) + " parallel streams (1.." +
                                               std::to_string(kMaxStreams) + ")"};
  }
  if (p.block_len > kMaxBlockSize) {
    return Refusal{ErrorCode::block_size, "block size " + std::to_string(p.block_len) +
                                              " (at most " + std::to_string(kMaxBlockSize) + ")"};
  }
  if (p.block_len == 0) p.block_len = std::uint64_t{128} << 10;  // iperf3's TCP default
  p.time = static_cast<double>(time);
  p.omit = static_cast<double>(omit);
  p.parallel = static_cast<unsigned>(parallel);
  if (const Json* c = doc->find("congestion"); c != nullptr && c->string() != nullptr) {
    p.congestion = *c->string();
  }
  if (const Json* v = doc->find("client_version"); v != nullptr && v->string() != nullptr) {
    p.client_version = *v->string();
  }
  return p;
}

// ---- EXCHANGE_RESULTS ---------------------------------------------------------

int stream_id(std::size_t index) {
  return index == 0 ? 1 : static_cast<int>(index) + 2;
}

std::string results_json(const Results& r) {
  std::string s = "{\"cpu_util_total\":" + format_double(r.cpu_total) +
                  ",\"cpu_util_user\":" + format_double(r.cpu_user) +
                  ",\"cpu_util_system\":" + format_double(r.cpu_system) +
                  ",\"sender_has_retransmits\":" + (r.sender_has_retransmits ? "1" : "0") +
                  ",\"streams\":[";
  for (std::size_t i = 0; i < r.streams.size(); ++i) {
    const StreamResult& st = r.streams[i];
    if (i != 0) s += ',';
    // Retransmits are -1: Tandem does not count them per connection for the
    // peer to see; jitter, errors and packets are UDP's.
    s += "{\"id\":" + std::to_string(st.id) + ",\"bytes\":" + std::to_string(st.bytes) +
         ",\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"omitted_errors\":0,\"packets\":0,"
         "\"omitted_packets\":0,\"start_time\":" +
         format_double(st.start_time) + ",\"end_time\":" + format_double(st.end_time) + "}";
  }
  s += "]";
  if (r.server_output_text) s += ",\"server_output_text\":" + json_quote(*r.server_output_text);
  return s + "}";
}

std::optional<Results> parse_results(std::string_view json, std::string& error) {
  const auto doc = parse_json(json, error);
  if (!doc) return std::nullopt;
  Results r;
  const Json* total = doc->find("cpu_util_total");
  const Json* user = doc->find("cpu_util_user");
  const Json* system = doc->find("cpu_util_system");
  const Json* retransmits = doc->find("sender_has_retransmits");
  const Json* streams = doc->find("streams");
  if (total == nullptr || !total->number() || user == nullptr || !user->number() ||
      system == nullptr || !system->number() || retransmits == nullptr || !retransmits->number() ||
      streams == nullptr || streams->array() == nullptr) {
    error =
        "results lack cpu_util_total, cpu_util_user, cpu_util_system, "
        "sender_has_retransmits or streams";
    return std::nullopt;
  }
  r.cpu_total = *total->number();
  r.cpu_user = *user->number();
  r.cpu_system = *system->number();
  r.sender_has_retransmits = *retransmits->number() > 0;
  for (const Json& s : *streams->array()) {
    const Json* id = s.find("id");
    const Json* bytes = s.find("bytes");
    // Whole numbers in range only: converting anything else would be undefined.
    constexpr double kMaxBytes = 18446744073709549568.0;  // the largest double below 2^64
    if (id == nullptr || !id->number() || bytes == nullptr || !bytes->number() ||
        *id->number() < 0 || *id->number() > 2147483647.0 || *bytes->number() < 0 ||
        *bytes->number() > kMaxBytes || *id->number() != std::floor(*id->number()) ||
        *bytes->number() != std::floor(*bytes->number())) {
      error = "a stream without a whole id and byte count in range";
      return std::nullopt;
    }
    StreamResult st;
    st.id = static_cast<int>(*id->number());
    st.bytes = static_cast<std::uint64_t>(*bytes->number());
    if (const Json* t = s.find("start_time"); t != nullptr && t->number()) {
      st.start_time = *t->number();
    }
    if (const Json* t = s.find("end_time"); t != nullptr && t->number()) st.end_time = *t->number();
    r.streams.push_back(st);
  }
  return r;
}

std::string with_length(std::string_view json) {
  const std::uint32_t be = htonl(static_cast<std::uint32_t>(json.size()));
  std::string s(reinterpret_cast<const char*>(&be), 4);
  s += json;
  return s;
}

std::uint32_t read_length(const char* four_bytes) {
  std::uint32_t be = 0;
  std::memcpy(&be, four_bytes, 4);
  return ntohl(be);
}

std::string make_cookie() {
  // iperf3's alphabet: lower-case letters and digits 2-7 (base32's).
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
  std::random_device seed;
  std::mt19937 rng(seed());
  std::string cookie;
  for (std::size_t i = 0; i + 1 < kCookieLen; ++i)
    cookie += kAlphabet[rng() % kAlphabet.size()];
  cookie += '\0';
  return cookie;
}

}  // namespace tandem::examples::iperf3
