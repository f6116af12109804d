#include "external_database.h"

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/retry.h>

namespace ampd::metadb_external {

ServiceProperties probeDatabase(const std::string& url, std::chrono::milliseconds deadline) {
  std::string lastError;
  std::string serverVersion;
  BackoffPolicy policy;
  policy.initialDelay = std::chrono::milliseconds(20);
  policy.maxDelay = std::chrono::milliseconds(1000);
  policy.deadline = deadline;
  const bool reached = retryWithBackoff(policy, [&] {
    try {
      PgConnection connection(url);
      serverVersion = connection.exec("SHOW server_version").value(0, 0);
      return true;
    } catch (const PgError& e) {
      lastError = e.what();
      return false;
    }
  });
  if (!reached) {
    throw DatabaseUnreachable(Diagnostic{
        "cannot reach the metadata database at " + maskPassword(url) + " within " +
            std::to_string(deadline.count()) + " ms",
        lastError,
        "Check that PostgreSQL is running and metadata_db.url (or AMP_CONFIG_METADATA_DB__URL) "
        "is right; remove metadata_db.url to let `ampd solo` run its own PostgreSQL."});
  }
  return {{"url", url}, {"managed", "false"}, {"server_version", serverVersion}};
}

}  // namespace ampd::metadb_external
