// QueryRunner: runs one SQL statement on a libpq connection and streams its rows as NDJSON.
//
// What it sends (one connection, three round trips):
//   1. BEGIN READ ONLY; SET LOCAL statement_timeout = <ms>; SET LOCAL DateStyle = 'ISO, YMD';
//      SET LOCAL IntervalStyle = 'postgres'; SET LOCAL bytea_output = 'hex';
//      SET LOCAL extra_float_digits = 1; SET LOCAL client_encoding = 'UTF8'
//   2. the user's SQL. A statement that starts with SELECT/VALUES/TABLE/WITH is first prepared
//      (Parse + Describe: syntax errors with the user's positions, exactly one statement, the
//      column names and types), then streamed with `COPY (<sql>) TO STDOUT`: one small buffer
//      per row from PQgetCopyData instead of one PGresult per row, about twice as fast.
//      Anything else (SHOW, EXPLAIN, a write, or a statement COPY refuses) runs directly with
//      the extended protocol (one statement only) in libpq single-row mode. Either way rows are
//      encoded and handed to the sink as they arrive, in buffers of about `flushBytes`, so
//      memory does not grow with the result.
//   3. ROLLBACK — always: a read-only query has nothing to commit, and rolling back also undoes
//      any SET the statement made, so the pooled connection comes back clean.
//
// While waiting for PostgreSQL the runner polls the client's socket too: a client that hangs
// up (or a stop of the server, see QueryControl) cancels the query with PQcancel, and the
// connection is reported as not reusable (the caller discards it). A server that stays silent
// past statement_timeout + QuerySettings::answerGrace is given up (outcome Unanswered).
//
// Thread-safety: a QueryRunner is used by one thread, for one query, like its connection.
#pragma once

#include "row_encoder.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ampd::server {

/// Where rows go; implemented by the HTTP handler.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  /// The statement produced a result (its first row, or its end): commit to success.
  /// Returns false when the client is gone.
  virtual bool begin() = 0;
  /// Whole NDJSON lines. `flush` asks to push them to the client now (PostgreSQL has no more
  /// rows ready). Returns false when the client is gone.
  virtual bool write(std::string_view lines, bool flush) = 0;
};

/// How the runner learns that it must stop, and how it cancels.
class QueryControl {
 public:
  virtual ~QueryControl() = default;
  /// The client's socket, polled for a hang-up while waiting for PostgreSQL; -1 for none.
  virtual int clientFd() const = 0;
  /// True when the server is stopping (the query has been or will be cancelled).
  virtual bool stopRequested() const = 0;
  /// Sends PostgreSQL a cancel request for the running query. False with `error` on failure.
  virtual bool cancel(std::string& error) = 0;
};

/// A PostgreSQL error, as reported by the server (or libpq, for a lost connection).
struct QueryFailure {
  std::string sqlState;  ///< five characters, empty when libpq raised it
  std::string message;   ///< primary message
  std::string detail;
  std::string hint;
  int position = 0;  ///< 1-based character position in the SQL, 0 when none
};

struct QueryOutcome {
  enum class Kind {
    Completed,   ///< all rows were delivered
    EmptyQuery,  ///< the SQL held no statement (only comments)
    Failed,      ///< PostgreSQL reported `failure`
    ClientGone,  ///< the client disconnected; the query was cancelled
    Stopped,     ///< the server is stopping; the query was cancelled
    Unanswered,  ///< PostgreSQL sent nothing for statementTimeout + answerGrace; abandoned
  };
  Kind kind = Kind::Completed;
  bool begun = false;      ///< ResultSink::begin() was called
  std::uint64_t rows = 0;  ///< rows delivered to the sink
  std::optional<QueryFailure> failure;
  bool connectionReusable = true;  ///< false: discard the connection
};

struct QuerySettings {
  std::chrono::milliseconds statementTimeout{30000};
  std::size_t flushBytes = 64 * 1024;
  /// How long to wait for PostgreSQL to end a cancelled query before giving the connection up.
  std::chrono::milliseconds cancelGrace{5000};
  /// When PostgreSQL has sent nothing for statementTimeout + answerGrace (its own timeout
  /// would have ended the statement by then), the server is taken to be frozen: the
  /// connection is dropped without a cancel request (PQcancel would connect to the frozen
  /// postmaster and hang) and the outcome is Unanswered. No deadline when statementTimeout is 0.
  std::chrono::milliseconds answerGrace{5000};
  /// How often a wait for PostgreSQL wakes up to check QueryControl::stopRequested().
  std::chrono::milliseconds pollInterval{100};
};

/// The message of an Unanswered outcome, naming the wait and its deadline.
std::string unansweredMessage(const QuerySettings& settings);

class QueryRunner {
 public:
  QueryRunner(PGconn* conn, const QuerySettings& settings, QueryControl& control);

  /// Runs `sql` (NUL-free) and streams its rows into `sink`. Never throws for database
  /// errors: they are in the outcome.
  QueryOutcome run(const std::string& sql, ResultSink& sink);

 private:
  using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

  /// True when `sql` starts (after comments and parentheses) with SELECT, VALUES, TABLE or
  /// WITH: a statement COPY (...) TO STDOUT can run.
  static bool isCopyable(std::string_view sql);
  /// Parses `sql` as the unnamed prepared statement and returns its row description
  /// (syntax errors surface here, with positions in the user's text).
  std::optional<ResultPtr> describe(const std::string& sql, QueryOutcome& outcome);
  /// Streams `sql` through COPY (...) TO STDOUT. Returns false, with the transaction
  /// aborted, when PostgreSQL refused the COPY before it started (run the statement directly).
  bool streamCopy(const std::string& sql, const PGresult* description, ResultSink& sink,
                  QueryOutcome& outcome);
  /// Drains the pending results; false when one failed (recorded) or the query was cancelled.
  bool drain(QueryOutcome& outcome);
  /// ROLLBACK unless the connection is to be discarded anyway.
  QueryOutcome finish(QueryOutcome& outcome);
  /// One wait for PostgreSQL's socket (see nextResult). False when the connection broke or
  /// the query was abandoned.
  bool waitForInput(ResultSink* sink, QueryOutcome& outcome);

  /// Sends `sql` with the simple protocol (setup/finish) and drains its results.
  bool runCommand(const std::string& sql, QueryOutcome& outcome);
  /// Drains the results of the statement sent by run().
  void streamResults(ResultSink& sink, QueryOutcome& outcome);
  /// Next result, waiting (and watching the client and the stop flag) while libpq is busy.
  /// Returns nullptr at the end of the results, or when a cancelled query did not end in time.
  PGresult* nextResult(ResultSink* sink, QueryOutcome& outcome);
  void interrupt(QueryOutcome::Kind why, QueryOutcome& outcome);
  void flushPending(ResultSink* sink, QueryOutcome& outcome, bool flush);
  static QueryFailure failureOf(const PGresult* result, PGconn* conn);

  PGconn* _conn;
  const QuerySettings& _settings;
  QueryControl& _control;
  std::string _pending;  ///< encoded lines not yet handed to the sink
  bool _cancelled = false;
  bool _abandoned = false;
  std::chrono::steady_clock::time_point _cancelDeadline;
  std::chrono::steady_clock::time_point _lastAnswer;  ///< PostgreSQL last sent something
};

}  // namespace ampd::server
