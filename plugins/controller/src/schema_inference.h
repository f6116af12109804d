// Output schemas of a derived dataset's tables from PostgreSQL's own planner (POST /schema).
//
// In one transaction that is always rolled back, each dependency's tables are created empty from
// the Arrow schema in its manifest (toolkit arrow_pg_types.h) in a schema named by its alias and
// one named "namespace/name", with search_path empty; so `alias.table` and
// `"namespace/name".table` resolve and unqualified names do not. Each table's SQL is then
// prepared (PQprepare, never executed) and described (PQdescribePrepared): a column passed through
// from a dependency table keeps its Arrow type and nullability, a computed column gets the
// Arrow type of its PostgreSQL type and is nullable. `EXPLAIN (VERBOSE)` of the same statement
// names the tables it reads, whose networks are reported. The SQL dialect is PostgreSQL's.
//
// Thread-safety: uses only the connection passed in.
#pragma once

#include <ampd_toolkit/pq.h>

#include <map>
#include <string>
#include <vector>

namespace ampd::controller {

/// A dependency resolved to its stored manifest.
struct SchemaDependency {
  std::string alias;
  std::string ns;
  std::string name;
  std::string manifest;  ///< canonical manifest JSON
};

/// {"schemas":{<table>:{"schema":{"arrow":{"fields":[...]}},"networks":[...]}}} for `tables`
/// (table name -> SQL). Throws ApiError with Amp's codes: INVALID_TABLE_SQL (400) for SQL
/// PostgreSQL cannot parse or plan, TABLE_REFERENCE_RESOLUTION (400) for a table or schema it
/// cannot find or one that is not a dependency's, both with PostgreSQL's message and position;
/// GET_DATASET_ERROR (500) for a dependency schema it cannot create; SCHEMA_INFERENCE (500) for
/// a result column type without an Arrow type.
std::string inferSchemas(PgConnection& connection, const std::vector<SchemaDependency>& deps,
                         const std::map<std::string, std::string>& tables);

}  // namespace ampd::controller
