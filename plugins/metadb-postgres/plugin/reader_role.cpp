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

void ensureReaderRole(PgConnection& superuser) {
  try {
    superuser.exec(readerRoleBootstrapSql());
  } catch (const PgError&) {
    try {
      superuser.exec("ROLLBACK");
    } catch (const PgError&) {
    }
    throw;
  }
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
