#include "prepared_statement.h"

namespace ampd::controller {
namespace {

std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

PgResult run(PgConnection& c, const std::string& name, const std::vector<const char*>& values) {
  return PgResult(PQexecPrepared(c.get(), name.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0));
}

bool succeeded(const PgResult& r) {
  return r && (r.status() == PGRES_TUPLES_OK || r.status() == PGRES_COMMAND_OK);
}

[[noreturn]] void fail(PgConnection& c, const PgResult& r) {
  if (!r) throw PgError(trimmed(PQerrorMessage(c.get())));
  throw PgError(trimmed(PQresultErrorMessage(r.get())), r.errorField(PG_DIAG_SQLSTATE));
}

}  // namespace

PgResult execPrepared(PgConnection& c, const std::string& name, const std::string& sql,
                      const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  auto result = run(c, name, values);
  if (succeeded(result)) return result;
  if (!result || result.errorField(PG_DIAG_SQLSTATE) != kUndefinedPreparedStatement)
    fail(c, result);
  const PgResult prepared(
      PQprepare(c.get(), name.c_str(), sql.c_str(), static_cast<int>(values.size()), nullptr));
  if (!succeeded(prepared)) fail(c, prepared);
  result = run(c, name, values);
  if (!succeeded(result)) fail(c, result);
  return result;
}

}  // namespace ampd::controller
