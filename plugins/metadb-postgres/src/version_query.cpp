#include "version_query.h"

#include <managed_postgres/postgres_command.h>

namespace managed_postgres::detail {

VersionQuery::VersionQuery(std::filesystem::path postgresBinary, bool startNow)
    : _binary(std::move(postgresBinary)) {
  if (startNow) start();
}

void VersionQuery::start() {
  if (_child || _version) return;
  _child = std::make_unique<ChildProcess>(SpawnSpec{_binary, versionArgs(), ProcessIdentity{}},
                                          OutputPump::Options{nullptr, 20, true});
}

const PostgresVersion& VersionQuery::get() {
  if (_version) return *_version;
  start();
  const auto status = _child->wait();
  _child->finishOutput(std::chrono::seconds(5));
  std::string output;
  for (const auto& line : _child->allLines()) output += (output.empty() ? "" : "\n") + line;
  _child.reset();
  if (!status.success())
    throw std::runtime_error("`" + _binary.string() + " --version` failed (" + status.describe() +
                             "): " + output);
  const auto major = parseMajorVersion(output);
  if (!major)
    throw std::runtime_error("`" + _binary.string() +
                             " --version` printed no PostgreSQL version: " + output);
  _version = PostgresVersion{output, *major};
  return *_version;
}

}  // namespace managed_postgres::detail
