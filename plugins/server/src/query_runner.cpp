#include "query_runner.h"

#include "copy_text.h"

#include <poll.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>

namespace ampd::server {

namespace {

std::string trimmed(const char* text) {
  std::string s = text != nullptr ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value != nullptr ? value : "";
}

/// A short wait before flushing: PostgreSQL usually refills the socket within microseconds
/// while it is producing rows, and flushing on every momentary gap would send tiny chunks.
constexpr int kRefillWaitMs = 2;

}  // namespace

std::string unansweredMessage(const QuerySettings& settings) {
  return "the database did not answer within " +
         std::to_string((settings.statementTimeout + settings.answerGrace).count()) +
         " ms (server.statement_timeout_ms + " + std::to_string(settings.answerGrace.count()) +
         " ms grace); the connection was dropped\nHINT: The database server may be frozen or "
         "overloaded. Try again later.";
}

QueryRunner::QueryRunner(PGconn* conn, const QuerySettings& settings, QueryControl& control)
    : _conn(conn), _settings(settings), _control(control) {}

QueryOutcome QueryRunner::run(const std::string& sql, ResultSink& sink) {
  QueryOutcome outcome;
  _lastAnswer = std::chrono::steady_clock::now();
  const std::string setup =
      "BEGIN READ ONLY; SET LOCAL statement_timeout = " +
      std::to_string(_settings.statementTimeout.count()) +
      "; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'"
      "; SET LOCAL bytea_output = 'hex'; SET LOCAL extra_float_digits = 1"
      "; SET LOCAL client_encoding = 'UTF8'";
  if (!runCommand(setup, outcome)) {
    outcome.connectionReusable = false;
    return outcome;
  }
  if (isCopyable(sql)) {
    const auto description = describe(sql, outcome);
    if (!description) return finish(outcome);
    if (PQnfields(description->get()) > 0) {
      if (streamCopy(sql, description->get(), sink, outcome)) return finish(outcome);
      // COPY refused the statement: start a fresh transaction and run it directly.
      if (!runCommand("ROLLBACK", outcome) || !runCommand(setup, outcome)) {
        outcome.connectionReusable = false;
        return outcome;
      }
    }
  }
  if (PQsendQueryParams(_conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
    outcome.kind = QueryOutcome::Kind::Failed;
    outcome.failure = failureOf(nullptr, _conn);
    outcome.connectionReusable = false;
    return outcome;
  }
  PQsetSingleRowMode(_conn);
  streamResults(sink, outcome);
  return finish(outcome);
}

QueryOutcome QueryRunner::finish(QueryOutcome& outcome) {
  if (_cancelled || _abandoned) {
    outcome.connectionReusable = false;
    return outcome;
  }
  QueryOutcome rollback;
  if (!runCommand("ROLLBACK", rollback)) outcome.connectionReusable = false;
  return outcome;
}

bool QueryRunner::runCommand(const std::string& sql, QueryOutcome& outcome) {
  if (PQsendQuery(_conn, sql.c_str()) != 1) {
    outcome.kind = QueryOutcome::Kind::Failed;
    outcome.failure = failureOf(nullptr, _conn);
    return false;
  }
  return drain(outcome);
}

void QueryRunner::streamResults(ResultSink& sink, QueryOutcome& outcome) {
  std::optional<RowEncoder> encoder;
  while (PGresult* raw = nextResult(&sink, outcome)) {
    ResultPtr result(raw, &PQclear);
    if (_cancelled) continue;  // drain what PostgreSQL still sends after the cancel
    switch (PQresultStatus(raw)) {
      case PGRES_SINGLE_TUPLE:
        if (!encoder) {
          encoder.emplace(raw);
          outcome.begun = true;
          if (!sink.begin()) {
            interrupt(QueryOutcome::Kind::ClientGone, outcome);
            continue;
          }
        }
        encoder->appendRow(_pending, raw, 0);
        ++outcome.rows;
        if (_pending.size() >= _settings.flushBytes) flushPending(&sink, outcome, false);
        break;
      case PGRES_TUPLES_OK:
      case PGRES_COMMAND_OK:
        if (!outcome.begun && !outcome.failure) {
          outcome.begun = true;
          if (!sink.begin()) interrupt(QueryOutcome::Kind::ClientGone, outcome);
        }
        break;
      case PGRES_EMPTY_QUERY:
        outcome.kind = QueryOutcome::Kind::EmptyQuery;
        break;
      default:
        if (!outcome.failure) {
          outcome.kind = QueryOutcome::Kind::Failed;
          outcome.failure = failureOf(raw, _conn);
        }
        break;
    }
  }
  if (!_cancelled) flushPending(&sink, outcome, true);
}

PGresult* QueryRunner::nextResult(ResultSink* sink, QueryOutcome& outcome) {
  while (PQisBusy(_conn) != 0) {
    if (_abandoned) return nullptr;
    if (!waitForInput(sink, outcome)) {
      if (_abandoned) return nullptr;
      break;  // PQgetResult reports the broken connection
    }
  }
  return PQgetResult(_conn);
}

bool QueryRunner::waitForInput(ResultSink* sink, QueryOutcome& outcome) {
  pollfd fds[2] = {{PQsocket(_conn), POLLIN, 0}, {_control.clientFd(), POLLRDHUP, 0}};
  int ready = ::poll(fds, 1, 0);
  if (ready == 0) ready = ::poll(fds, 1, kRefillWaitMs);
  if (ready == 0) {
    // PostgreSQL has nothing ready: hand the client what we have, then wait for either side.
    if (sink != nullptr) flushPending(sink, outcome, true);
    const nfds_t count = fds[1].fd >= 0 && !_cancelled ? 2 : 1;
    ready = ::poll(fds, count, static_cast<int>(_settings.pollInterval.count()));
    if (count == 2 && (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0)
      interrupt(QueryOutcome::Kind::ClientGone, outcome);
  }
  if (ready < 0 && errno != EINTR) return false;
  if (!_cancelled && _control.stopRequested()) interrupt(QueryOutcome::Kind::Stopped, outcome);
  const auto now = std::chrono::steady_clock::now();
  if (_cancelled && now > _cancelDeadline) {
    _abandoned = true;  // PostgreSQL did not end the query in time; drop the connection
    return false;
  }
  if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) _lastAnswer = now;
  if (!_cancelled && _settings.statementTimeout.count() > 0 &&
      now - _lastAnswer > _settings.statementTimeout + _settings.answerGrace) {
    _abandoned = true;  // a frozen server: no cancel request, it would hang as well
    outcome.kind = QueryOutcome::Kind::Unanswered;
    return false;
  }
  if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && PQconsumeInput(_conn) == 0)
    return false;
  return true;
}

bool QueryRunner::isCopyable(std::string_view sql) {
  std::size_t i = 0;
  for (;;) {
    while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '('))
      ++i;
    if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return false;
    } else if (sql.substr(i, 2) == "/*") {
      int depth = 0;
      do {
        if (sql.substr(i, 2) == "/*")
          ++depth, i += 2;
        else if (sql.substr(i, 2) == "*/")
          --depth, i += 2;
        else
          ++i;
      } while (depth > 0 && i < sql.size());
      if (depth > 0) return false;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i++]))));
  return word == "select" || word == "values" || word == "table" || word == "with";
}

