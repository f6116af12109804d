#include "ampd_config/config_schema.h"

#include <array>

namespace ampd::config {

namespace {

using enum KeyType;

// The one table of configuration keys. To add a key, add one line (and document it in
// docs/configuration.md). Keep each plugin's keys together under its own table.
constexpr KeySpec kSchema[] = {
    // Host
    {"plugins", StringArray, "metadb-postgres,controller,server",
     "plugins to run; metadb-external replaces metadb-postgres when metadata_db.url is set"},
    {"plugin_dir", Path, "", "extra folder searched first for plugins (empty: none)"},
    // Amp's storage paths and service addresses
    {"data_dir", Path, "data", "where extracted datasets are stored"},
    {"providers_dir", Path, "providers", "folder of provider TOML files"},
    {"manifests_dir", Path, "manifests", "folder of dataset manifest files"},
    {"admin_api_addr", String, "127.0.0.1:1610", "address of the admin API (controller)"},
    {"jsonl_addr", String, "127.0.0.1:1603", "address of the JSON Lines query API (server)"},
    // Metadata database
    {"metadata_db.url", String, "",
     "external PostgreSQL URL; empty: the managed metadb-postgres is used"},
    {"metadata_db.pool_size", Int, "10", "size of the connection pool"},
    {"metadata_db.auto_migrate", Bool, "true", "run database migrations on startup"},
    {"metadata_db.acquire_timeout_ms", Int, "5000",
     "deadline of a wait for a pooled connection, milliseconds (then 503 DATABASE_BUSY)"},
    {"metadata_db.connect_timeout_ms", Int, "5000",
     "deadline of connecting, milliseconds; libpq rounds up to whole seconds, at least 2"},
    // Managed PostgreSQL (metadb-postgres plugin)
    {"metadb_postgres.bin_path", Path, "",
     "folder of the PostgreSQL binaries (empty: PATH, then pg_config --bindir)"},
    {"metadb_postgres.locale", String, "C", "initdb --locale"},
    {"metadb_postgres.encoding", String, "UTF8", "initdb --encoding"},
    {"metadb_postgres.run_as", String, "",
     "unprivileged user to run postgres as when root and user namespaces are unavailable"},
    {"metadb_postgres.config_params", StringMap, "",
     "postgresql.conf parameters, name = value (postgres -c name=value)"},
    {"metadb_postgres.initdb_args", StringMap, "",
     "extra initdb arguments, name = value (empty value: flag only)"},
    {"metadb_postgres.start_timeout_secs", Int, "30", "seconds to wait for postgres to accept"},
    {"metadb_postgres.initdb_timeout_secs", Int, "120",
     "seconds initdb may take to create a new cluster before it is killed"},
    {"metadb_postgres.shutdown_timeout_secs", Int, "10", "seconds to wait for postgres to stop"},
    {"metadb_postgres.template_cache", String, "$XDG_CACHE_HOME/ampd/templates",
     "initdb template cache folder (empty: off)"},
    // External PostgreSQL (metadb-external plugin)
    {"metadb_external.connect_timeout_ms", Int, "10000",
     "how long to retry reaching metadata_db.url before giving up, milliseconds"},
    // Query server (server plugin)
    {"server.statement_timeout_ms", Int, "30000", "statement timeout of a query, milliseconds"},
    {"server.max_body_bytes", Int, "1048576", "largest accepted request body, bytes"},
    {"server.threads", Int, "8", "worker threads of the query server"},
    {"server.metadata_db_url", String, "",
     "URL of a read-only role the query API logs in with; empty: the managed reader role, else "
     "metadata_db.url"},
    {"server.unsafe_allow_privileged_role", Bool, "false",
     "start the query API even when its role is a superuser or can create, run programs or "
     "touch server files"},
    // Shared by the HTTP plugins (controller, server): front-door guards (ampd/http_guard.h)
    {"http.allowed_hosts", StringArray, "",
     "extra Host header names the HTTP APIs answer (loopback names are always allowed)"},
    {"http.allowed_origins", StringArray, "",
     "web origins (scheme://host[:port]) allowed to call the HTTP APIs from a browser"},
    {"http.token", String, "",
     "bearer token every HTTP request must send; required for a non-loopback address"},
    // Admin API (controller plugin)
    {"controller.max_body_bytes", Int, "10485760", "largest accepted request body, bytes"},
    {"controller.threads", Int, "8", "worker threads of the admin API"},
    {"controller.statement_timeout_ms", Int, "5000",
     "client-side deadline of each admin API statement, milliseconds (then 503)"},
    // HTTP front end shared by the admin and query APIs (sdk/, ampd_toolkit/http_settings.h)
    {"http.request_timeout_ms", Int, "10000",
     "time a client has to send a whole request (head and body), milliseconds"},
    {"http.keep_alive_timeout_ms", Int, "10000",
     "how long an idle keep-alive connection stays open, milliseconds"},
    {"http.send_timeout_ms", Int, "10000",
     "how long one write of a response to a client may block, milliseconds"},
    {"http.max_connections", Int, "4096", "open connections per API; past it 503 + Retry-After"},
    {"http.max_idle_connections", Int, "1024",
     "idle keep-alive connections per API; past it the longest idle one is closed"},
    {"http.max_queued_requests", Int, "256",
     "complete requests waiting for a free worker per API; past it 503 + Retry-After"},
};

constexpr std::string_view kIgnoredTables[] = {"opentelemetry", "writer", "worker_events"};

}  // namespace

std::span<const KeySpec> configSchema() { return kSchema; }

const KeySpec* findKey(std::string_view key) {
  for (const auto& spec : kSchema)
    if (spec.key == key) return &spec;
  return nullptr;
}

std::span<const std::string_view> ignoredTables() { return kIgnoredTables; }

std::string_view typeName(KeyType type) {
  switch (type) {
    case String:
      return "a string";
    case Int:
      return "an integer";
    case Bool:
      return "a boolean";
    case Float:
      return "a number";
    case Path:
      return "a path string";
    case StringArray:
      return "an array of strings";
    case StringMap:
      return "a table of name = value pairs";
  }
  return "a value";
}

}  // namespace ampd::config
