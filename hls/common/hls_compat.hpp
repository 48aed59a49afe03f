// SPDX-License-Identifier: Apache-2.0
// The HLS types the kernels use — ap_uint<W>, hls::stream<T>, ap_axiu<D,U,I,D> —
// taken from Vitis when its headers are on the include path, and otherwise from
// this header, so that one kernel source compiles for synthesis and natively
// (C simulation, the soft backend) alike.
//
// The native types implement what Tandem's kernels use, with Vitis's meaning:
// unsigned W-bit values that wrap, bit and range selection that can be read and
// assigned, and FIFOs with blocking read/write. Arithmetic on ap_uint<W> up to 64
// bits goes through uint64_t and wraps to W bits on assignment, as in Vitis; wider
// values support the bitwise operators, shifts, + and -, and comparisons.
#pragma once

#if __has_include(<ap_int.h>) && __has_include(<hls_stream.h>) && \
    __has_include(<ap_axi_sdata.h>) && !defined(TANDEM_HLS_NATIVE)
#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>
#define TANDEM_HLS_VITIS 1
#else
#define TANDEM_HLS_VITIS 0

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <type_traits>

template <int W>
class ap_uint {
  static_assert(W >= 1 && W <= 4096, "ap_uint width must be 1..4096");
  static constexpr int kWords = (W + 63) / 64;
  static constexpr std::uint64_t kTopMask =
      (W % 64) == 0 ? ~std::uint64_t{0} : (std::uint64_t{1} << (W % 64)) - 1;

 public:
  static constexpr int width = W;

  constexpr ap_uint() = default;

  // From any integer, as Vitis allows: the value is sign-extended, then wrapped
  // to W bits, so ap_uint<8>(-1) is 255.
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  constexpr ap_uint(T value) {  // NOLINT(google-explicit-constructor)
    bool negative = false;
    if constexpr (std::is_signed_v<T>) {
      negative = value < 0;
      words_[0] = static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
    } else {
      words_[0] = static_cast<std::uint64_t>(value);
    }
    for (int i = 1; i < kWords; ++i)
      words_[i] = negative ? ~std::uint64_t{0} : 0;
    normalize();
  }

  // From another width: zero-extended or truncated.
  template <int W2>
  constexpr ap_uint(const ap_uint<W2>& other) {  // NOLINT(google-explicit-constructor)
    for (int i = 0; i < kWords; ++i)
      words_[i] = i < ap_uint<W2>::kWordCount ? other.word(i) : 0;
    normalize();
  }

  // Up to 64 bits the value converts to an integer, so that ordinary arithmetic
  // and comparisons apply (and wrap to W bits when assigned back).
  constexpr operator std::uint64_t() const  // NOLINT(google-explicit-constructor)
      requires(W <= 64) {
    return words_[0];
  }

