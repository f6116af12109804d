// The metadata schema: versioned SQL migrations compiled into the controller, and the migrator
// that applies them.
//
// Rules (see DESIGN.md "Controller and server"):
// - Migrations are numbered 1..N without gaps and never edited once released: a change is a new
//   migration. Each is recorded in `ampd_schema_migrations` with the SHA-256 of its SQL.
// - migrate() holds a session-level PostgreSQL advisory lock (kMigrationLockKey) for the whole
//   run, so concurrent ampd processes on one database serialize: the first applies, the others
//   find nothing to do. Each migration is applied in its own transaction together with its row
//   in the migrations table.
// - A recorded migration whose checksum differs from the compiled one, or a recorded version
//   this binary does not know (a newer ampd migrated the database), is refused with
//   MigrationError naming the migration and what to do; nothing is applied then.
//
// Thread-safety: free functions; the connection passed in is used by the calling thread only.
#pragma once

#include <ampd_toolkit/pq.h>

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace Poco {
class Logger;
}

namespace ampd::controller {

struct Migration {
  int version;       ///< 1, 2, ... in order
  const char* name;  ///< short snake_case description
  const char* sql;   ///< the statements, applied in one transaction
};

/// Every migration this binary knows, in order.
std::span<const Migration> migrations();

/// Hex SHA-256 of a migration's SQL (what the migrations table records).
std::string migrationChecksum(const Migration& migration);

/// Key of the advisory lock taken while migrating ("ampd" in ASCII, then 1).
inline constexpr std::int64_t kMigrationLockKey = 0x616d706400000001;

/// Holds the migration advisory lock (kMigrationLockKey, session level) for its lifetime. The
/// lock nests within one session: migrate() takes it again under an outer MigrationLock, so a
/// caller can run more statements after the migrations without letting another ampd in.
class MigrationLock {
 public:
  explicit MigrationLock(PgConnection& connection);
  ~MigrationLock();
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  PgConnection& _connection;
};

/// Raised when the database's schema cannot be used by this binary; what() says which migration
/// and what to do.
class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What migrate() or pending() found.
struct MigrationReport {
  std::vector<int> applied;  ///< versions applied by this call (empty when up to date)
  int databaseVersion = 0;   ///< highest version recorded after the call
};

/// Applies every missing migration (see the rules above). Throws MigrationError or PgError.
MigrationReport migrate(PgConnection& connection, Poco::Logger& logger);

/// The schema version when the database needs nothing at start: every migration is applied
/// (checksums verified, as migrate() does) and `readerRole`, when it exists, already has the
/// read access grantReadAccess() gives. One statement, no lock, nothing written; nullopt when
/// migrate() (and the grants) must run. Throws MigrationError for a newer or changed database,
/// PgError otherwise.
std::optional<int> upToDateVersion(PgConnection& connection, const std::string& readerRole);

/// Verifies the recorded migrations without applying any: returns the versions still missing.
/// Throws MigrationError for a changed checksum or a newer database.
std::vector<int> pendingMigrations(PgConnection& connection);

}  // namespace ampd::controller
