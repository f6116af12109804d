// Finding and loading plugin libraries.
//
// Plugin <name> is the file ampd-<name>.so. It is searched in, in order: the configured
// plugin_dir, each folder of AMPD_PLUGIN_PATH (colon-separated), then <exe dir>/AMPD_PLUGIN_RELDIR
// (which is lib/ampd/plugins both in the build tree and in the installed tree). The first match
// wins. Libraries are opened with RTLD_NOW | RTLD_LOCAL; the descriptor's ABI version is read
// before anything else of the plugin is called, and a mismatch is refused. Libraries are never
// unloaded: objects, threads or logger channels made by a plugin may live until process exit.
//
// Thread-safety: PluginLocator is immutable after construction (const methods may be called
// concurrently). PluginLibrary is a value; openPluginLibrary/loadPlugins may be called from any
// thread (dlopen is thread-safe), but the host calls them from main only.
#pragma once

#include <ampd/plugin.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <ampd/diagnostic.h>
#include "plugin_facts.h"

namespace ampd::host {

/// A plugin that cannot be used: not found, not a plugin, ABI mismatch, dlopen failure, or
/// two plugins with one name. ampd reports diagnostic() and exits 2 before starting anything.
class PluginLoadError : public std::runtime_error {
 public:
  explicit PluginLoadError(Diagnostic diagnostic)
      : std::runtime_error(diagnostic.format()), _diagnostic(std::move(diagnostic)) {}
  const Diagnostic& diagnostic() const { return _diagnostic; }

 private:
  Diagnostic _diagnostic;
};

/// An opened plugin library with a verified ABI version. Never closed.
class PluginLibrary {
 public:
  /// The library file (as found in the search path).
  const std::filesystem::path& file() const { return _file; }
  /// The plugin's descriptor (static data inside the library).
  const PluginDescriptor& descriptor() const { return *_descriptor; }
  /// The descriptor's facts as host-owned strings.
  const PluginFacts& facts() const { return _facts; }

 private:
  friend PluginLibrary openPluginLibrary(const std::filesystem::path& file);
  PluginLibrary(std::filesystem::path file, const PluginDescriptor* descriptor);

  std::filesystem::path _file;
  const PluginDescriptor* _descriptor;
  PluginFacts _facts;
};

/// Opens `file`, finds the entry point, checks the ABI version. Throws PluginLoadError.
PluginLibrary openPluginLibrary(const std::filesystem::path& file);

/// The file name of plugin `name`: "ampd-<name>.so".
std::string pluginFileName(const std::string& name);

/// The plugin name of a file "ampd-<name>.so", or nothing for any other file name.
std::optional<std::string> pluginNameOfFile(const std::filesystem::path& file);

/// The folder holding the running executable (from /proc/self/exe).
std::filesystem::path executableDir();

/// The search folders in order, duplicates removed: `configuredDir` (if non-empty), each entry
/// of `pluginPathEnv` (empty entries skipped), then `exeDir / AMPD_PLUGIN_RELDIR`.
std::vector<std::filesystem::path> pluginSearchDirs(const std::string& configuredDir,
                                                    const std::optional<std::string>& pluginPathEnv,
                                                    const std::filesystem::path& exeDir);

/// Finds plugin files in a fixed list of folders.
class PluginLocator {
 public:
  explicit PluginLocator(std::vector<std::filesystem::path> dirs);

  /// The folders searched, in order.
  const std::vector<std::filesystem::path>& dirs() const { return _dirs; }

  /// The first ampd-<name>.so in the search folders. Throws PluginLoadError listing every
  /// folder searched and the plugins that exist there.
  std::filesystem::path find(const std::string& name) const;

  /// Every ampd-*.so in the search folders: folders in search order, files sorted by name.
  /// Files shadowed by an earlier folder are included.
  std::vector<std::filesystem::path> allFiles() const;

 private:
  std::vector<std::filesystem::path> _dirs;
};

/// Finds and opens each named plugin. Throws PluginLoadError (the first problem found; also
/// when two of them declare the same plugin name, or a name is listed twice).
std::vector<PluginLibrary> loadPlugins(const PluginLocator& locator,
                                       const std::vector<std::string>& names);

}  // namespace ampd::host
