// A small RAII wrapper over libpq shared by every plugin: a connection, a result, a ping.
//
// Deadlines: a PgConnection may be given a connect timeout (libpq's `connect_timeout`, whole
// seconds, at least 2) and a statement deadline. With a statement deadline, exec() sends the
// statement asynchronously and polls the socket; when the server has not answered in time the
// connection is marked broken (ok() is false, so a pool drops it) and PgUnavailableError is
// thrown. PQcancel is deliberately not used: it opens a new connection to the postmaster, which
// hangs just the same when the server is frozen (libpq 15 has no PQcancelPoll).
//
// Thread-safety: a PgConnection is used by one thread at a time (libpq's rule); distinct
// connections are independent. PgResult is a value owned by one thread. pingUrl() is reentrant.
#pragma once

#include <Poco/Logger.h>
#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <ampd/export.h>

namespace ampd {

/// Thrown when libpq reports an error; what() holds PostgreSQL's message. sqlState() is the
/// five-character SQLSTATE when the server sent one, else empty.
class AMPD_EXPORT PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlState = {})
      : std::runtime_error(message), _sqlState(std::move(sqlState)) {}
  const std::string& sqlState() const { return _sqlState; }

 private:
  std::string _sqlState;
};

/// Thrown when a wait on the database passed its deadline or the database cannot be reached:
/// reason() Unavailable (connecting failed or timed out, or the server did not answer a
/// statement in time) or Busy (every pooled connection stayed busy). Answered as HTTP 503 with
/// errorCode() and a Retry-After of retryAfterSeconds().
class AMPD_EXPORT PgUnavailableError : public PgError {
 public:
  enum class Reason { Unavailable, Busy };
  PgUnavailableError(Reason reason, const std::string& message, int retryAfterSeconds = 1)
      : PgError(message),
        _reason(reason),
        _retryAfter(retryAfterSeconds < 1 ? 1 : retryAfterSeconds) {}
  Reason reason() const { return _reason; }
  /// "DATABASE_UNAVAILABLE" or "DATABASE_BUSY".
  const char* errorCode() const {
    return _reason == Reason::Busy ? "DATABASE_BUSY" : "DATABASE_UNAVAILABLE";
  }
  int retryAfterSeconds() const { return _retryAfter; }

 private:
  Reason _reason;
  int _retryAfter;
};

/// Whole seconds for libpq's `connect_timeout` from milliseconds: rounded up, at least 2 (libpq
/// itself treats 1 as 2; 0 would mean "wait forever").
inline int connectTimeoutSeconds(std::chrono::milliseconds timeout) {
  const auto seconds = (timeout.count() + 999) / 1000;
  return seconds < 2 ? 2 : static_cast<int>(seconds);
}

/// `url` with libpq's connect_timeout set to `timeout` (see connectTimeoutSeconds()), for code
/// that connects through a URL only. A URL that already names connect_timeout is kept as is.
/// Works for URIs (postgresql://...) and for keyword/value strings.
inline std::string withConnectTimeout(const std::string& url, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0 || url.find("connect_timeout") != std::string::npos) return url;
  const std::string value = std::to_string(connectTimeoutSeconds(timeout));
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    const auto fragment = url.find('#');
    const std::string base = url.substr(0, fragment);
    const char separator = base.find('?') == std::string::npos ? '?' : '&';
    return base + separator + "connect_timeout=" + value +
           (fragment == std::string::npos ? "" : url.substr(fragment));
  }
  return url + (url.empty() ? "" : " ") + "connect_timeout=" + value;
}

/// Deadlines of one connection; zero means none.
struct PgConnectOptions {
  std::chrono::milliseconds connectTimeout{0};     ///< libpq connect_timeout (rounded up, >= 2 s)
  std::chrono::milliseconds statementDeadline{0};  ///< default client-side deadline of exec()
};

