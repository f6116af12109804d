// A small RAII wrapper over libpq shared by every plugin: a connection, a result, a ping.
//
// Thread-safety: a PgConnection is used by one thread at a time (libpq's rule); distinct
// connections are independent. PgResult is a value owned by one thread. pingUrl() is reentrant.
#pragma once

#include <Poco/Logger.h>
#include <libpq-fe.h>

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
  std::string errorField(int field) const {
    const char* v = PQresultErrorField(_result.get(), field);
    return v ? v : "";
  }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> _result;
};

/// An owned PGconn. The constructor connects (blocking) and throws PgError on failure, with the
/// URL's password masked in the message.
class PgConnection {
 public:
  explicit PgConnection(const std::string& url) : _conn(PQconnectdb(url.c_str()), &PQfinish) {
    if (!_conn) throw PgError("cannot connect to " + maskPassword(url) + ": out of memory");
    // libpq prints server notices ("NOTICE: relation ... already exists, skipping") to stderr by
    // default; plugins never write there, so they go to the logger "postgres-client".
    PQsetNoticeProcessor(_conn.get(), &PgConnection::logNotice, nullptr);
    if (PQstatus(_conn.get()) != CONNECTION_OK) {
      std::string message = PQerrorMessage(_conn.get());
      while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
      throw PgError("cannot connect to " + maskPassword(url) + ": " + message);
    }
  }

  PGconn* get() const { return _conn.get(); }
  bool ok() const { return PQstatus(_conn.get()) == CONNECTION_OK; }

  /// Runs `sql` (optionally with text parameters $1..$n). Throws PgError unless the result is
  /// PGRES_COMMAND_OK or PGRES_TUPLES_OK.
  PgResult exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    const auto values = pointersTo(params);
    return checked(params.empty()
                       ? PQexec(_conn.get(), sql.c_str())
                       : PQexecParams(_conn.get(), sql.c_str(), static_cast<int>(values.size()),
                                      nullptr, values.data(), nullptr, nullptr, 0));
  }

  /// Runs the named prepared statement `name` (text `sql`, parameters $1..$n), preparing it on
  /// this connection the first time: PostgreSQL parses and plans it once per connection. The
  /// names prepared are remembered by this object, so nothing is attempted that fails. Throws
  /// PgError like exec().
  PgResult execPrepared(const std::string& name, const std::string& sql,
                        const std::vector<std::string>& params) {
    const auto values = pointersTo(params);
    if (!_prepared.contains(name)) {
      checked(PQprepare(_conn.get(), name.c_str(), sql.c_str(), static_cast<int>(values.size()),
                        nullptr));
      _prepared.insert(name);
    }
    return checked(PQexecPrepared(_conn.get(), name.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0));
  }

 private:
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
    if (!result) throw PgError(PQerrorMessage(_conn.get()));
    const auto status = result.status();
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string message = PQresultErrorMessage(result.get());
      while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
      throw PgError(message, result.errorField(PG_DIAG_SQLSTATE));
    }
    return result;
  }

  std::unique_ptr<PGconn, decltype(&PQfinish)> _conn;
  std::unordered_set<std::string> _prepared;  ///< statements prepared on this connection
};

/// True when a server at `url` accepts connections (PQping == PQPING_OK). Never throws.
inline bool pingUrl(const std::string& url) { return PQping(url.c_str()) == PQPING_OK; }

}  // namespace ampd
