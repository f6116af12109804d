// execPrepared: runs a named prepared statement on a pooled connection, preparing it on first
// use on that connection. The hot read paths (resolving a revision) use it so PostgreSQL parses
// and plans their joins once per connection instead of once per request.
//
// Thread-safety: uses only the connection passed in (one thread at a time, libpq's rule).
#pragma once

#include <ampd/pq.h>

#include <string>
#include <vector>

namespace ampd::controller {

/// SQLSTATE invalid_sql_statement_name: the statement is not prepared on this connection.
inline constexpr const char* kUndefinedPreparedStatement = "26000";

/// Executes statement `name` (text `sql`, parameters $1..$n) and returns its result. Throws
/// PgError like PgConnection::exec. Must not be used inside a transaction block (the first,
/// failing attempt would abort it).
PgResult execPrepared(PgConnection& connection, const std::string& name, const std::string& sql,
                      const std::vector<std::string>& params);

}  // namespace ampd::controller
