#include "reader_login.h"

#include <ampd/plugin.h>
#include <ampd_toolkit/pq.h>

#include <Poco/Logger.h>

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

namespace ampd::server {
namespace {

using ConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

/// One row per role the login is a member of (itself included, PUBLIC's grants included).
constexpr const char* kRolesQuery = R"sql(
SELECT r.rolname, r.rolname = current_user, r.rolsuper, r.rolcreaterole, r.rolcreatedb,
       r.rolname IN ('pg_read_server_files', 'pg_write_server_files',
                     'pg_execute_server_program'),
       has_database_privilege(r.oid, current_database(), 'CREATE'),
       coalesce((SELECT string_agg(quote_ident(n.nspname), ', ' ORDER BY n.nspname)
                   FROM pg_namespace n WHERE has_schema_privilege(r.oid, n.oid, 'CREATE')), ''),
       current_user, current_database()
  FROM pg_roles r
 WHERE pg_has_role(current_user, r.oid, 'MEMBER')
 ORDER BY r.rolname <> current_user, r.rolname)sql";

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

/// Connects with libpq's connect_timeout and a statement_timeout, both from `deadline`.
ConnPtr connect(const std::string& url, std::chrono::milliseconds deadline) {
  const auto seconds = std::to_string(std::max<long long>(1, (deadline.count() + 999) / 1000));
  const std::string options = "-c statement_timeout=" + std::to_string(deadline.count());
  const char* keys[] = {"dbname", "connect_timeout", "options", nullptr};
  const char* values[] = {url.c_str(), seconds.c_str(), options.c_str(), nullptr};
  ConnPtr conn(PQconnectdbParams(keys, values, 1), &PQfinish);
  if (!conn) throw PgError("cannot connect to " + maskPassword(url) + ": out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw PgError("cannot connect to " + maskPassword(url) + ": " +
                  trimmed(PQerrorMessage(conn.get())));
  return conn;
}

/// The findings of one row of kRolesQuery.
void appendFindings(const PgResult& roles, int row, std::vector<std::string>& findings) {
  const auto role = roles.value(row, 0);
  const bool self = roles.value(row, 1) == "t";
  const auto me = quoted(roles.value(row, 8));
  const auto subject =
      self ? "role " + me : "role " + me + " is a member of " + quoted(role) + ", which";
  if (roles.value(row, 2) == "t") {
    findings.push_back(subject + " is a superuser");
    return;  // everything else follows from it
  }
  if (roles.value(row, 5) == "t") findings.push_back("role " + me + " is a member of " + role);
  if (roles.value(row, 3) == "t") findings.push_back(subject + " has CREATEROLE");
  if (roles.value(row, 4) == "t") findings.push_back(subject + " has CREATEDB");
  if (roles.value(row, 6) == "t")
    findings.push_back(subject + " has CREATE on database " + quoted(roles.value(row, 9)));
  if (!roles.value(row, 7).empty())
    findings.push_back(subject + " has CREATE on schema " + roles.value(row, 7));
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

std::string fixHint() {
  return "HINT: Create a role that can only read, for example:\n"
         "  CREATE ROLE ampd_reader LOGIN PASSWORD 'choose-one';\n"
         "  GRANT CONNECT ON DATABASE <database> TO ampd_reader;\n"
         "  GRANT USAGE ON SCHEMA public TO ampd_reader;\n"
         "  GRANT SELECT ON ALL TABLES IN SCHEMA public TO ampd_reader;\n"
         "then set [server] metadata_db_url = \"postgresql://ampd_reader:...@<host>/<database>\" "
         "(environment: AMP_CONFIG_SERVER__METADATA_DB_URL). The controller grants a role named "
         "ampd_reader SELECT on every metadata table at each start. To run with a privileged "
         "role anyway, and let every client of the query API act as it, set "
         "server.unsafe_allow_privileged_role = true.";
}

bool roleIsMissing(const std::string& message) {
  return message.find("role \"") != std::string::npos &&
         message.find("does not exist") != std::string::npos;
}

}  // namespace

DatabaseLogin chooseDatabaseLogin(const std::string& configuredUrl,
                                  const ServiceProperties& metadataDb) {
  if (!configuredUrl.empty()) return {configuredUrl, "server.metadata_db_url"};
  const auto reader = metadataDb.find("reader_url");
  if (reader != metadataDb.end() && !reader->second.empty())
    return {reader->second, "the reader_url of the metadata-db service"};
  return {metadataDb.at("url"), "the metadata database URL (no server.metadata_db_url is set)"};
}

std::vector<std::string> privilegedFindings(const std::string& url,
                                            std::chrono::milliseconds deadline) {
  const auto conn = connect(url, deadline);
  PgResult roles(PQexec(conn.get(), kRolesQuery));
  if (roles.status() != PGRES_TUPLES_OK)
    throw PgError(trimmed(PQerrorMessage(conn.get())), roles.errorField(PG_DIAG_SQLSTATE));
  std::vector<std::string> findings;
  for (int row = 0; row < roles.rows(); ++row) appendFindings(roles, row, findings);
  return findings;
}

void checkReadOnlyLogin(const DatabaseLogin& login, bool allowPrivileged,
                        std::chrono::milliseconds deadline, Poco::Logger& logger) {
  const auto where = maskPassword(login.url) + ", from " + login.source;
  std::vector<std::string> findings;
  try {
    findings = privilegedFindings(login.url, deadline);
  } catch (const PgError& e) {
    if (!roleIsMissing(e.what()))
      throw std::runtime_error("the query API cannot check its database role: " +
                               std::string(e.what()) + "\nDETAIL: The login is " + where + ".");
    throw PluginConfigError(
        "the query API cannot log in: " + std::string(e.what()) + "\nDETAIL: The login is " +
        where +
        ".\nHINT: With the managed database (metadb-postgres), the role ampd_reader is created "
        "at start; check that the metadata-db plugin is metadb-postgres. With an external "
        "database, create the role, or fix [server] metadata_db_url.\n" +
        fixHint());
  }
  if (findings.empty()) {
    logger.information("query API logs in as a read-only role (" + where + ")");
    return;
  }
  const auto found = joined(findings, "; ");
  if (allowPrivileged) {
    logger.warning("the query API runs as a privileged role: " + found +
                   ". Any client of the query API can act as this role (run programs with COPY "
                   "... TO PROGRAM, read and write server files, change data), because "
                   "server.unsafe_allow_privileged_role = true. The login is " +
                   where + ".");
    return;
  }
  throw PluginConfigError(
      "the query API's database role is not read-only: " + found +
      "\nDETAIL: The query API runs the SQL of anyone who can reach it. With this role, a query "
      "could run programs (COPY ... TO PROGRAM), read or write the server's files, or create "
      "objects. The login is " +
      where + ".\n" + fixHint());
}

}  // namespace ampd::server
