#include "ampd_config/config_schema.h"

#include "ampd_config/config_loader.h"

#include <set>

namespace ampd::config {

namespace {

using ampd::boolKey;
using ampd::durationMsKey;
using ampd::intKey;
using ampd::pathKey;
using ampd::stringArrayKey;
using ampd::stringKey;

constexpr std::int64_t kHourMs = 3600000;

// The host's own keys. Plugins declare theirs in their descriptors (<ampd/settings.h>). To add a
// host key, add one line (and document it in docs/configuration.md; a test checks it).
constexpr KeySpec kHostKeys[] = {
    stringArrayKey(
        "plugins", "metadb-postgres,controller,server",
        "plugins to run; metadb-external replaces metadb-postgres when metadata_db.url is set"),
    pathKey("plugin_dir", "", "extra folder searched first for plugins (empty: none)"),
    // Amp's storage paths
    pathKey("data_dir", "data", "where extracted datasets are stored"),
    pathKey("providers_dir", "providers", "folder of provider TOML files"),
    pathKey("manifests_dir", "manifests", "folder of dataset manifest files"),
    // Metadata database, shared by every plugin that uses it
    stringKey("metadata_db.url", "",
              "external PostgreSQL URL; empty: the managed metadb-postgres is used"),
    intKey("metadata_db.pool_size", "10", 1, 10000, "size of each plugin's connection pool"),
    boolKey("metadata_db.auto_migrate", "true", "run database migrations on startup"),
    durationMsKey("metadata_db.acquire_timeout_ms", "5000", 1, kHourMs,
                  "deadline of a wait for a pooled connection, milliseconds (then 503 "
                  "DATABASE_BUSY)"),
    durationMsKey("metadata_db.connect_timeout_ms", "5000", 1, kHourMs,
                  "deadline of connecting, milliseconds; libpq rounds up to whole seconds, at "
                  "least 2"),
    // Shared by the HTTP plugins (controller, server): front-door guards
    // (ampd_toolkit/http_guard.h)
    stringArrayKey("http.allowed_hosts", "",
                   "extra Host header names the HTTP APIs answer (loopback names are always "
                   "allowed)"),
    stringArrayKey("http.allowed_origins", "",
                   "web origins (scheme://host[:port]) allowed to call the HTTP APIs from a "
                   "browser"),
    stringKey("http.token", "",
              "bearer token every HTTP request must send; required for a non-loopback address"),
    // HTTP front end shared by the admin and query APIs (sdk/, ampd_toolkit/http_settings.h)
    durationMsKey("http.request_timeout_ms", "10000", 100, kHourMs,
                  "time a client has to send a whole request (head and body), milliseconds"),
    durationMsKey("http.keep_alive_timeout_ms", "10000", 100, kHourMs,
                  "how long an idle keep-alive connection stays open, milliseconds"),
    durationMsKey("http.send_timeout_ms", "10000", 100, kHourMs,
                  "how long one write of a response to a client may block, milliseconds"),
    intKey("http.max_connections", "4096", 1, 1000000,
           "open connections per API; past it 503 + Retry-After"),
    intKey("http.max_idle_connections", "1024", 0, 1000000,
           "idle keep-alive connections per API; past it the longest idle one is closed"),
    intKey("http.max_queued_requests", "256", 0, 1000000,
           "complete requests waiting for a free worker per API; past it 503 + Retry-After"),
    durationMsKey("http.queue_timeout_ms", "5000", 0, kHourMs,
                  "how long a complete request may wait for a free worker, milliseconds (then "
                  "503 SERVER_BUSY); 0: no limit"),
};

constexpr std::string_view kIgnoredTables[] = {"opentelemetry", "writer", "worker_events"};

}  // namespace

std::span<const KeySpec> hostKeys() { return kHostKeys; }

Schema::Schema(std::vector<KeyTable> pluginTables) {
  _tables.push_back({kHostTableOwner, {std::begin(kHostKeys), std::end(kHostKeys)}});
  for (auto& table : pluginTables) {
    for (const auto& spec : table.keys) {
      const std::string owner = ownerOf(spec.name);
      if (!owner.empty() || spec.name == nullptr || *spec.name == '\0')
        throw ConfigError(Diagnostic{
            "plugin \"" + table.owner + "\" declares the configuration key \"" +
                std::string(spec.name != nullptr ? spec.name : "") + "\", which " +
                (owner.empty() ? "is empty" : "\"" + owner + "\" declares too"),
            "A configuration key is declared once, by the host or by one plugin.",
            "Remove one of the two plugins from the plugin list, or rename the key in the "
            "plugin's key table."});
    }
    _tables.push_back(std::move(table));
  }
}

Schema::Schema(std::vector<KeyTable> pluginTables, std::vector<KeyTable> inactiveTables)
    : Schema(std::move(pluginTables)) {
  for (auto& table : inactiveTables) {
    std::erase_if(table.keys, [&](const KeySpec& spec) {
      return spec.name == nullptr || *spec.name == '\0' || find(spec.name) != nullptr;
    });
    if (!ownerOf(table.owner).empty()) continue;
    _tables.push_back(std::move(table));
  }
}

const KeySpec* Schema::find(std::string_view key) const {
  for (const auto& table : _tables)
    for (const auto& spec : table.keys)
      if (key == spec.name) return &spec;
  return nullptr;
}

std::string Schema::ownerOf(std::string_view key) const {
  for (const auto& table : _tables)
    for (const auto& spec : table.keys)
      if (spec.name != nullptr && key == spec.name) return table.owner;
  return {};
}

std::span<const std::string_view> ignoredTables() { return kIgnoredTables; }

std::string_view typeName(KeyType type) {
  switch (type) {
    case KeyType::String:
      return "a string";
    case KeyType::Int:
      return "an integer";
    case KeyType::Bool:
      return "a boolean";
    case KeyType::Float:
      return "a number";
    case KeyType::Path:
      return "a path string";
    case KeyType::StringArray:
      return "an array of strings";
    case KeyType::StringMap:
      return "a table of name = value pairs";
    case KeyType::ListenAddress:
      return "a \"host:port\" string";
    case KeyType::DurationMs:
      return "an integer number of milliseconds";
  }
  return "a value";
}

std::string_view shortTypeName(KeyType type) {
  switch (type) {
    case KeyType::String:
      return "string";
    case KeyType::Int:
      return "int";
    case KeyType::Bool:
      return "bool";
    case KeyType::Float:
      return "float";
    case KeyType::Path:
      return "path";
    case KeyType::StringArray:
      return "string array";
    case KeyType::StringMap:
      return "string map";
    case KeyType::ListenAddress:
      return "listen address";
    case KeyType::DurationMs:
      return "duration (ms)";
  }
  return "value";
}

bool hasRange(const KeySpec& spec) {
  const bool numeric =
      spec.type == KeyType::Int || spec.type == KeyType::Float || spec.type == KeyType::DurationMs;
  return numeric && (spec.min != kNoMin || spec.max != kNoMax);
}

std::string rangeText(const KeySpec& spec) {
  if (!hasRange(spec)) return {};
  if (spec.min == kNoMin) return "at most " + std::to_string(spec.max);
  if (spec.max == kNoMax) return "at least " + std::to_string(spec.min);
  return std::to_string(spec.min) + " to " + std::to_string(spec.max);
}

}  // namespace ampd::config
