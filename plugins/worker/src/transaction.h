// inTransaction: runs `function` between BEGIN and COMMIT on `connection`, rolling back when it
// throws (and rethrowing). Thread-safety: uses the connection from the calling thread only.
#pragma once

#include <ampd_toolkit/pq.h>

namespace ampd::worker {

template <class Function>
void inTransaction(PgConnection& connection, Function&& function) {
  connection.exec("BEGIN");
  try {
    function();
    connection.exec("COMMIT");
  } catch (...) {
    try {
      connection.exec("ROLLBACK");
    } catch (const PgError&) {
      // The connection is broken; the transaction is gone with it.
    }
    throw;
  }
}

}  // namespace ampd::worker
