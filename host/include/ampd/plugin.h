// The plugin contract between the ampd host and its plugins.
//
// A plugin is one shared library that exports exactly one C entry point,
// `ampd_plugin_descriptor`, returning a pointer to a static PluginDescriptor. The host reads
// `abiVersion` (always the first field, a plain uint32_t) before touching anything else and
// refuses the library when it differs from kAbiVersion. Bump kAbiVersion whenever the contract
// (plugin.h, service_registry.h, settings.h, diagnostic.h, export.h) changes in a way that
// affects layout or virtual tables. ABI 3 added the key table to the descriptor, settings() and
// Diagnostic-carrying errors.
//
// Configuration: the descriptor names the plugin's key table (see <ampd/settings.h>); the host
// validates every configured value against it before any plugin starts, and the plugin reads
// them with ctx.settings().
//
// Lifecycle (driven by the host's supervisor, one thread at a time per plugin):
//   create() -> start(ctx) -> ... -> stop() -> destroy()
// - Plugins that do not depend on each other (through provides/requires) start at the same
//   time, so start() may be called on a host thread other than main; that thread lives until
//   stop() has returned (a child forked in start() with PR_SET_PDEATHSIG outlives start()).
//   Declare in `requires` every service whose plugin must have started before this one (a
//   plugin that requires services but provides none still starts after every plugin before it).
// - start() returns once every service in `provides` is published in ctx.registry(), or throws:
//   PluginConfigError (exit 2) or PluginError (exit 1) with a Diagnostic; any other
//   std::exception is shown as a primary message alone (exit 1).
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

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <ampd/diagnostic.h>
#include <ampd/export.h>
#include <ampd/service_registry.h>
#include <ampd/settings.h>

namespace Poco {
class Logger;
namespace Util {
class AbstractConfiguration;
}
}  // namespace Poco

namespace ampd {

/// The ABI version this host and these headers implement.
inline constexpr std::uint32_t kAbiVersion = 3;

/// Name of the single C entry point every plugin exports.
inline constexpr const char* kEntryPointName = "ampd_plugin_descriptor";

/// Why the host runs the plugins.
enum class RunMode {
  Serve,    ///< run until SIGINT/SIGTERM or a failure (`ampd solo`, `ampd --config FILE`)
  Migrate,  ///< `ampd migrate`: start (which migrates), then stop at once and exit
};

/// A failure with a Diagnostic, thrown from Plugin::start(): a runtime failure (exit 1). what()
/// is the formatted diagnostic.
class AMPD_EXPORT PluginError : public std::runtime_error {
 public:
  explicit PluginError(Diagnostic diagnostic)
      : std::runtime_error(diagnostic.format()), _diagnostic(std::move(diagnostic)) {}
  /// A primary message alone.
  explicit PluginError(const std::string& primary) : PluginError(Diagnostic{primary, {}, {}}) {}
  const Diagnostic& diagnostic() const { return _diagnostic; }

 private:
  Diagnostic _diagnostic;
};

/// Thrown from Plugin::start() when the failure is the user's configuration or invocation (a
/// value the key table cannot check, a bad file system): the host exits 2 instead of 1.
class AMPD_EXPORT PluginConfigError : public PluginError {
 public:
  using PluginError::PluginError;
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

  /// The validated configuration, read by key (see <ampd/settings.h>): the host's keys and
  /// those of every loaded plugin's table, defaults applied. This is how plugins read it.
  virtual const Settings& settings() const = 0;

  /// The merged configuration in Poco form (defaults < file < AMP_CONFIG_* env < command line),
  /// for code that needs an AbstractConfiguration. Prefer settings().
  virtual const Poco::Util::AbstractConfiguration& config() const = 0;

  /// The amp dir (absolute; exists; layout folders created).
  virtual const std::filesystem::path& ampDir() const = 0;

  /// The service registry shared by all plugins.
  virtual ServiceRegistry& registry() const = 0;

  /// Why the host is running.
  virtual RunMode runMode() const = 0;

