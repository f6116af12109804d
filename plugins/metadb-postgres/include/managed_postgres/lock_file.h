// LockFile: an exclusive, process-lifetime lock on a file that records the holder's pid
// (flock(2), so the kernel releases it when the process dies, however it dies).
//
// Thread-safety: a LockFile is owned by one thread at a time; distinct objects are independent.
// Two LockFile objects on the same path exclude each other even within one process.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <stdexcept>

namespace managed_postgres {

class LockFile {
 public:
  /// Creates `path` if needed (mode 0644), takes an exclusive non-blocking flock on it and writes
  /// this process's pid into it. The descriptor is close-on-exec, so child processes never hold
  /// the lock. Throws LockFileInUseError when another holder has it, std::runtime_error naming the
  /// path on any other failure.
  explicit LockFile(const std::filesystem::path& path);
  /// Releases the lock (the file stays; its content is stale once unlocked).
  ~LockFile();
  LockFile(LockFile&& other) noexcept;
  LockFile& operator=(LockFile&& other) noexcept;
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

  const std::filesystem::path& path() const { return _path; }
  /// Releases the lock now (idempotent).
  void release();

 private:
  std::filesystem::path _path;
  int _fd = -1;
};

/// Raised by LockFile's constructor when the lock is held. holderPid() is the pid written by the
/// holder (0 when unreadable).
class LockFileInUseError : public std::runtime_error {
 public:
  LockFileInUseError(const std::string& message, pid_t holderPid)
      : std::runtime_error(message), _holderPid(holderPid) {}
  pid_t holderPid() const { return _holderPid; }

 private:
  pid_t _holderPid;
};

}  // namespace managed_postgres
