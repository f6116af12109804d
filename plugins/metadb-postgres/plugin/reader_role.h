// The query API's reader role in the managed PostgreSQL: `ampd_reader`, a login that can read
// and do nothing else. The database's owner (the superuser `postgres`) creates it, and at every
// start checks it with one SELECT and re-asserts its attributes when anything differs, so a role
// changed by hand (ALTER ROLE ... SUPERUSER) is put back.
// The controller grants it SELECT on the metadata tables (plugins/controller/src/reader_grants.h).
//
// Local socket authentication is `trust` (initdb's default), so the role has no password; the
// socket dir is private (mode 0700), so only the user running ampd can reach it.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd_toolkit/pq.h>

#include <string>

namespace ampd::metadb_postgres {

/// The reader role's name, published as the metadata-db property `reader_role`.
inline constexpr const char* kReaderRole = "ampd_reader";

/// The bootstrap script (one transaction): creates kReaderRole when missing; re-asserts LOGIN
/// NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS and
/// default_transaction_read_only; revokes every role membership it holds; revokes CREATE on
/// schema public from PUBLIC and TEMPORARY on the current database from PUBLIC and the reader;
/// grants it CONNECT on the current database and USAGE on schema public.
const std::string& readerRoleBootstrapSql();

/// One SELECT that is true when the bootstrap would change nothing (the role exists with
/// exactly those attributes, setting, memberships and privileges).
const std::string& readerRoleCheckSql();

/// Runs readerRoleCheckSql() on `superuser` (a connection as the cluster's owner), and the
/// bootstrap only when the check fails; returns whether the bootstrap ran. Idempotent.
/// Throws ampd::PgError.
bool ensureReaderRole(PgConnection& superuser);

/// `url` (a libpq URL such as postgresql://postgres@/postgres?host=%2Ftmp%2Fs&port=5432) with its
/// user replaced by `user`; host, database and query parameters are kept as they are. Throws
/// std::invalid_argument when `url` is not a postgresql:// or postgres:// URL.
std::string urlWithUser(const std::string& url, const std::string& user);

}  // namespace ampd::metadb_postgres
