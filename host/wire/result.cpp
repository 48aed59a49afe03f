// SPDX-License-Identifier: Apache-2.0
#include "host/wire/result.hpp"

namespace tandem::wire {

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::truncated:
      return "truncated";
    case ParseError::malformed:
      return "malformed";
    case ParseError::unsupported:
      return "unsupported";
    case ParseError::bad_checksum:
      return "bad_checksum";
  }
  return "unknown";
}

}  // namespace tandem::wire
