// TemplateCache: pristine clusters made by initdb, kept per user, so a new data dir is a copy
// instead of an initdb (about a tenth of the time).
//
// A template is keyed by everything that decides initdb's output (templateKey()): the major
// version, the binary's full version string, the sorted initdb arguments (locale and encoding
// among them) and kTemplateFormat. Layout under the cache root (default
// `$XDG_CACHE_HOME/ampd/templates`, see defaultTemplateCacheDir()):
//
//   <root>/<key>/cluster/    the data directory, exactly as initdb left it
//   <root>/<key>/manifest    every entry with its mode, size and checksum (cluster_files.h)
//   <root>/<key>/key         the key's text (what the name is a hash of), for people
//   <root>/<key>.lock        flock(2): shared while a template is copied, exclusive while made
//   <root>/.<key>.tmp-<pid>  a template being made (renamed onto <key> when complete)
//
// Made atomically, one of two ways: make() runs a separate initdb (given as a callback) into
// the temp dir, which is what ampd does in the background after the first start (the started
// cluster's own files change from its first start on, so they are not a consistent copy);
// store() copies a fresh, never-started cluster into it. Either way the manifest (sizes and
// checksums) is written last, then rename(2). An interrupted make() (ampd stopped, killed, or
// initdb failed) leaves at most the temp dir, which the next make() or store() removes. The files
// are not fsynced (a thousand fsyncs cost seconds on the first start): every use verifies every
// checksum, so a template damaged by a crash before its data reached the disk is detected and made
// again, never used. A template whose manifest is missing, unparsable, or does not match the files
// (sizes, checksums, an extra or missing file) is never used: it is replaced by the next store().
// Two processes racing to make the same template are safe: the second finds the first's under the
// exclusive lock and keeps it.
//
// Identity: every cluster copied from one template shares its system identifier (pg_control).
// That only matters when WAL or base backups of two clusters are mixed (a standby or an archive
// checks it); local development clusters are never replicated into one another, so copies keep
// it, and no `pg_resetwal -s` runs (it would cost an exec and is not needed).
//
// Thread-safety: a TemplateCache is used by one thread; several processes may share a root.
#pragma once

#include <Poco/Logger.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace managed_postgres {

/// Bumped whenever the template layout or what a template holds changes.
inline constexpr int kTemplateFormat = 1;

struct TemplateKey {
  std::string name;  ///< directory name: "pg<major>-<16 hex digits>"
  std::string text;  ///< what `name` is a hash of, one fact a line
};

/// The key of the cluster that `initdb <initdbArgs>` makes with the binaries of `version`
/// (`postgres --version`'s output) and major version `major`. `initdbArgs` are initdb's
/// arguments without the data directory (-D and its value are dropped if present); they are
/// sorted, so their order does not matter.
TemplateKey templateKey(const std::string& version, const std::string& major,
                        std::vector<std::string> initdbArgs);

/// `$XDG_CACHE_HOME/ampd/templates`, else `$HOME/.cache/ampd/templates`; nullopt when neither
/// variable is set (absolute).
std::optional<std::filesystem::path> defaultTemplateCacheDir();

class TemplateCache {
 public:
  /// Nothing is created until copyTo() or store() needs it.
  TemplateCache(std::filesystem::path root, Poco::Logger& logger);

  const std::filesystem::path& root() const { return _root; }

  /// Copies the template `key` into `target` (an existing empty directory) after verifying it.
  /// Returns false, with `target` left empty, when there is no valid template (a corrupt one is
  /// logged). Throws TemplateCacheError (naming the path) when the cache cannot be used at all.
  bool copyTo(const TemplateKey& key, const std::filesystem::path& target);

  /// Makes `cluster` (fresh from initdb, never started) the template `key`, unless a valid one
  /// is already there. Throws TemplateCacheError (naming the path); nothing half made is left.
  void store(const TemplateKey& key, const std::filesystem::path& cluster);

  /// Runs `initdb(dir)` (which must fill the empty directory `dir` with a new cluster, or throw)
  /// and makes the result the template `key`. Returns false, doing nothing, when a valid template
  /// is there already or another process holds the template's lock (it is making it). Exceptions
  /// of `initdb` are passed on after the temp dir is removed; other failures throw
  /// TemplateCacheError (naming the path). Nothing half made is ever left under `<key>`.
  bool make(const TemplateKey& key,
            const std::function<void(const std::filesystem::path& dir)>& initdb);

  /// Cheap checks that make() can work (the root can be created and a lock file opened in it);
  /// throws TemplateCacheError naming the path otherwise.
  void prepare();

  /// True when the root holds at least one template folder (of any key): without one, copyTo()
  /// cannot succeed, so a caller need not compute the key (which waits for the binary's version).
  bool holdsTemplates() const;

 private:
  std::filesystem::path _root;
  Poco::Logger& _log;
};

/// The cache root or a template in it cannot be created, locked, read or written.
class TemplateCacheError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres
