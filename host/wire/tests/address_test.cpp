// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <string_view>

#include "host/wire/address.hpp"
#include "host/wire/tests/wire_test_util.hpp"

using tandem::wire::Ipv4Address;
using tandem::wire::MacAddress;

BOOST_AUTO_TEST_SUITE(mac_address)

BOOST_AUTO_TEST_CASE(parses_and_prints) {
  const auto mac = MacAddress::parse("02:00:00:00:00:01");
  BOOST_TEST_REQUIRE(mac.has_value());
  BOOST_TEST(*mac == (MacAddress{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}}));
  BOOST_TEST(mac->to_string() == "02:00:00:00:00:01");
}

BOOST_AUTO_TEST_CASE(accepts_either_case_and_prints_lower_case) {
  const auto mac = MacAddress::parse("0A:1b:C2:d3:E4:ff");
  BOOST_TEST_REQUIRE(mac.has_value());
  BOOST_TEST(*mac == (MacAddress{{0x0a, 0x1b, 0xc2, 0xd3, 0xe4, 0xff}}));
  BOOST_TEST(mac->to_string() == "0a:1b:c2:d3:e4:ff");
}

BOOST_AUTO_TEST_CASE(rejects_anything_but_six_two_digit_groups) {
  for (std::string_view text : {
           "",
           "02:00:00:00:00",
           "02:00:00:00:00:01:02",
           "2:00:00:00:00:01",
           "02:00:00:00:00:1",
           "002:00:00:00:00:1",
           "02-00-00-00-00-01",
           "02:00:00:00:00:0g",
           "02:00:00:00:00:01 ",
           " 02:00:00:00:00:01",
           "02:00:00:00:00:01:",
           "02::00:00:00:00:01",
           "0200.0000.0001",
       }) {
    BOOST_TEST(!MacAddress::parse(text).has_value(), "accepted \"" << text << "\"");
  }
}

BOOST_AUTO_TEST_CASE(classification) {
  BOOST_TEST(MacAddress::broadcast().is_broadcast());
  BOOST_TEST(MacAddress::broadcast().is_multicast());
  BOOST_TEST(MacAddress::parse("01:00:5e:00:00:01")->is_multicast());
  BOOST_TEST(!MacAddress::parse("02:00:00:00:00:01")->is_multicast());
  BOOST_TEST(MacAddress{}.is_zero());
  BOOST_TEST(MacAddress::broadcast().to_string() == "ff:ff:ff:ff:ff:ff");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipv4_address)

BOOST_AUTO_TEST_CASE(parses_and_prints) {
  const auto addr = Ipv4Address::parse("10.0.0.1");
  BOOST_TEST_REQUIRE(addr.has_value());
  BOOST_TEST(*addr == Ipv4Address::from_octets(10, 0, 0, 1));
  BOOST_TEST(addr->value == 0x0a000001u);
  BOOST_TEST(addr->to_string() == "10.0.0.1");
  BOOST_TEST(Ipv4Address::parse("0.0.0.0")->is_unspecified());
  BOOST_TEST(Ipv4Address::parse("255.255.255.255")->is_broadcast());
  BOOST_TEST(Ipv4Address::parse("192.168.100.254")->to_string() == "192.168.100.254");
}

BOOST_AUTO_TEST_CASE(round_trips_every_octet_value) {
  for (unsigned v = 0; v <= 255; ++v) {
    const auto o = static_cast<std::uint8_t>(v);
    const Ipv4Address addr = Ipv4Address::from_octets(o, 255 - o, o, 0);
    BOOST_TEST((Ipv4Address::parse(addr.to_string()) == addr), addr.to_string());
  }
}

BOOST_AUTO_TEST_CASE(rejects_anything_but_a_strict_dotted_quad) {
  for (std::string_view text : {
           "",          "1.2.3",     "1.2.3.4.5",  "1..2.3",     ".1.2.3",     "1.2.3.",
           "256.0.0.1", "1.2.3.256", "1234.1.1.1", "1.2.3.0004", "+1.2.3.4",   "1.+2.3.4",
           "-1.2.3.4",  " 1.2.3.4",  "1.2.3.4 ",   "1.2.3.4x",   "1.2.3.4/24", "0x1.2.3.4",
           "01.2.3.4",  "1.2.3.00",  "a.b.c.d",
       }) {
    BOOST_TEST(!Ipv4Address::parse(text).has_value(), "accepted \"" << text << "\"");
  }
}

BOOST_AUTO_TEST_CASE(classification) {
  BOOST_TEST(Ipv4Address::from_octets(224, 0, 0, 1).is_multicast());
  BOOST_TEST(Ipv4Address::from_octets(239, 255, 255, 255).is_multicast());
  BOOST_TEST(!Ipv4Address::from_octets(240, 0, 0, 1).is_multicast());
  BOOST_TEST(Ipv4Address::from_octets(127, 0, 0, 1).is_loopback());
  BOOST_TEST(!Ipv4Address::from_octets(10, 0, 0, 1).is_loopback());
  BOOST_TEST(Ipv4Address::from_octets(10, 0, 0, 1) < Ipv4Address::from_octets(10, 0, 1, 0));
}

BOOST_AUTO_TEST_SUITE_END()
