// SPDX-License-Identifier: Apache-2.0
// iperf3's control messages as tandem-iperf3 reads and writes them: the JSON
// parser on good and bad text, PARAM_EXCHANGE objects as Debian 12's iperf3
// 3.12 sends them (recorded), and the results both ways.
#define BOOST_TEST_MODULE iperf3_protocol
#include <boost/test/unit_test.hpp>

#include <string>
#include <variant>

#include "examples/common/iperf3_protocol.hpp"

namespace {

namespace ip3 = tandem::examples::iperf3;

ip3::TestParams accepted(const std::string& json) {
  auto parsed = ip3::parse_params(json);
  const auto* refusal = std::get_if<ip3::Refusal>(&parsed);
  BOOST_REQUIRE_MESSAGE(refusal == nullptr, (refusal ? refusal->reason : ""));
  return std::get<ip3::TestParams>(parsed);
}

ip3::Refusal refused(const std::string& json) {
  auto parsed = ip3::parse_params(json);
  BOOST_REQUIRE(std::holds_alternative<ip3::Refusal>(parsed));
  return std::get<ip3::Refusal>(parsed);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(values_nesting_and_escapes) {
  std::string error;
  const auto doc = ip3::parse_json(
      R"( {"a": [1, -2.5e1, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00", "o": {}} )",
      error);
  BOOST_REQUIRE_MESSAGE(doc, error);
  const auto* a = doc->find("a")->array();
  BOOST_REQUIRE(a != nullptr);
  BOOST_TEST(a->size() == 5u);
  BOOST_TEST(*(*a)[1].number() == -25.0);
  BOOST_TEST(*(*a)[2].boolean());
  BOOST_TEST(*doc->find("s")->string() == "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  BOOST_TEST(doc->find("o")->object()->empty());
  BOOST_TEST(doc->find("missing") == nullptr);
}

BOOST_AUTO_TEST_CASE(malformed_text_is_refused_with_a_reason) {
  for (const char* bad :
       {"", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "01", "1.", "-", "\"\\x\"", "\"abc",
        "\"\\ud800\"", "tru", "{} {}", "\"\x01\"", "[1 2]", "{\"a\":1,}"}) {
    BOOST_TEST_CONTEXT("'" << bad << "'") {
      std::string error;
      BOOST_TEST(!ip3::parse_json(bad, error).has_value());
      BOOST_TEST(!error.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(nesting_is_bounded) {
  std::string error;
  BOOST_TEST(ip3::parse_json(std::string(32, '[') + std::string(32, ']'), error).has_value());
  BOOST_TEST(!ip3::parse_json(std::string(1000, '[') + std::string(1000, ']'), error).has_value());
  BOOST_TEST(error.find("deep") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(quoting_round_trips) {
  const std::string text = "a \"b\" \\ c\n\t\x01";
  std::string error;
  const auto doc = ip3::parse_json(ip3::json_quote(text), error);
  BOOST_REQUIRE_MESSAGE(doc, error);
  BOOST_TEST(*doc->string() == text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(param_exchange)

// As iperf3 3.12 sent them (`iperf3 -c ... -R -P 2 -n 8M` and `-t 1`).
BOOST_AUTO_TEST_CASE(recorded_parameters) {
  const auto reverse =
      accepted(R"({"tcp":true,"omit":0,"time":0,"num":8388608,"blockcount":0,"parallel":2,)"
               R"("reverse":true,"len":131072,"pacing_timer":1000,"client_version":"3.12"})");
  BOOST_TEST((reverse.protocol == ip3::TestParams::Protocol::tcp));
  BOOST_TEST(reverse.reverse);
  BOOST_TEST(reverse.parallel == 2u);
  BOOST_TEST(reverse.bytes == 8388608u);
  BOOST_TEST(reverse.block_len == 131072u);
  BOOST_TEST(reverse.client_version == "3.12");
  const auto timed =
      accepted(R"({"tcp":true,"omit":0,"time":1,"num":0,"blockcount":0,"parallel":1,"len":131072,)"
               R"("pacing_timer":1000,"client_version":"3.12"})");
  BOOST_TEST(!timed.reverse);
  BOOST_TEST(timed.time == 1.0);
  BOOST_TEST(timed.bytes == 0u);
  const auto udp =
      accepted(R"({"udp":true,"omit":0,"time":0,"num":8388608,"blockcount":0,"parallel":2,)"
               R"("reverse":true,"len":32768,"bandwidth":1000000,"pacing_timer":1000})");
  BOOST_TEST((udp.protocol == ip3::TestParams::Protocol::udp));
  BOOST_TEST(udp.bandwidth == 1000000u);
}

BOOST_AUTO_TEST_CASE(out_of_iperf3s_limits) {
  BOOST_TEST((refused(R"({"tcp":true,"parallel":129})").code == ip3::ErrorCode::num_streams));
  BOOST_TEST((refused(R"({"tcp":true,"parallel":0})").code == ip3::ErrorCode::num_streams));
  BOOST_TEST((refused(R"({"tcp":true,"len":1048577})").code == ip3::ErrorCode::block_size));
  BOOST_TEST((refused(R"({"tcp":true,"time":-1})").code == ip3::ErrorCode::receive_params));
  BOOST_TEST((refused(R"({"tcp":true,"num":1.5})").code == ip3::ErrorCode::receive_params));
  BOOST_TEST((refused(R"({"tcp":true,"time":"10"})").code == ip3::ErrorCode::receive_params));
  BOOST_TEST((refused(R"({"omit":0})").code == ip3::ErrorCode::receive_params));
  BOOST_TEST((refused("[]").code == ip3::ErrorCode::receive_params));
  BOOST_TEST((refused("{").code == ip3::ErrorCode::receive_params));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exchange_results)

BOOST_AUTO_TEST_CASE(results_round_trip) {
  ip3::Results r;
  r.cpu_total = 12.5;
  r.cpu_user = 2.5;
  r.cpu_system = 10;
  r.streams = {{ip3::stream_id(0), 8388608, 0, 0.25}, {ip3::stream_id(1), 123, 0, 0.5}};
  r.server_output_text = "line \"one\"\n";
  const std::string json = ip3::results_json(r);
  std::string error;
  const auto back = ip3::parse_results(json, error);
  BOOST_REQUIRE_MESSAGE(back, error);
  BOOST_TEST(back->cpu_total == 12.5);
  BOOST_TEST(back->streams.size() == 2u);
  BOOST_TEST(back->streams[0].id == 1);
  BOOST_TEST(back->streams[1].id == 3);  // iperf3 leaves 2 out
  BOOST_TEST(back->streams[0].bytes == 8388608u);
  BOOST_TEST(back->streams[1].end_time == 0.5);
  const auto doc = ip3::parse_json(json, error);
  BOOST_TEST(*doc->find("server_output_text")->string() == "line \"one\"\n");
}

// As iperf3 3.12's client sent them, its 2^64-1 "no retransmits" included.
BOOST_AUTO_TEST_CASE(recorded_client_results) {
  std::string error;
  const auto r = ip3::parse_results(
      R"({"cpu_util_total":37.5,"cpu_util_user":0,"cpu_util_system":37.5,)"
      R"("sender_has_retransmits":18446744073709551615,"congestion_used":"bbr","streams":[)"
      R"({"id":1,"bytes":2097152,"retransmits":0,"jitter":0,"errors":0,"packets":0,)"
      R"("start_time":0,"end_time":0.001081},{"id":3,"bytes":2097152,"retransmits":0,)"
      R"("jitter":0,"errors":0,"packets":0,"start_time":0,"end_time":0.001086}]})",
      error);
  BOOST_REQUIRE_MESSAGE(r, error);
  BOOST_TEST(r->streams.size() == 2u);
  BOOST_TEST(r->streams[1].id == 3);
  BOOST_TEST(r->streams[1].bytes == 2097152u);
}

BOOST_AUTO_TEST_CASE(results_without_required_members_are_refused) {
  std::string error;
  BOOST_TEST(!ip3::parse_results(R"({"streams":[]})", error).has_value());
  BOOST_TEST(!ip3::parse_results(R"({"cpu_util_total":0,"cpu_util_user":0,"cpu_util_system":0,)"
                                 R"("sender_has_retransmits":0,"streams":[{"id":1}]})",
                                 error)
                  .has_value());
  BOOST_TEST(!ip3::parse_results(R"({"cpu_util_total":0,"cpu_util_user":0,"cpu_util_system":0,)"
                                 R"("sender_has_retransmits":0,"streams":[{"id":1,"bytes":-5}]})",
                                 error)
                  .has_value());
  BOOST_TEST(
      !ip3::parse_results(R"({"cpu_util_total":0,"cpu_util_user":0,"cpu_util_system":0,)"
                          R"("sender_has_retransmits":0,"streams":[{"id":1e300,"bytes":5}]})",
                          error));
  BOOST_TEST(
      !ip3::parse_results(R"({"cpu_util_total":0,"cpu_util_user":0,"cpu_util_system":0,)"
                          R"("sender_has_retransmits":0,"streams":[{"id":1,"bytes":1e300}]})",
                          error));
}

BOOST_AUTO_TEST_CASE(length_prefix_and_cookie) {
  const std::string framed = ip3::with_length("{}");
  BOOST_TEST(framed.size() == 6u);
  BOOST_TEST(ip3::read_length(framed.data()) == 2u);
  const std::string cookie = ip3::make_cookie();
  BOOST_TEST(cookie.size() == ip3::kCookieLen);
  BOOST_TEST(cookie.back() == '\0');
  BOOST_TEST(cookie.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567") == ip3::kCookieLen - 1);
}

BOOST_AUTO_TEST_SUITE_END()
