// FileLock: an exclusive, non-blocking flock(2) held for the lifetime of the object — the one
// flock holder of the code base. The kernel releases it when the process dies, however it dies;
// the descriptor is close-on-exec, so child processes never hold it. Two FileLock objects on the
// same path exclude each other even within one process (each opens its own description).
//
// Two kinds: onFile() creates a lock file and records the holder's pid in it (the host's
// `<amp dir>/ampd.lock`); onDirectory() locks a directory's inode (managed_postgres' data dir).
//
// Thread-safety: a FileLock is owned by one thread at a time; distinct objects are independent.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace ampd {

/// Raised when another holder has the lock. holderPid() is the pid the holder wrote (0 when
/// unknown: unreadable, or a directory lock).
class FileLockBusyError : public std::runtime_error {
 public:
  FileLockBusyError(const std::string& message, pid_t holderPid)
      : std::runtime_error(message), _holderPid(holderPid) {}
  pid_t holderPid() const { return _holderPid; }

 private:
  pid_t _holderPid;
};

/// Raised when the lock cannot be taken for another reason (open or write failed); what() names
/// the path and the reason, errorNumber() is the errno.
class FileLockError : public std::runtime_error {
 public:
  FileLockError(const std::string& message, int errorNumber)
      : std::runtime_error(message), _errorNumber(errorNumber) {}
  int errorNumber() const { return _errorNumber; }

 private:
  int _errorNumber;
};

class FileLock {
 public:
  /// Creates `path` if needed (mode 0644), locks it and writes this process's pid into it.
  /// Throws FileLockBusyError or FileLockError.
  static FileLock onFile(const std::filesystem::path& path);
  /// Locks the existing directory `dir` (its inode). Throws FileLockBusyError or FileLockError.
  static FileLock onDirectory(const std::filesystem::path& dir);

  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  /// The locked path.
  const std::filesystem::path& path() const { return _path; }
  /// Whether the lock is held.
  bool held() const { return _fd >= 0; }
  /// The locked descriptor (for fstat and the like), or -1.
  int fd() const { return _fd; }
  /// Releases the lock now (idempotent). A lock file stays; its content is stale once unlocked.
  void release();

 private:
  FileLock(std::filesystem::path path, int fd) : _path(std::move(path)), _fd(fd) {}

  std::filesystem::path _path;
  int _fd = -1;
};

}  // namespace ampd
