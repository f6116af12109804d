// The state file: what a running ampd publishes about itself for `ampd status` and `ampd psql`.
// `<amp dir>/ampd.state.json`, next to the amp-dir lock, mode 0600 (an external database URL
// may carry a password). Written atomically (temp file + rename) once every plugin has started,
// removed when ampd stops cleanly. The lock, not this file, says whether an ampd runs: a file
// left by a killed ampd is stale (see probeAmpd).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd/diagnostic.h>
#include <ampd/service_registry.h>

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace ampd::host {

/// The state file's name inside the amp dir.
inline constexpr const char* kStateFileName = "ampd.state.json";

/// What a running ampd recorded.
struct AmpdState {
  pid_t pid = 0;
  std::string startedAt;  ///< UTC, ISO 8601 ("2026-11-30T03:02:54Z")
  std::string version;    ///< ampd's version
  /// Published services by name ("metadata-db", "admin-api", "query-server"), as published.
  std::map<std::string, ServiceProperties> services;

  /// The properties of `service`, or an empty map.
  const ServiceProperties& service(const std::string& name) const;
  /// One property, or "" when absent.
  std::string property(const std::string& service, const std::string& key) const;
};

/// The state file could not be read or parsed; diagnostic() names the path.
class StateFileError : public std::runtime_error {
 public:
  explicit StateFileError(Diagnostic diagnostic)
      : std::runtime_error(diagnostic.primary), _diagnostic(std::move(diagnostic)) {}
  const Diagnostic& diagnostic() const { return _diagnostic; }

 private:
  Diagnostic _diagnostic;
};

/// The state file's path for `ampDir`.
std::filesystem::path stateFilePath(const std::filesystem::path& ampDir);
/// Writes `state` atomically (temp + fsync + rename). Throws StateFileError naming the path.
void writeStateFile(const std::filesystem::path& ampDir, const AmpdState& state);
/// Reads the state file; nothing when absent. Throws StateFileError when unreadable or malformed.
std::optional<AmpdState> readStateFile(const std::filesystem::path& ampDir);
/// Removes the state file (a missing file is fine); never throws.
void removeStateFile(const std::filesystem::path& ampDir) noexcept;

/// The current time as UTC ISO 8601.
std::string utcNow();

/// `url` with any password replaced by "****" ("postgresql://u:****@h/db"); other URLs as is.
std::string maskPassword(const std::string& url);

/// `url` without the password of its user info, and that password percent-decoded (nothing when
/// the URL has none): psql gets the password through PGPASSWORD, not its visible argv.
std::pair<std::string, std::optional<std::string>> splitPassword(const std::string& url);

/// Whether an ampd holds the amp-dir lock, and who (from the lock file), and what the state file
/// says. Probing takes a shared, non-blocking flock on `<amp dir>/ampd.lock` and drops it at once.
struct AmpdProbe {
  bool running = false;            ///< the amp-dir lock is held
  pid_t holderPid = 0;             ///< the pid in the lock file (0 when unknown)
  std::optional<AmpdState> state;  ///< the state file, when present
  /// A state file that does not belong to the running ampd (or nothing runs).
  bool staleState() const { return state && (!running || state->pid != holderPid); }
  /// The state of the running ampd, when it has written one.
  const AmpdState* liveState() const { return state && !staleState() ? &*state : nullptr; }
};
/// Probes `ampDir`. Throws StateFileError for an unreadable lock or state file.
AmpdProbe probeAmpd(const std::filesystem::path& ampDir);

}  // namespace ampd::host
