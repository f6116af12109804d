#include "reader_grants.h"

#include "migrations.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace ampd::controller {
namespace {

/// Builds both GRANT statements server-side, so names are quoted by PostgreSQL itself.
/// $1: the table names as a text[] literal, $2: the role.
constexpr const char* kGrantStatements = R"sql(
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', n.nspname, $2::text),
       format('GRANT SELECT ON %s TO %I',
              string_agg(c.oid::regclass::text, ', ' ORDER BY c.relname), $2::text)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relnamespace = (SELECT relnamespace FROM pg_class
                          WHERE oid = to_regclass('ampd_schema_migrations'))
   AND c.relname = ANY ($1::text[]) AND c.relkind IN ('r', 'p')
 GROUP BY n.nspname)sql";

/// The identifiers after each "CREATE TABLE [IF NOT EXISTS]" in `sql`.
void appendCreatedTables(std::string_view sql, std::vector<std::string>& tables) {
  constexpr std::string_view kCreate = "CREATE TABLE ";
  constexpr std::string_view kIfNotExists = "IF NOT EXISTS ";
  for (auto at = sql.find(kCreate); at != std::string_view::npos; at = sql.find(kCreate, at)) {
    at += kCreate.size();
    if (sql.substr(at, kIfNotExists.size()) == kIfNotExists) at += kIfNotExists.size();
    std::string name;
    while (at < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[at])) || sql[at] == '_'))
      name.push_back(sql[at++]);
    if (!name.empty() && std::find(tables.begin(), tables.end(), name) == tables.end())
      tables.push_back(name);
  }
}

std::string textArray(const std::vector<std::string>& names) {
  std::string literal = "{";
  for (const auto& name : names) literal += (literal.size() > 1 ? "," : "") + name;
  return literal + "}";
}

}  // namespace

std::vector<std::string> metadataTables() {
  std::vector<std::string> tables;
  for (const auto& migration : migrations()) appendCreatedTables(migration.sql, tables);
  tables.emplace_back("ampd_schema_migrations");
  return tables;
}

bool grantReadAccess(PgConnection& owner, const std::string& role, Poco::Logger& logger) {
  const auto exists =
      owner.exec("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", {role});
  if (exists.value(0, 0) != "t") {
    logger.information("no role %s in the metadata database: no read access granted", role);
    return false;
  }
  const auto tables = metadataTables();
  const auto statements = owner.exec(kGrantStatements, {textArray(tables), role});
  if (statements.rows() == 0) return false;  // no metadata tables (yet)
  owner.exec("BEGIN; " + statements.value(0, 0) + "; " + statements.value(0, 1) + "; COMMIT");
  logger.information("granted %s read access to the metadata tables", role);
  return true;
}

}  // namespace ampd::controller
