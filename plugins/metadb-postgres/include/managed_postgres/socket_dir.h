// Where the server's Unix socket goes: the data dir when the socket path fits the kernel's
// limit (sun_path: 107 bytes plus NUL on Linux), else a short private directory under /tmp whose
// name is derived from the data dir, so a directory left behind by a killed owner is found and
// reused by the next start instead of piling up.
//
// Thread-safety: SocketDir is owned by one thread at a time; chooseSocketDir() is reentrant.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>

namespace Poco {
class Logger;
}

namespace managed_postgres {

/// The longest Unix socket path Linux accepts (sizeof(sockaddr_un::sun_path) - 1).
inline constexpr std::size_t kMaxSocketPathLength = 107;

/// `<dir>/.s.PGSQL.5432`, the socket file postgres creates in `dir`.
std::filesystem::path socketFilePath(const std::filesystem::path& dir);

/// The socket directory of one server. When it is a private runtime dir (temporary()), it is
/// removed by remove() or the destructor.
class SocketDir {
 public:
  SocketDir() = default;
  SocketDir(std::filesystem::path path, bool temporary)
      : _path(std::move(path)), _temporary(temporary) {}
  ~SocketDir() { remove(); }
  SocketDir(SocketDir&& other) noexcept;
  SocketDir& operator=(SocketDir&& other) noexcept;
  SocketDir(const SocketDir&) = delete;
  SocketDir& operator=(const SocketDir&) = delete;

  const std::filesystem::path& path() const { return _path; }
  bool temporary() const { return _temporary; }
  /// Removes a temporary dir and what is in it (idempotent; errors ignored: it is in /tmp).
  void remove() noexcept;

 private:
  std::filesystem::path _path;
  bool _temporary = false;
};

/// The private socket dir of `dataDir` (absolute): `/tmp/ampd-pg-<h>`, where <h> is the first 12
/// hex digits of the SHA-1 of the path. Deterministic, so a leftover is found again.
std::filesystem::path privateSocketDirFor(const std::filesystem::path& dataDir);

/// Chooses the socket dir for `dataDir`: `requested` when not empty (created if missing, used as
/// is), else `dataDir` when socketFilePath(dataDir) fits kMaxSocketPathLength, else
/// privateSocketDirFor(dataDir) (logged at information on `logger`).
///
/// The private dir is created with mode 0700. When it already exists (left behind by an owner
/// that was killed), it is reused only if lstat() shows a real directory (not a symlink) owned
/// by this process's effective uid (or by `alsoOwnedBy`, the run_as user it was handed to) with
/// mode exactly 0700; its stale `.s.PGSQL.5432` and `.s.PGSQL.5432.lock` are removed (the caller
/// holds the data dir lock and has dealt with any leftover server, so nobody else uses them).
/// Anything else is refused: a symlink or a directory planted by another user is never followed
/// or used.
///
/// Throws SocketDirError naming the path when a directory cannot be created, is refused, or the
/// requested one is too long.
SocketDir chooseSocketDir(const std::filesystem::path& dataDir,
                          const std::filesystem::path& requested, Poco::Logger& logger,
                          std::optional<uid_t> alsoOwnedBy = std::nullopt);

/// Raised by chooseSocketDir().
class SocketDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres
