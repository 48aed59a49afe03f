// SPDX-License-Identifier: Apache-2.0
// Cycle-level plumbing for the C/RTL equivalence harnesses: a clocked
// Verilated model, AXI4-Stream sources that hold tvalid and the word until it
// is taken (with random idle cycles between words), sinks with random tready,
// and fast conversions between 512-bit beats and Verilator's wide ports.
//
// A cycle is: the bench sets every input with the clock low, evaluates, reads
// which handshakes happen (tvalid && tready as the model sees them now), then
// clocks a rising edge. Sources and sinks learn of their handshakes after the
// edge, so what they present never depends on the edge it fires on.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <utility>

#include "hls/common/hls_compat.hpp"

namespace tandem::rtl_tb {

using Beat = hls_kernels::AxisBeat;
using BeatData = ap_uint<hls_kernels::kBeatBits>;

// A Verilated model with its context, both owned here, clocked through `clk`
// and reset through `rst` (active high, synchronous).
template <typename Model>
class Clocked {
 public:
  Clocked() : context_(std::make_unique<VerilatedContext>()) {
    context_->debug(0);
    context_->randReset(2);
    model_ = std::make_unique<Model>(context_.get(), "top");
    model_->clk = 0;
    model_->rst = 1;
    model_->eval();
    for (int i = 0; i < 4; ++i)
      tick();
    model_->rst = 0;
    model_->eval();
  }
  Clocked(const Clocked&) = delete;
  Clocked& operator=(const Clocked&) = delete;
  ~Clocked() { model_->final(); }

  Model& operator*() { return *model_; }
  Model* operator->() { return model_.get(); }

  // Settles the combinational outputs after the inputs changed.
  void eval() { model_->eval(); }

  // One rising edge and the falling edge after it.
  void tick() {
    model_->clk = 1;
    model_->eval();
    context_->timeInc(1);
    model_->clk = 0;
    model_->eval();
    context_->timeInc(1);
    ++cycles_;
  }

  std::uint64_t cycles() const { return cycles_; }

 private:
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Model> model_;
  std::uint64_t cycles_ = 0;
};

// What a producer offers: words in order, each offered with probability
// `rate` in a cycle when nothing is pending; once offered, a word stays valid
// and unchanged until it is taken (AXI4-Stream's rule for tvalid).
template <typename Word>
class Source {
 public:
  Source(std::deque<Word> words, double rate, std::uint64_t seed)
      : words_(std::move(words)), rate_(rate), rng_(seed) {}

  // Start of a cycle: decide whether a new word is offered.
  void prepare() {
    if (!offering_ && !words_.empty() && rate_coin()) offering_ = true;
  }
  bool valid() const { return offering_; }
  const Word& word() const { return words_.front(); }
  // End of a cycle: the word was taken if it was valid and the port ready.
  bool commit(bool ready) {
    if (!offering_ || !ready) return false;
    words_.pop_front();
    offering_ = false;
    ++taken_;
    return true;
  }
  bool empty() const { return words_.empty(); }
  std::size_t taken() const { return taken_; }
  // Lets a word that was held back be offered (the harness gates some
  // sources on others, e.g. beats behind their frame's command).
  void set_rate(double rate) { rate_ = rate; }

 private:
  bool rate_coin() { return rate_ >= 1.0 || std::bernoulli_distribution(rate_)(rng_); }

  std::deque<Word> words_;
  double rate_;
  std::mt19937_64 rng_;
  bool offering_ = false;
  std::size_t taken_ = 0;
};

// A consumer whose tready is high with probability `rate` each cycle.
class Sink {
 public:
  Sink(double rate, std::uint64_t seed) : rate_(rate), rng_(seed) {}
  bool ready() {
    ready_ = rate_ >= 1.0 || std::bernoulli_distribution(rate_)(rng_);
    return ready_;
  }
  void set_rate(double rate) { rate_ = rate; }

 private:
  double rate_;
  std::mt19937_64 rng_;
  bool ready_ = false;
};

// Beats to and from Verilator's VlWide<16> (word 0 = bits 31:0), 64 bits at a
// time: the native ap_uint<512> assigns a range bit by bit, which would make
// the harness slower than the model it drives.
template <std::size_t Words>
void put_data(VlWide<Words>& port, const BeatData& data) {
  static_assert(Words * 32 == hls_kernels::kBeatBits, "a 512-bit port");
  for (std::size_t w = 0; w < Words / 2; ++w) {
    const std::uint64_t v = data.word(static_cast<int>(w));
    port[2 * w] = static_cast<std::uint32_t>(v);
    port[2 * w + 1] = static_cast<std::uint32_t>(v >> 32);
  }
}

template <std::size_t Words>
BeatData get_data(const VlWide<Words>& port) {
  static_assert(Words * 32 == hls_kernels::kBeatBits, "a 512-bit port");
  BeatData data = 0;
  for (std::size_t w = Words / 2; w-- > 0;) {
    const std::uint64_t v = (std::uint64_t{port[2 * w + 1]} << 32) | port[2 * w];
    data = (data << 64) | BeatData(v);
  }
  return data;
}

// Beats compared as AXI4-Stream defines them: the bytes of the kept lanes,
// tkeep and tlast. Lanes without tkeep carry nothing.
inline bool same_beat(const Beat& a, const Beat& b) {
  if (a.keep.to_uint64() != b.keep.to_uint64() || a.last.to_uint() != b.last.to_uint()) {
    return false;
  }
  const std::uint64_t keep = a.keep.to_uint64();
  for (int w = 0; w < 8; ++w) {
    std::uint64_t mask = 0;
    for (int i = 0; i < 8; ++i) {
      if ((keep >> (8 * w + i)) & 1u) mask |= std::uint64_t{0xff} << (8 * i);
    }
    if ((a.data.word(w) & mask) != (b.data.word(w) & mask)) return false;
  }
  return true;
}

}  // namespace tandem::rtl_tb