  constexpr std::uint64_t to_uint64() const { return words_[0]; }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(words_[0]); }
  constexpr bool is_zero() const {
    for (auto w : words_) {
      if (w != 0) return false;
    }
    return true;
  }

  // --- bits -----------------------------------------------------------------
  constexpr bool get_bit(int i) const {
    assert(i >= 0 && i < W);
    return ((words_[i / 64] >> (i % 64)) & 1u) != 0;
  }
  constexpr void set_bit(int i, bool v) {
    assert(i >= 0 && i < W);
    const std::uint64_t mask = std::uint64_t{1} << (i % 64);
    words_[i / 64] = v ? (words_[i / 64] | mask) : (words_[i / 64] & ~mask);
  }

  class BitRef {
   public:
    constexpr BitRef(ap_uint& v, int i) : v_(v), i_(i) {}
    constexpr operator bool() const { return v_.get_bit(i_); }  // NOLINT
    constexpr BitRef& operator=(bool b) {
      v_.set_bit(i_, b);
      return *this;
    }
    constexpr BitRef& operator=(const BitRef& other) { return *this = static_cast<bool>(other); }

   private:
    ap_uint& v_;
    int i_;
  };
  constexpr bool operator[](int i) const { return get_bit(i); }
  constexpr BitRef operator[](int i) { return BitRef(*this, i); }

  // --- ranges (hi >= lo, inclusive, as in Vitis) ----------------------------
  constexpr ap_uint get_range(int hi, int lo) const {
    assert(lo >= 0 && hi < W && hi >= lo);
    return ((*this) >> lo).low_bits(hi - lo + 1);
  }
  template <int W2>
  constexpr void set_range(int hi, int lo, const ap_uint<W2>& value) {
    assert(lo >= 0 && hi < W && hi >= lo);
    // Word-wide masking rather than a loop over bits: the kernels' native
    // builds assign byte and word ranges of 512-bit beats on every cycle.
    const int n = hi - lo + 1;
    const ap_uint field = ap_uint(value).low_bits(n) << lo;
    const ap_uint mask = (~ap_uint(0)).low_bits(n) << lo;
    for (int i = 0; i < kWords; ++i)
      words_[i] = (words_[i] & ~mask.words_[i]) | field.words_[i];
  }

  class RangeRef {
   public:
    constexpr RangeRef(ap_uint& v, int hi, int lo) : v_(v), hi_(hi), lo_(lo) {}
    template <int W2>
    constexpr RangeRef& operator=(const ap_uint<W2>& value) {
      v_.set_range(hi_, lo_, value);
      return *this;
    }
    template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
    constexpr RangeRef& operator=(T value) {
      return *this = ap_uint<64>(value);
    }
    constexpr RangeRef& operator=(const RangeRef& other) { return *this = other.get(); }
    constexpr ap_uint get() const { return v_.get_range(hi_, lo_); }
    constexpr operator ap_uint() const { return get(); }  // NOLINT(google-explicit-constructor)
    constexpr std::uint64_t to_uint64() const { return get().to_uint64(); }
    constexpr unsigned to_uint() const { return get().to_uint(); }

   private:
    ap_uint& v_;
    int hi_;
    int lo_;
  };
  constexpr ap_uint range(int hi, int lo) const { return get_range(hi, lo); }
  constexpr RangeRef range(int hi, int lo) { return RangeRef(*this, hi, lo); }
  constexpr ap_uint operator()(int hi, int lo) const { return get_range(hi, lo); }
  constexpr RangeRef operator()(int hi, int lo) { return RangeRef(*this, hi, lo); }

  // --- wide operators (for W <= 64 the integer conversion serves) -----------
  friend constexpr ap_uint operator&(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return a.zip(b, [](std::uint64_t x, std::uint64_t y) { return x & y; });
  }
  friend constexpr ap_uint operator|(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return a.zip(b, [](std::uint64_t x, std::uint64_t y) { return x | y; });
  }
  friend constexpr ap_uint operator^(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return a.zip(b, [](std::uint64_t x, std::uint64_t y) { return x ^ y; });
  }
  constexpr ap_uint operator~() const {
    ap_uint r;
    for (int i = 0; i < kWords; ++i)
      r.words_[i] = ~words_[i];
    r.normalize();
    return r;
  }
  // Shifts keep the width, so bits shifted out are lost, as in Vitis.
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  constexpr ap_uint operator<<(T shift) const {
    ap_uint r;
    const int n = static_cast<int>(shift);
    if (n >= W) return r;
    const int ws = n / 64, bs = n % 64;
    for (int i = kWords - 1; i >= ws; --i) {
      std::uint64_t v = words_[i - ws] << bs;
      if (bs != 0 && i - ws - 1 >= 0) v |= words_[i - ws - 1] >> (64 - bs);
      r.words_[i] = v;
    }
    r.normalize();
    return r;
  }
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  constexpr ap_uint operator>>(T shift) const {
    ap_uint r;
    const int n = static_cast<int>(shift);
    if (n >= W) return r;
    const int ws = n / 64, bs = n % 64;
    for (int i = 0; i + ws < kWords; ++i) {
      std::uint64_t v = words_[i + ws] >> bs;
      if (bs != 0 && i + ws + 1 < kWords) v |= words_[i + ws + 1] << (64 - bs);
      r.words_[i] = v;
    }
    return r;
  }
  friend constexpr ap_uint operator+(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    ap_uint r;
    std::uint64_t carry = 0;
    for (int i = 0; i < kWords; ++i) {
      const std::uint64_t s = a.words_[i] + carry;
      const std::uint64_t c1 = s < carry ? 1 : 0;
      r.words_[i] = s + b.words_[i];
      carry = c1 + (r.words_[i] < s ? 1 : 0);
    }
    r.normalize();
    return r;
  }
  friend constexpr ap_uint operator-(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return a + (~b + ap_uint(1));
  }
  friend constexpr bool operator==(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return a.words_ == b.words_;
  }
  friend constexpr bool operator<(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    for (int i = kWords - 1; i >= 0; --i) {
      if (a.words_[i] != b.words_[i]) return a.words_[i] < b.words_[i];
    }
    return false;
  }
  friend constexpr bool operator>(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return b < a;
  }
  friend constexpr bool operator<=(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return !(b < a);
  }
  friend constexpr bool operator>=(const ap_uint& a, const ap_uint& b) requires(W > 64) {
    return !(a < b);
  }

  // Compound assignment wraps to W bits at every width.
  constexpr ap_uint& operator&=(const ap_uint& b) {
    return *this = zip(b, [](auto x, auto y) { return x & y; });
  }
  constexpr ap_uint& operator|=(const ap_uint& b) {
    return *this = zip(b, [](auto x, auto y) { return x | y; });
  }
  constexpr ap_uint& operator^=(const ap_uint& b) {
    return *this = zip(b, [](auto x, auto y) { return x ^ y; });
  }
  constexpr ap_uint& operator+=(const ap_uint& b) {
    if constexpr (W <= 64) {
      return *this = ap_uint(words_[0] + b.words_[0]);
    } else {
      return *this = *this + b;
    }
  }
  constexpr ap_uint& operator-=(const ap_uint& b) {
    if constexpr (W <= 64) {
      return *this = ap_uint(words_[0] - b.words_[0]);
    } else {
      return *this = *this - b;
    }
  }
  constexpr ap_uint& operator++() { return *this += ap_uint(1); }
  constexpr ap_uint operator++(int) {
    const ap_uint old = *this;
    ++*this;
    return old;
  }
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  constexpr ap_uint& operator<<=(T n) {
    return *this = *this << n;
  }
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  constexpr ap_uint& operator>>=(T n) {
    return *this = *this >> n;
  }

  // Native-only helpers (not in Vitis): word access for conversions.
  static constexpr int kWordCount = kWords;
  constexpr std::uint64_t word(int i) const { return words_[i]; }
  constexpr void set_word(int i, std::uint64_t v) {
    words_[i] = v;
    normalize();
  }

 private:
  constexpr void normalize() { words_[kWords - 1] &= kTopMask; }
  constexpr ap_uint low_bits(int n) const {
    ap_uint r = *this;
    for (int i = 0; i < kWords; ++i) {
      const int base = i * 64;
      if (base >= n) {
        r.words_[i] = 0;
      } else if (n - base < 64) {
        r.words_[i] &= (std::uint64_t{1} << (n - base)) - 1;
      }
    }
    return r;
  }
  template <typename F>
  constexpr ap_uint zip(const ap_uint& b, F f) const {
    ap_uint r;
    for (int i = 0; i < kWords; ++i)
      r.words_[i] = f(words_[i], b.words_[i]);
    return r;
  }

  std::array<std::uint64_t, kWords> words_{};
};