/// Replaces the password in a libpq URL ("postgresql://user:secret@host/db") with "***", for
/// messages and logs.
inline std::string maskPassword(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

/// An owned PGresult.
class PgResult {
 public:
  explicit PgResult(PGresult* result = nullptr) : _result(result, &PQclear) {}
  PGresult* get() const { return _result.get(); }
  explicit operator bool() const { return _result != nullptr; }
  ExecStatusType status() const { return PQresultStatus(_result.get()); }
  int rows() const { return PQntuples(_result.get()); }
  int columns() const { return PQnfields(_result.get()); }
  bool isNull(int row, int column) const { return PQgetisnull(_result.get(), row, column) != 0; }
  std::string value(int row, int column) const {
    return std::string(PQgetvalue(_result.get(), row, column),
                       static_cast<size_t>(PQgetlength(_result.get(), row, column)));
  }
  std::string columnName(int column) const { return PQfname(_result.get(), column); }
  Oid columnType(int column) const { return PQftype(_result.get(), column); }
  /// Gives up ownership of the PGresult.
  PGresult* release() { return _result.release(); }
  std::string errorField(int field) const {
    const char* v = PQresultErrorField(_result.get(), field);
    return v ? v : "";
  }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> _result;
};

/// An owned PGconn. The constructor connects (blocking, for at most options.connectTimeout
/// when set) and throws PgError on failure, with the URL's password masked in the message;
/// with a connect timeout set, a failure to connect is a PgUnavailableError. A
/// `connect_timeout` written in the URL itself takes precedence over options.connectTimeout.
class PgConnection {
 public:
  explicit PgConnection(const std::string& url, PgConnectOptions options = {})
      : _conn(connect(url, options.connectTimeout), &PgConnection::finish),
        _statementDeadline(options.statementDeadline) {
    if (!_conn) throw PgError("cannot connect to " + maskPassword(url) + ": out of memory");
    // libpq prints server notices ("NOTICE: relation ... already exists, skipping") to stderr by
    // default; plugins never write there, so they go to the logger "postgres-client".
    PQsetNoticeProcessor(_conn.get(), &PgConnection::logNotice, nullptr);
    if (PQstatus(_conn.get()) != CONNECTION_OK) {
      const std::string message =
          "cannot connect to " + maskPassword(url) + ": " + trimmed(PQerrorMessage(_conn.get()));
      if (options.connectTimeout.count() <= 0) throw PgError(message);
      const int seconds = connectTimeoutSeconds(options.connectTimeout);
      throw PgUnavailableError(
          PgUnavailableError::Reason::Unavailable,
          message + " (connect timeout " + std::to_string(seconds) +
              " s)\nHINT: Check that the database server is running and answering; ampd "
              "gives up connecting after metadata_db.connect_timeout_ms.",
          seconds);
    }
  }

  PGconn* get() const { return _conn.get(); }
  /// False when the connection is bad or a statement on it missed its deadline.
  bool ok() const { return !_broken && PQstatus(_conn.get()) == CONNECTION_OK; }

  /// Runs `sql` (optionally with text parameters $1..$n), within the connection's statement
  /// deadline when it has one. Throws PgError unless the result is PGRES_COMMAND_OK or
  /// PGRES_TUPLES_OK, PgUnavailableError when the deadline passed (the connection is then
  /// broken: every later statement on it fails at once).
  PgResult exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    return execWithin(_statementDeadline, sql, params);
  }

  /// exec() with an explicit client-side deadline (zero: wait as long as the server takes).
  PgResult execWithin(std::chrono::milliseconds deadline, const std::string& sql,
                      const std::vector<std::string>& params = {}) {
    const auto values = pointersTo(params);
    if (deadline.count() <= 0) {
      throwIfBroken();
      return checked(params.empty()
                         ? PQexec(_conn.get(), sql.c_str())
                         : PQexecParams(_conn.get(), sql.c_str(), static_cast<int>(values.size()),
                                        nullptr, values.data(), nullptr, nullptr, 0));
    }
    const auto until = std::chrono::steady_clock::now() + deadline;
    return checked(awaitResult(
        [&] {
          return PQsendQueryParams(_conn.get(), sql.c_str(), static_cast<int>(values.size()),
                                   nullptr, values.data(), nullptr, nullptr, 0);
        },
        deadline, until));
  }

  /// Runs the named prepared statement `name` (text `sql`, parameters $1..$n), preparing it on
  /// this connection the first time: PostgreSQL parses and plans it once per connection. The
  /// names prepared are remembered by this object, so nothing is attempted that fails. Throws
  /// PgError like exec().
  PgResult execPrepared(const std::string& name, const std::string& sql,
                        const std::vector<std::string>& params) {
    const auto values = pointersTo(params);
    const auto deadline = _statementDeadline;
    const auto until = std::chrono::steady_clock::now() + deadline;
    const auto count = static_cast<int>(values.size());
    if (!_prepared.contains(name)) {
      if (deadline.count() <= 0) {
        throwIfBroken();
        checked(PQprepare(_conn.get(), name.c_str(), sql.c_str(), count, nullptr));
      } else {
        checked(awaitResult(
            [&] { return PQsendPrepare(_conn.get(), name.c_str(), sql.c_str(), count, nullptr); },
            deadline, until));
      }
      _prepared.insert(name);
    }
    if (deadline.count() <= 0) {
      throwIfBroken();
      return checked(
          PQexecPrepared(_conn.get(), name.c_str(), count, values.data(), nullptr, nullptr, 0));
    }
    return checked(awaitResult(
        [&] {
          return PQsendQueryPrepared(_conn.get(), name.c_str(), count, values.data(), nullptr,
                                     nullptr, 0);
        },
        deadline, until));
  }

 private:
  static PGconn* connect(const std::string& url, std::chrono::milliseconds connectTimeout) {
    if (connectTimeout.count() <= 0) return PQconnectdb(url.c_str());
    // Keywords are applied in order and the URL is expanded in place of "dbname", so a
    // connect_timeout written in the URL overrides ours.
    const std::string seconds = std::to_string(connectTimeoutSeconds(connectTimeout));
    const char* keywords[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {seconds.c_str(), url.c_str(), nullptr};
    return PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  }

  /// PQfinish that cannot block: a connection to a frozen server may have unsent data, and
  /// PQfinish's goodbye message must not wait for room in the socket buffer.
  static void finish(PGconn* conn) {
    if (conn == nullptr) return;
    PQsetnonblocking(conn, 1);
    PQfinish(conn);
  }

  static std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  void throwIfBroken() const {
    if (_broken)
      throw PgUnavailableError(PgUnavailableError::Reason::Unavailable,
                               "the database connection was given up after a missed deadline");
  }

  /// Sends a statement with `send` (a PQsend* call) and collects its results, polling the
  /// socket until `until`. Returns the first failed result, else the last one (like PQexec).
  template <class Send>
  PGresult* awaitResult(Send&& send, std::chrono::milliseconds deadline,
                        std::chrono::steady_clock::time_point until) {
    throwIfBroken();
    PGconn* conn = _conn.get();
    if (send() != 1) return nullptr;  // checked() reports PQerrorMessage
    PgResult kept;
    bool keptFailed = false;
    for (;;) {
      int flushed;
      while ((flushed = PQflush(conn)) == 1) waitForSocket(POLLOUT | POLLIN, deadline, until);
      if (flushed < 0) break;
      while (PQisBusy(conn) != 0) {
        waitForSocket(POLLIN, deadline, until);
        if (PQconsumeInput(conn) == 0) break;  // PQgetResult reports the broken connection
      }
      PGresult* next = PQgetResult(conn);
      if (next == nullptr) break;
      PgResult result(next);
      const auto status = result.status();
      const bool failed =
          status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY;
      if (!keptFailed) {
        kept = std::move(result);
        keptFailed = failed;
      }
      if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) break;
    }
    return kept.release();
  }

  /// Waits until the socket is ready for `events`; past `until` the connection is marked
  /// broken and PgUnavailableError is thrown.
  void waitForSocket(short events, std::chrono::milliseconds deadline,
                     std::chrono::steady_clock::time_point until) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        _broken = true;
        throw PgUnavailableError(
            PgUnavailableError::Reason::Unavailable,
            "the database did not answer within " + std::to_string(deadline.count()) +
                " ms\nHINT: The database server may be frozen or overloaded; the connection was "
                "dropped. Try again later.",
            static_cast<int>((deadline.count() + 999) / 1000));
      }
      pollfd fd{PQsocket(_conn.get()), events, 0};
      const int ready = ::poll(&fd, 1, static_cast<int>(left.count()) + 1);
      if (ready > 0 || (ready < 0 && errno != EINTR)) return;
    }
  }

  static void logNotice(void*, const char* message) {
    std::string text(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    auto& logger = Poco::Logger::get("postgres-client");
    if (text.rfind("WARNING", 0) == 0)
      logger.warning(text);
    else
      logger.debug(text);
  }

  static std::vector<const char*> pointersTo(const std::vector<std::string>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    return values;
  }

  PgResult checked(PGresult* raw) const {
    PgResult result(raw);
    const bool lost = PQstatus(_conn.get()) == CONNECTION_BAD;
    if (!result) {
      const auto message = trimmed(PQerrorMessage(_conn.get()));
      if (lost) throw connectionLost(message);
      throw PgError(message);
    }
    const auto status = result.status();
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const auto message = trimmed(PQresultErrorMessage(result.get()));
      const auto sqlState = result.errorField(PG_DIAG_SQLSTATE);
      if (lost && sqlState.empty()) throw connectionLost(message);
      throw PgError(message, sqlState);
    }
    return result;
  }

  static PgUnavailableError connectionLost(const std::string& message) {
    return PgUnavailableError(PgUnavailableError::Reason::Unavailable,
                              "lost the database connection: " + message +
                                  "\nHINT: The database server may have restarted or stopped; "
                                  "try again.");
  }

  std::unique_ptr<PGconn, void (*)(PGconn*)> _conn;
  std::unordered_set<std::string> _prepared;  ///< statements prepared on this connection
  std::chrono::milliseconds _statementDeadline{0};
  bool _broken = false;  ///< a statement missed its deadline; the connection is unusable
};

/// True when a server at `url` accepts connections (PQping == PQPING_OK). Never throws.
inline bool pingUrl(const std::string& url) { return PQping(url.c_str()) == PQPING_OK; }

/// `name` as a quoted SQL identifier (double quotes, inner ones doubled), for names that cannot
/// be statement parameters (schemas, tables, roles).
inline std::string quoteIdentifier(const std::string& name) {
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace ampd
