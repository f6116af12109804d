#include "plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

namespace ampd::host {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFilePrefix = "ampd-";
constexpr const char* kFileSuffix = ".so";

std::vector<std::string> copyList(const char* const* list) {
  std::vector<std::string> result;
  if (list == nullptr) return result;
  for (; *list != nullptr; ++list) result.emplace_back(*list);
  return result;
}

std::string joined(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

/// Plugin files directly in `dir`, sorted by name; empty when `dir` is missing or unreadable.
std::vector<fs::path> pluginFilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return files;
  for (const auto& entry : it) {
    std::error_code typeError;
    if (!entry.is_regular_file(typeError)) continue;
    if (pluginNameOfFile(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

PluginLibrary::PluginLibrary(fs::path file, const PluginDescriptor* descriptor)
    : _file(std::move(file)), _descriptor(descriptor) {
  _facts.name = descriptor->name != nullptr ? descriptor->name : "";
  _facts.version = descriptor->version != nullptr ? descriptor->version : "";
  _facts.abiVersion = descriptor->abiVersion;
  _facts.providedServices = copyList(descriptor->providedServices);
  _facts.requiredServices = copyList(descriptor->requiredServices);
  if (descriptor->keys != nullptr)
    _facts.keys.assign(descriptor->keys, descriptor->keys + descriptor->keyCount);
}

PluginLibrary openPluginLibrary(const fs::path& file) {
  ::dlerror();
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    throw PluginLoadError({"cannot load plugin library " + quoted(file.string()),
                           error != nullptr ? error : "dlopen failed without a message.",
                           "Check that the file is a shared library built for this machine and "
                           "that the libraries it needs are installed."});
  }
  // From here on the handle is deliberately never closed (see the header comment).
  ::dlerror();
  void* symbol = ::dlsym(handle, kEntryPointName);
  if (symbol == nullptr) {
    throw PluginLoadError(
        {quoted(file.string()) + " is not an ampd plugin",
         std::string("The library does not export the entry point \"") + kEntryPointName + "\".",
         "A plugin defines its entry point with the AMPD_PLUGIN macro from <ampd/plugin.h>."});
  }
  const auto entryPoint = reinterpret_cast<PluginEntryPoint>(symbol);
  const PluginDescriptor* descriptor = entryPoint();
  if (descriptor == nullptr) {
    throw PluginLoadError(
        {quoted(file.string()) + " is not an ampd plugin",
         std::string("Its entry point \"") + kEntryPointName + "\" returned no descriptor.", ""});
  }
  // abiVersion is the first field and a plain uint32_t in every ABI version: read it before
  // anything else of the descriptor.
  const std::uint32_t abiVersion = descriptor->abiVersion;
  if (abiVersion != kAbiVersion) {
    throw PluginLoadError(
        {"plugin " + quoted(file.string()) + " was built for plugin ABI version " +
             std::to_string(abiVersion) + ", but this ampd requires ABI version " +
             std::to_string(kAbiVersion),
         "The plugin's ABI version is " + std::to_string(abiVersion) +
             "; the host's ABI version is " + std::to_string(kAbiVersion) + ".",
         "Rebuild the plugin against this ampd (the headers in host/include/ampd), or use the "
         "ampd it was built for."});
  }
  if (descriptor->name == nullptr || *descriptor->name == '\0' || descriptor->create == nullptr ||
      descriptor->destroy == nullptr) {
    throw PluginLoadError({quoted(file.string()) + " is not an ampd plugin",
                           "Its descriptor lacks a name, a create or a destroy function.", ""});
  }
  for (std::size_t i = 0; i < descriptor->keyCount && descriptor->keys != nullptr; ++i) {
    const KeySpec& key = descriptor->keys[i];
    if (key.name == nullptr || *key.name == '\0' || key.defaultValue == nullptr ||
        key.doc == nullptr)
      throw PluginLoadError(
          {"plugin " + quoted(file.string()) + " has a malformed key table",
           "Entry " + std::to_string(i) + " lacks a name, a default (\"\" for none) or a doc line.",
           "Fix the plugin's key table (see <ampd/settings.h>)."});
  }
  return PluginLibrary(file, descriptor);
}

std::string pluginFileName(const std::string& name) { return kFilePrefix + name + kFileSuffix; }

std::optional<std::string> pluginNameOfFile(const fs::path& file) {
  const std::string base = file.filename().string();
  const std::string prefix = kFilePrefix;
  const std::string suffix = kFileSuffix;
  if (base.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (base.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (base.compare(base.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  return base.substr(prefix.size(), base.size() - prefix.size() - suffix.size());
}

fs::path executableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path();
  return exe.parent_path();
}

std::vector<fs::path> pluginSearchDirs(const std::string& configuredDir,
                                       const std::optional<std::string>& pluginPathEnv,
                                       const fs::path& exeDir) {
  std::vector<fs::path> candidates;
  if (!configuredDir.empty()) candidates.emplace_back(configuredDir);
  if (pluginPathEnv) {
    std::size_t begin = 0;
    while (begin <= pluginPathEnv->size()) {
      auto end = pluginPathEnv->find(':', begin);
      if (end == std::string::npos) end = pluginPathEnv->size();
      if (end > begin) candidates.emplace_back(pluginPathEnv->substr(begin, end - begin));
      begin = end + 1;
    }
  }
  candidates.push_back(exeDir / AMPD_PLUGIN_RELDIR);

  std::vector<fs::path> dirs;
  std::set<fs::path> seen;
  for (const auto& candidate : candidates) {
    std::error_code ec;
    fs::path normal = fs::weakly_canonical(fs::absolute(candidate, ec), ec);
    if (ec) normal = candidate.lexically_normal();
    if (seen.insert(normal).second) dirs.push_back(normal);
  }
  return dirs;
}

PluginLocator::PluginLocator(std::vector<fs::path> dirs) : _dirs(std::move(dirs)) {}

fs::path PluginLocator::find(const std::string& name) const {
  const std::string fileName = pluginFileName(name);
  for (const auto& dir : _dirs) {
    std::error_code ec;
    const fs::path candidate = dir / fileName;
    if (fs::exists(candidate, ec)) return candidate;
  }
  std::string detail = "Looked for " + fileName + " in:";
  for (const auto& dir : _dirs) {
    std::error_code ec;
    detail += "\n  " + dir.string();
    if (!fs::is_directory(dir, ec)) {
      detail += " (does not exist)";
      continue;
    }
    std::vector<std::string> present;
    for (const auto& file : pluginFilesIn(dir)) present.push_back(*pluginNameOfFile(file));
    detail += present.empty() ? " (no plugins there)" : " (plugins there: " + joined(present) + ")";
  }
  throw PluginLoadError(
      {"plugin " + quoted(name) + " not found", detail,
       "Build and install the plugin, or point plugin_dir (config) or AMPD_PLUGIN_PATH at the "
       "folder that holds " +
           fileName + "."});
}

std::vector<fs::path> PluginLocator::allFiles() const {
  std::vector<fs::path> files;
  for (const auto& dir : _dirs) {
    auto inDir = pluginFilesIn(dir);
    files.insert(files.end(), inDir.begin(), inDir.end());
  }
  return files;
}

std::vector<PluginLibrary> loadPlugins(const PluginLocator& locator,
                                       const std::vector<std::string>& names) {
  std::set<std::string> listed;
  for (const auto& name : names) {
    if (!listed.insert(name).second)
      throw PluginLoadError({"plugin " + quoted(name) + " is listed twice in the plugin list",
                             "The plugin list is: " + joined(names) + ".",
                             "List each plugin once."});
  }
  std::vector<fs::path> files;
  files.reserve(names.size());
  for (const auto& name : names) files.push_back(locator.find(name));

  std::vector<PluginLibrary> libraries;
  std::map<std::string, fs::path> fileOfName;
  for (const auto& file : files) {
    PluginLibrary library = openPluginLibrary(file);
    const std::string& name = library.facts().name;
    const auto [it, inserted] = fileOfName.emplace(name, file);
    if (!inserted) {
      throw PluginLoadError({"two plugins are named " + quoted(name),
                             "Both " + quoted(it->second.string()) + " and " +
                                 quoted(file.string()) + " declare the plugin name " +
                                 quoted(name) + ".",
                             "Remove one of them from the plugin list, or give it its own name."});
    }
    libraries.push_back(std::move(library));
  }
  return libraries;
}

}  // namespace ampd::host
