#include "reader_role.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <stdexcept>

namespace ampd::metadb_postgres {

const std::string& readerRoleBootstrapSql() {
  static const std::string sql = R"sql(
BEGIN;
DO $$
BEGIN
  IF to_regrole('ampd_reader') IS NULL THEN
    CREATE ROLE ampd_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
END
$$;
ALTER ROLE ampd_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE ampd_reader SET default_transaction_read_only = on;
DO $$
DECLARE
  granted record;
BEGIN
  -- pg_read_server_files, pg_write_server_files, pg_execute_server_program or any other role.
  FOR granted IN
    SELECT m.roleid::regrole AS role FROM pg_auth_members m
     WHERE m.member = 'ampd_reader'::regrole
  LOOP
    EXECUTE format('REVOKE %s FROM ampd_reader', granted.role);
  END LOOP;
  EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC, ampd_reader',
                 current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO ampd_reader', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC, ampd_reader;
GRANT USAGE ON SCHEMA public TO ampd_reader;
COMMIT;
)sql";
  return sql;
}

const std::string& readerRoleCheckSql() {
  // True when the bootstrap would change nothing. Explicit ACL entries (aclexplode) for what the
  // bootstrap grants, effective privileges (has_*_privilege, PUBLIC's included) for what it
  // revokes.
  static const std::string sql = R"sql(
SELECT EXISTS (
  SELECT 1 FROM pg_roles r
   WHERE r.rolname = 'ampd_reader' AND r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolcreatedb
     AND NOT r.rolcreaterole AND NOT r.rolreplication AND NOT r.rolbypassrls
     AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid)
     AND EXISTS (SELECT 1 FROM pg_db_role_setting s
                  WHERE s.setrole = r.oid AND s.setdatabase = 0
                    AND 'default_transaction_read_only=on' = ANY (s.setconfig))
     AND NOT has_database_privilege(r.oid, current_database(), 'CREATE')
     AND NOT has_database_privilege(r.oid, current_database(), 'TEMPORARY')
     AND NOT has_database_privilege('public', current_database(), 'CREATE')
     AND NOT has_database_privilege('public', current_database(), 'TEMPORARY')
     AND EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) a
                  WHERE d.datname = current_database() AND a.grantee = r.oid
                    AND a.privilege_type = 'CONNECT')
     AND NOT has_schema_privilege(r.oid, 'public', 'CREATE')
     AND NOT has_schema_privilege('public', 'public', 'CREATE')
     AND EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a
                  WHERE n.nspname = 'public' AND a.grantee = r.oid
                    AND a.privilege_type = 'USAGE')))sql";
  return sql;
}

bool ensureReaderRole(PgConnection& superuser) {
  // The usual start finds the role as the last one left it: one read, no write transaction.
  if (superuser.exec(readerRoleCheckSql()).value(0, 0) == "t") return false;
  try {
    superuser.exec(readerRoleBootstrapSql());
  } catch (const PgError&) {
    try {
      superuser.exec("ROLLBACK");
    } catch (const PgError&) {
    }
    throw;
  }
  return true;
}

std::string urlWithUser(const std::string& url, const std::string& user) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("not a PostgreSQL URL: " + maskPassword(url) + ": " +
                                e.displayText());
  }
  if (uri.getScheme() != "postgresql" && uri.getScheme() != "postgres")
    throw std::invalid_argument("not a PostgreSQL URL: " + maskPassword(url));
  uri.setUserInfo(user);
  return uri.toString();
}

}  // namespace ampd::metadb_postgres
