// Mapping postgres' own output to log levels: the server's `LOG:`/`WARNING:`/`ERROR:`... tag
// (after whatever log_line_prefix is set), and the `initdb: warning:` style of the client tools.
//
// Thread-safety: pure function.
#pragma once

#include <Poco/Message.h>

#include <string_view>

namespace managed_postgres {

/// The level of one output line. `previous` is the level of the line before: continuation lines
/// (DETAIL, HINT, CONTEXT, STATEMENT, LOCATION, tab-indented lines) keep it.
///
/// | postgres tag                  | level        |
/// |-------------------------------|--------------|
/// | DEBUG1..DEBUG5                | debug        |
/// | LOG, INFO, NOTICE, untagged   | information  |
/// | WARNING                       | warning      |
/// | ERROR, FATAL, PANIC           | error        |
/// | DETAIL, HINT, CONTEXT, ...    | `previous`   |
///
/// Routine messages go to debug whatever their tag (and so do their continuation lines): a
/// statement cancelled by request or by statement_timeout, "could not send data to client",
/// "connection to client lost", and the "logical replication launcher" exit of every shutdown.
Poco::Message::Priority classifyPostgresLine(std::string_view line,
                                             Poco::Message::Priority previous);

}  // namespace managed_postgres
