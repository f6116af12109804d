// Read access for the query API's reader role: the schema owner (the controller, which ran the
// migrations) grants the role USAGE on the metadata tables' schema and SELECT on each metadata
// table. Run at every start after the migrations, under the migration lock, not as a versioned
// migration: a table added by a later migration is covered without another grant migration.
//
// The role is the metadata-db service's `reader_role` property (metadb-postgres creates
// `ampd_reader`, see plugins/metadb-postgres/plugin/reader_role.h); for an external database
// without that property, `ampd_reader` when an operator created it. A role that does not exist
// is skipped.
//
// Thread-safety: free functions; the connection is used by the calling thread only.
#pragma once

#include <ampd_toolkit/pq.h>

#include <string>
#include <vector>

namespace Poco {
class Logger;
}

namespace ampd::controller {

/// The reader role used when the metadata-db service names none.
inline constexpr const char* kDefaultReaderRole = "ampd_reader";

/// The metadata tables: every table a migration creates (`CREATE TABLE <name>` in its SQL), then
/// ampd_schema_migrations.
std::vector<std::string> metadataTables();

/// Grants `role` USAGE on the schema holding ampd_schema_migrations and SELECT on every metadata
/// table that exists there, in one transaction. Returns false (and grants nothing) when the role
/// does not exist. Idempotent. Throws PgError.
bool grantReadAccess(PgConnection& owner, const std::string& role, Poco::Logger& logger);

}  // namespace ampd::controller