std::optional<QueryRunner::ResultPtr> QueryRunner::describe(const std::string& sql,
                                                            QueryOutcome& outcome) {
  if (PQsendPrepare(_conn, "", sql.c_str(), 0, nullptr) != 1 || !drain(outcome) ||
      PQsendDescribePrepared(_conn, "") != 1)
    return std::nullopt;
  std::optional<ResultPtr> description;
  while (PGresult* raw = nextResult(nullptr, outcome)) {
    ResultPtr result(raw, &PQclear);
    if (PQresultStatus(raw) == PGRES_COMMAND_OK && !description)
      description.emplace(std::move(result));
    else if (PQresultStatus(raw) == PGRES_FATAL_ERROR && !outcome.failure && !_cancelled)
      outcome.kind = QueryOutcome::Kind::Failed, outcome.failure = failureOf(raw, _conn);
  }
  if (outcome.failure || _cancelled || _abandoned) return std::nullopt;
  return description;
}

bool QueryRunner::drain(QueryOutcome& outcome) {
  bool ok = true;
  while (PGresult* raw = nextResult(nullptr, outcome)) {
    ResultPtr result(raw, &PQclear);
    const auto status = PQresultStatus(raw);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) continue;
    ok = false;
    if (!outcome.failure && !_cancelled) {
      outcome.kind = QueryOutcome::Kind::Failed;
      outcome.failure = failureOf(raw, _conn);
    }
  }
  return ok && !_cancelled && !_abandoned;
}