namespace hls {

// A FIFO between pipeline stages. Natively it is unbounded (depth pragmas size
// the hardware FIFO); reading an empty stream is a bug in the caller, as it
// would deadlock the hardware, and throws so a C simulation fails loudly.
template <typename T>
class stream {
 public:
  stream() = default;
  explicit stream(const char* name) : name_(name) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  bool empty() const { return fifo_.empty(); }
  bool full() const { return false; }
  std::size_t size() const { return fifo_.size(); }

  T read() {
    if (fifo_.empty()) throw std::logic_error("hls::stream '" + name_ + "': read while empty");
    T v = fifo_.front();
    fifo_.pop_front();
    return v;
  }
  void read(T& out) { out = read(); }
  bool read_nb(T& out) {
    if (fifo_.empty()) return false;
    out = read();
    return true;
  }
  void write(const T& v) { fifo_.push_back(v); }
  bool write_nb(const T& v) {
    write(v);
    return true;
  }
  stream& operator>>(T& out) {
    read(out);
    return *this;
  }
  stream& operator<<(const T& v) {
    write(v);
    return *this;
  }

 private:
  std::deque<T> fifo_;
  std::string name_ = "unnamed";
};

}  // namespace hls

// The AXI4-Stream word of Vitis's ap_axi_sdata.h, with the same member names so
// that kernels read the same either way.
template <int D, int U, int TI, int TD>
struct ap_axiu {
  ap_uint<D> data;
  ap_uint<(D + 7) / 8> keep;
  ap_uint<(D + 7) / 8> strb;
  ap_uint<(U > 0 ? U : 1)> user;
  ap_uint<1> last;
  ap_uint<(TI > 0 ? TI : 1)> id;
  ap_uint<(TD > 0 ? TD : 1)> dest;
};

#endif  // native types

namespace tandem {
namespace hls_kernels {

// The NIC datapath's stream word: 512 bits, 64 bytes a beat (docs/contract.md).
constexpr int kBeatBits = 512;
constexpr int kBeatBytes = kBeatBits / 8;
typedef ap_axiu<kBeatBits, 0, 0, 0> AxisBeat;

// Byte `i` of a beat is bits [8i+7 : 8i]: AXI4-Stream puts the first byte of the
// frame in the lowest lane.
inline unsigned beat_byte(const ap_uint<kBeatBits>& data, int i) {
#if TANDEM_HLS_VITIS
  return data.range(8 * i + 7, 8 * i).to_uint();
#else
  // Natively a range select shifts all 512 bits; reading the 64-bit word that
  // holds the byte is the same value at a fraction of the cost.
  return static_cast<unsigned>((data.word(i / 8) >> (8 * (i % 8))) & 0xffu);
#endif
}

}  // namespace hls_kernels
}  // namespace tandem
