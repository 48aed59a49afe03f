// SPDX-License-Identifier: Apache-2.0
// What a parser returns: the parsed value, or why the bytes were refused. Bytes
// from the network are never an error of ours, so refusing them is a value, not an
// exception.
#pragma once

#include <cassert>
#include <optional>
#include <string_view>
#include <utility>

namespace tandem::wire {

enum class ParseError {
  truncated,     // fewer bytes than the header (or a length field) says
  malformed,     // a field holds a value the format forbids (IHL < 5, bad option length...)
  unsupported,   // well-formed but outside what Tandem handles (IPv4 fragments, hw type != 1)
  bad_checksum,  // the bytes are intact in shape but their checksum does not verify
};

std::string_view to_string(ParseError e);

template <typename T>
class [[nodiscard]] Parsed {
 public:
  Parsed(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Parsed(ParseError error) : error_(error) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // Only meaningful when !ok().
  ParseError error() const {
    assert(!ok());
    return error_;
  }

 private:
  std::optional<T> value_;
  ParseError error_{};
};

}  // namespace tandem::wire
