// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE tcp_tests
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "host/tcp/assembler.hpp"
#include "host/tcp/byte_queue.hpp"

namespace tt = tandem::tcp;
namespace tw = tandem::wire;

namespace {

std::vector<std::byte> pattern(std::size_t n, std::size_t start = 0) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::byte>((start + i) * 131 % 251);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(byte_queue)

BOOST_AUTO_TEST_CASE(empty_queue_holds_no_chunks) {
  tt::ByteQueue q;
  BOOST_TEST(q.allocated_chunks() == 0u);
  q.append(pattern(10));
  BOOST_TEST(q.allocated_chunks() == 1u);
  q.consume(10);
  BOOST_TEST(q.empty());
  BOOST_TEST(q.allocated_chunks() == 0u);
}

BOOST_AUTO_TEST_CASE(random_appends_and_consumes_match_a_model) {
  std::mt19937 rng(7);
  tt::ByteQueue q;
  std::vector<std::byte> model;
  std::size_t produced = 0;
  for (int step = 0; step < 2000; ++step) {
    if (rng() % 2 == 0) {
      const std::size_t n = rng() % 9000;
      const auto data = pattern(n, produced);
      produced += n;
      q.append(data);
      model.insert(model.end(), data.begin(), data.end());
    } else if (!model.empty()) {
      const std::size_t n = rng() % (model.size() + 1);
      // Peek at a random offset before consuming, as retransmission does.
      const std::size_t off = rng() % model.size();
      std::vector<std::byte> out(rng() % 5000);
      const std::size_t got = q.peek(off, out);
      BOOST_REQUIRE(got == std::min(out.size(), model.size() - off));
      BOOST_REQUIRE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got),
                               model.begin() + static_cast<std::ptrdiff_t>(off)));
      q.consume(n);
      model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(n));
    }
    BOOST_REQUIRE(q.size() == model.size());
    BOOST_REQUIRE(q.allocated_chunks() <= model.size() / tt::ByteQueue::kChunkSize + 2);
    if (model.empty()) BOOST_REQUIRE(q.allocated_chunks() == 0u);
  }
  q.consume(q.size());
  BOOST_TEST(q.allocated_chunks() == 0u);
}

BOOST_AUTO_TEST_CASE(gather_views_cover_chunk_boundaries) {
  tt::ByteQueue q;
  const auto data = pattern(3 * tt::ByteQueue::kChunkSize);
  q.append(data);
  q.consume(100);
  std::array<tw::ByteSpan, 4> views{};
  const std::size_t n = q.gather(tt::ByteQueue::kChunkSize - 200, 1460, views);
  BOOST_TEST(n == 2u);
  std::vector<std::byte> joined;
  for (std::size_t i = 0; i < n; ++i)
    joined.insert(joined.end(), views[i].begin(), views[i].end());
  const auto at = static_cast<std::ptrdiff_t>(100 + tt::ByteQueue::kChunkSize - 200);
  BOOST_TEST(std::equal(joined.begin(), joined.end(), data.begin() + at));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(assembler)

BOOST_AUTO_TEST_CASE(out_of_order_pieces_drain_in_order_and_free_everything) {
  tt::Assembler a;
  const tw::SeqNum base(0xfffffff0u);  // across the wrap
  const auto data = pattern(100);
  a.insert(base + 50, tw::ByteSpan(data).subspan(50, 20));
  a.insert(base + 10, tw::ByteSpan(data).subspan(10, 10));
  a.insert(base + 60, tw::ByteSpan(data).subspan(60, 40));  // overlaps and extends
  BOOST_TEST(a.block_count() == 2u);
  std::array<tw::SackBlock, 4> sack{};
  BOOST_TEST(a.sack_blocks(sack) == 2u);
  // The most recent arrival's block first (RFC 2018 §4).
  BOOST_TEST(sack[0].left == base + 50);
  BOOST_TEST(sack[0].right == base + 100);
  BOOST_TEST(sack[1].left == base + 10);

  std::vector<std::byte> out;
  auto sink = [&](tw::ByteSpan run) { out.insert(out.end(), run.begin(), run.end()); };
  BOOST_TEST(a.drain(base, sink) == 0u);
  BOOST_TEST(a.drain(base + 15, sink) == 5u);  // the first block, minus what we had
  BOOST_TEST(std::equal(out.begin(), out.end(), data.begin() + 15));
  a.insert(base + 20, tw::ByteSpan(data).subspan(20, 30));
  out.clear();
  BOOST_TEST(a.drain(base + 20, sink) == 80u);
  BOOST_TEST(std::equal(out.begin(), out.end(), data.begin() + 20));
  BOOST_TEST(a.empty());
  BOOST_TEST(a.allocated_blocks() == 0u);
}

BOOST_AUTO_TEST_CASE(block_limit_refuses_more_disjoint_pieces) {
  tt::Assembler a;
  const auto data = pattern(1);
  for (std::size_t i = 0; i < tt::Assembler::kMaxBlocks; ++i) {
    BOOST_TEST(a.insert(tw::SeqNum(static_cast<std::uint32_t>(10 * i + 1)), data));
  }
  BOOST_TEST(!a.insert(tw::SeqNum(100000), data));
  // Touching an existing block still merges.
  BOOST_TEST(a.insert(tw::SeqNum(2), data));
  a.clear();
  BOOST_TEST(a.allocated_blocks() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