  /// Report an unexpected failure after start(). Thread-safe, non-blocking, may be called more
  /// than once (the first one wins). Never call it from within stop().
  virtual void reportFailure(const Diagnostic& failure) = 0;
  /// The same with a primary message alone.
  void reportFailure(const std::string& primary) { reportFailure(Diagnostic{primary, {}, {}}); }
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
  const KeySpec* keys;                  ///< the plugin's configuration keys (may be null)
  std::size_t keyCount;                 ///< number of entries in `keys`
};

using PluginEntryPoint = const PluginDescriptor* (*)();

/// Waits for service `name` (published by another plugin) up to `timeout` and returns its
/// properties; throws PluginError "<plugin> needs the <name> service" with `hint` (what to put
/// in `plugins`) when it is not published in time. `requiredProperty`, when given, must be
/// present and non-empty.
inline ServiceProperties requireService(
    const PluginContext& context, const std::string& name, const std::string& hint,
    const std::string& requiredProperty = "url",
    std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  auto properties = context.registry().waitFor(name, timeout);
  if (properties && (requiredProperty.empty() || !(*properties)[requiredProperty].empty()))
    return std::move(*properties);
  throw PluginError(Diagnostic{
      context.pluginName() + " needs the " + name + " service",
      properties
          ? "The service was published without the property \"" + requiredProperty + "\"."
          : "It was not published within " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                " s.",
      hint});
}

}  // namespace ampd

/// Defines the plugin's entry point. Use once per plugin library, at namespace scope:
///
///   AMPD_PLUGIN(MetadbExternalPlugin, "metadb-external", "0.1.0",
///               AMPD_SERVICES("metadata-db"), AMPD_SERVICES())
///
/// or, for a plugin with configuration keys (`kKeys` a static array of ampd::KeySpec):
///
///   AMPD_PLUGIN_WITH_KEYS(ControllerPlugin, "controller", "0.1.0", AMPD_SERVICES("admin-api"),
///                         AMPD_SERVICES("metadata-db"), kKeys)
#define AMPD_SERVICES(...) \
  { __VA_ARGS__ __VA_OPT__(, ) nullptr }

#define AMPD_PLUGIN_DESCRIPTOR_(Class, Name, Version, Keys, KeyCount)               \
  namespace {                                                                       \
  ::ampd::Plugin* ampdPluginCreate_() { return new Class(); }                       \
  void ampdPluginDestroy_(::ampd::Plugin* p) { delete p; }                          \
  const ::ampd::PluginDescriptor ampdPluginDescriptor_{::ampd::kAbiVersion,         \
                                                       Name,                        \
                                                       Version,                     \
                                                       ampdPluginProvides_,         \
                                                       ampdPluginRequires_,         \
                                                       &ampdPluginCreate_,          \
                                                       &ampdPluginDestroy_,         \
                                                       Keys,                        \
                                                       KeyCount};                   \
  }                                                                                 \
  extern "C" __attribute__((visibility("default"))) const ::ampd::PluginDescriptor* \
  ampd_plugin_descriptor() {                                                        \
    return &ampdPluginDescriptor_;                                                  \
  }

// Provides/Requires hold commas once expanded, so they are used here and never forwarded.
#define AMPD_PLUGIN(Class, Name, Version, Provides, Requires) \
  namespace {                                                 \
  const char* const ampdPluginProvides_[] = Provides;         \
  const char* const ampdPluginRequires_[] = Requires;         \
  }                                                           \
  AMPD_PLUGIN_DESCRIPTOR_(Class, Name, Version, nullptr, 0)

#define AMPD_PLUGIN_WITH_KEYS(Class, Name, Version, Provides, Requires, Keys) \
  namespace {                                                                 \
  const char* const ampdPluginProvides_[] = Provides;                         \
  const char* const ampdPluginRequires_[] = Requires;                         \
  }                                                                           \
  AMPD_PLUGIN_DESCRIPTOR_(Class, Name, Version, Keys, sizeof(Keys) / sizeof(::ampd::KeySpec))
