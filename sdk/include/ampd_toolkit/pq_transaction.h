// inTransaction: runs a function inside BEGIN/COMMIT on one connection, rolling back when it
// throws (and rethrowing); returns the function's result. A connection whose ROLLBACK fails is
// left in a non-idle state, which makes PgPool drop it instead of reusing it.
//
// Thread-safety: uses only the connection passed in (one thread at a time, libpq's rule).
#pragma once

#include <ampd_toolkit/pq.h>

#include <type_traits>

namespace ampd {

template <class Function>
auto inTransaction(PgConnection& connection, Function&& function) {
  connection.exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(function())>) {
      function();
      connection.exec("COMMIT");
    } else {
      auto result = function();
      connection.exec("COMMIT");
      return result;
    }
  } catch (...) {
    try {
      connection.exec("ROLLBACK");
    } catch (const PgError&) {
      // The connection is broken (or the pool drops it: it is not idle).
    }
    throw;
  }
}

}  // namespace ampd
