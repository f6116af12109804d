// The plugin contract between the ampd host and its plugins.
//
// A plugin is one shared library that exports exactly one C entry point,
// `ampd_plugin_descriptor`, returning a pointer to a static PluginDescriptor. The host reads
// `abiVersion` (always the first field, a plain uint32_t) before touching anything else and
// refuses the library when it differs from kAbiVersion. Bump kAbiVersion whenever anything in
// host/include/ampd/ changes in a way that affects layout or virtual tables.
//
// Lifecycle (driven by the host's supervisor, one thread at a time per plugin):
//   create() -> start(ctx) -> ... -> stop() -> destroy()
// - start() returns once every service in `provides` is published in ctx.registry(), or throws
//   (any std::exception; the message is shown to the user, so make it actionable).
// - stop() is graceful, idempotent, bounded in time, and joins every thread the plugin created.
//   It may be called after a failed start(). It must not throw. The host gives each stop() 15 s;
//   one that overruns is logged and ampd exits 1 without waiting for it.
//
// Signals: the host blocks SIGINT, SIGTERM and SIGPIPE in every thread (they are blocked in
// main() before any thread exists, and threads inherit the mask) and handles SIGINT/SIGTERM
// itself. A plugin that starts a child process must reset the child's signal mask and
// dispositions before exec, or the child will ignore SIGTERM. Writes to a closed socket fail
// with EPIPE instead of killing the process.
// - After start() returns, a plugin reports an unexpected failure (its server died, a listener
//   broke) with ctx.reportFailure(); the host then stops every plugin in reverse order and exits 1.
//
// Thread-safety: PluginContext methods are safe to call from any thread, at any time between
// start() and the return of stop(). The context outlives the plugin object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <stdexcept>

#include <ampd/export.h>
#include <ampd/service_registry.h>

namespace Poco {
class Logger;
namespace Util {
class AbstractConfiguration;
}
}  // namespace Poco

namespace ampd {

/// The ABI version this host and these headers implement.
inline constexpr std::uint32_t kAbiVersion = 2;

/// Name of the single C entry point every plugin exports.
inline constexpr const char* kEntryPointName = "ampd_plugin_descriptor";

/// Why the host runs the plugins.
enum class RunMode {
  Serve,    ///< run until SIGINT/SIGTERM or a failure (`ampd solo`, `ampd --config FILE`)
  Migrate,  ///< `ampd migrate`: start (which migrates), then stop at once and exit
};

/// Thrown from Plugin::start() when the failure is the user's configuration or invocation (a
/// bad config value, the amp dir locked by another ampd): the host exits 2 instead of 1.
/// Any other exception from start() is a runtime failure (exit 1).
class AMPD_EXPORT PluginConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the host gives a plugin. Owned by the host; outlives the plugin object.
class AMPD_EXPORT PluginContext {
 public:
  virtual ~PluginContext() = default;

  /// The plugin's name as in its descriptor (e.g. "metadb-postgres").
  virtual const std::string& pluginName() const = 0;

  /// The logger the plugin must use (named after the plugin). Plugins never write to
  /// stdout/stderr themselves. Further loggers may be obtained with Poco::Logger::get(name).
  virtual Poco::Logger& logger() const = 0;

  /// The merged configuration (defaults < file < AMP_CONFIG_* env < command line). Keys are
  /// dotted TOML paths: "admin_api_addr", "metadata_db.url", "metadb_postgres.bin_path",
  /// "metadb_postgres.config_params.<name>". Path-valued keys are already absolute.
  virtual const Poco::Util::AbstractConfiguration& config() const = 0;

  /// The amp dir (absolute; exists; layout folders created).
  virtual const std::filesystem::path& ampDir() const = 0;

  /// The service registry shared by all plugins.
  virtual ServiceRegistry& registry() const = 0;

  /// Why the host is running.
  virtual RunMode runMode() const = 0;

  /// Report an unexpected failure after start(). Thread-safe, non-blocking, may be called more
  /// than once (the first message wins). Never call it from within stop().
  virtual void reportFailure(const std::string& message) = 0;
};

/// A plugin instance. See the lifecycle above.
class AMPD_EXPORT Plugin {
 public:
  virtual ~Plugin() = default;
  virtual void start(PluginContext& context) = 0;
  virtual void stop() noexcept = 0;
};

/// The descriptor a plugin library returns. Plain C layout; `abiVersion` must stay first.
struct PluginDescriptor {
  std::uint32_t abiVersion;             ///< kAbiVersion the plugin was built against
  const char* name;                     ///< unique plugin name, e.g. "metadb-postgres"
  const char* version;                  ///< plugin version, e.g. "0.1.0"
  const char* const* providedServices;  ///< null-terminated list of service names
  const char* const* requiredServices;  ///< null-terminated list (`requires` is a C++20 keyword)
  Plugin* (*create)();                  ///< new instance (owned by the host)
  void (*destroy)(Plugin*);             ///< deletes an instance made by create()
};

using PluginEntryPoint = const PluginDescriptor* (*)();

}  // namespace ampd

/// Defines the plugin's entry point. Use once per plugin library, at namespace scope:
///
///   AMPD_PLUGIN(MetadbPostgresPlugin, "metadb-postgres", "0.1.0",
///               AMPD_SERVICES("metadata-db"), AMPD_SERVICES())
#define AMPD_SERVICES(...) \
  { __VA_ARGS__ __VA_OPT__(, ) nullptr }

#define AMPD_PLUGIN(Class, Name, Version, Provides, Requires)                       \
  namespace {                                                                       \
  const char* const ampdPluginProvides_[] = Provides;                               \
  const char* const ampdPluginRequires_[] = Requires;                               \
  ::ampd::Plugin* ampdPluginCreate_() { return new Class(); }                       \
  void ampdPluginDestroy_(::ampd::Plugin* p) { delete p; }                          \
  const ::ampd::PluginDescriptor ampdPluginDescriptor_{::ampd::kAbiVersion,         \
                                                       Name,                        \
                                                       Version,                     \
                                                       ampdPluginProvides_,         \
                                                       ampdPluginRequires_,         \
                                                       &ampdPluginCreate_,          \
                                                       &ampdPluginDestroy_};        \
  }                                                                                 \
  extern "C" __attribute__((visibility("default"))) const ::ampd::PluginDescriptor* \
  ampd_plugin_descriptor() {                                                        \
    return &ampdPluginDescriptor_;                                                  \
  }
