// Where the server's Unix socket goes: the data dir when the socket path fits the kernel's
// limit (sun_path: 107 bytes plus NUL on Linux), else a short private directory under /tmp.
//
// Thread-safety: SocketDir is owned by one thread at a time; chooseSocketDir() is reentrant.
#pragma once

#include <cstddef>
#include <filesystem>
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

/// Chooses the socket dir for `dataDir`: `requested` when not empty (created if missing, used as
/// is), else `dataDir` when socketFilePath(dataDir) fits kMaxSocketPathLength, else a new
/// mkdtemp directory `/tmp/ampd-pg-XXXXXX` (mode 0700; logged at information on `logger`).
/// Throws SocketDirError naming the path when a directory cannot be created or the requested
/// one is too long.
SocketDir chooseSocketDir(const std::filesystem::path& dataDir,
                          const std::filesystem::path& requested, Poco::Logger& logger);

/// Raised by chooseSocketDir().
class SocketDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres
