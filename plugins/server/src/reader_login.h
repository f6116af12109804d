// Which database login the query API uses, and the start-up check that it can only read.
//
// The query API runs SQL from anyone who reaches it, so its role must not be able to run
// programs, touch server files or create anything (a read-only transaction stops none of
// COPY ... TO PROGRAM, pg_read_file, lo_import). The login is, in order:
//   1. server.metadata_db_url, when set;
//   2. the metadata-db service's reader_url (metadb-postgres publishes its ampd_reader role);
//   3. the metadata-db service's url (an external database without a reader URL).
// checkReadOnlyLogin() connects once and refuses a role that is a superuser, has CREATEROLE or
// CREATEDB, is a member (directly, indirectly or NOINHERIT) of pg_read_server_files,
// pg_write_server_files, pg_execute_server_program or of a role with those attributes, or
// whose roles hold CREATE on the current database or on any schema.
// server.unsafe_allow_privileged_role = true turns the refusal into a warning.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd/service_registry.h>

#include <chrono>
#include <string>
#include <vector>

namespace Poco {
class Logger;
}

namespace ampd::server {

/// The URL the query API logs in with, and where it came from (for messages).
struct DatabaseLogin {
  std::string url;
  std::string source;  ///< "server.metadata_db_url", "the metadata-db reader_url", ...
};

/// Chooses the login (see the order above). `configuredUrl` is server.metadata_db_url.
DatabaseLogin chooseDatabaseLogin(const std::string& configuredUrl,
                                  const ServiceProperties& metadataDb);

/// What makes the logged-in role unsafe, one sentence each (e.g. `role "postgres" is a
/// superuser`); empty when the role can only read. Throws ampd::PgError.
std::vector<std::string> privilegedFindings(const std::string& url,
                                            std::chrono::milliseconds deadline);

/// Connects once to `login` within `deadline` and checks its role. An unsafe role throws
/// ampd::PluginConfigError with the findings and the fix, unless `allowPrivileged` (then a
/// warning is logged). A role that does not exist throws ampd::PluginConfigError; any other
/// connection failure std::runtime_error.
void checkReadOnlyLogin(const DatabaseLogin& login, bool allowPrivileged,
                        std::chrono::milliseconds deadline, Poco::Logger& logger);

}  // namespace ampd::server