bool QueryRunner::streamCopy(const std::string& sql, const PGresult* description, ResultSink& sink,
                             QueryOutcome& outcome) {
  // The statement parsed on its own, so it ends outside any string or comment; the newline
  // before ")" ends a trailing "--" comment.
  const std::string copy = "COPY (\n" + sql + "\n) TO STDOUT";
  if (PQsendQueryParams(_conn, copy.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
    return false;
  PGresult* first = nextResult(&sink, outcome);
  if (first == nullptr) return !_abandoned ? false : true;
  const bool copying = PQresultStatus(first) == PGRES_COPY_OUT;
  PQclear(first);
  if (!copying) {  // COPY refused this statement (e.g. a trailing semicolon): run it directly
    QueryOutcome ignored;
    drain(ignored);
    return _cancelled || _abandoned;
  }
  const RowEncoder encoder(description);
  CopyLineDecoder decoder(static_cast<std::size_t>(PQnfields(description)));
  for (;;) {
    char* line = nullptr;
    const int length = PQgetCopyData(_conn, &line, 1);
    if (length > 0) {
      if (!_cancelled) {
        if (!outcome.begun) {
          outcome.begun = true;
          if (!sink.begin()) interrupt(QueryOutcome::Kind::ClientGone, outcome);
        }
        if (!_cancelled &&
            decoder.decode(std::string_view(line, static_cast<std::size_t>(length)))) {
          encoder.appendRow(_pending, decoder.fields(), decoder.size());
          ++outcome.rows;
          if (_pending.size() >= _settings.flushBytes) flushPending(&sink, outcome, false);
        }
      }
      PQfreemem(line);
      continue;
    }
    if (length == 0) {
      if (!waitForInput(&sink, outcome) && _abandoned) return true;
      continue;
    }
    break;  // -1: done (the final result follows), -2: error
  }
  while (PGresult* raw = nextResult(&sink, outcome)) {
    ResultPtr result(raw, &PQclear);
    if (_cancelled) continue;
    const auto status = PQresultStatus(raw);
    if (status == PGRES_COMMAND_OK) {
      if (!outcome.begun) {
        outcome.begun = true;
        if (!sink.begin()) interrupt(QueryOutcome::Kind::ClientGone, outcome);
      }
    } else if (!outcome.failure) {
      outcome.kind = QueryOutcome::Kind::Failed;
      outcome.failure = failureOf(raw, _conn);
    }
  }
  if (!_cancelled) flushPending(&sink, outcome, true);
  return true;
}

void QueryRunner::interrupt(QueryOutcome::Kind why, QueryOutcome& outcome) {
  if (_cancelled) return;
  _cancelled = true;
  _cancelDeadline = std::chrono::steady_clock::now() + _settings.cancelGrace;
  outcome.kind = why;
  _pending.clear();
  std::string error;
  _control.cancel(error);  // on failure the grace deadline still bounds the wait
}

void QueryRunner::flushPending(ResultSink* sink, QueryOutcome& outcome, bool flush) {
  if (_pending.empty() || _cancelled) return;
  if (!sink->write(_pending, flush)) {
    interrupt(QueryOutcome::Kind::ClientGone, outcome);
    return;
  }
  _pending.clear();
}

QueryFailure QueryRunner::failureOf(const PGresult* result, PGconn* conn) {
  QueryFailure failure;
  if (result != nullptr) {
    failure.sqlState = field(result, PG_DIAG_SQLSTATE);
    failure.message = field(result, PG_DIAG_MESSAGE_PRIMARY);
    failure.detail = field(result, PG_DIAG_MESSAGE_DETAIL);
    failure.hint = field(result, PG_DIAG_MESSAGE_HINT);
    const auto position = field(result, PG_DIAG_STATEMENT_POSITION);
    if (!position.empty()) failure.position = std::atoi(position.c_str());
    if (failure.message.empty()) failure.message = trimmed(PQresultErrorMessage(result));
  }
  if (failure.message.empty()) failure.message = trimmed(PQerrorMessage(conn));
  if (failure.message.empty()) failure.message = "unknown database error";
  return failure;
}

}  // namespace ampd::server
