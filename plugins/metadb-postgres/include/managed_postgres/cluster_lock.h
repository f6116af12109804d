// ClusterLock: an exclusive lock on a data directory itself (flock(2) on the directory), held by
// the owner of a running server. The lock is on the directory inode; the constructor keeps it
// only if the path still names that inode once locked (a directory replaced by rename(2) meanwhile
// is locked again, up to three times). It makes leftover-server handling safe: a postgres found
// serving a locked data dir belongs to a live owner and is never treated as an orphan.
//
// The flock itself is held by the toolkit's ampd::FileLock (ampd_toolkit/file_lock.h).
//
// Thread-safety: owned by one thread at a time; distinct objects are independent.
#pragma once

#include <ampd_toolkit/file_lock.h>

#include <filesystem>
#include <stdexcept>
#include <utility>

namespace managed_postgres {

class ClusterLock {
 public:
  /// Locks the existing directory `dataDir` (close-on-exec descriptor, non-blocking). Throws
  /// ClusterLockedError when another owner holds it, std::runtime_error naming the path otherwise.
  explicit ClusterLock(const std::filesystem::path& dataDir);
  ~ClusterLock() = default;
  ClusterLock(ClusterLock&& other) noexcept = default;
  ClusterLock& operator=(ClusterLock&& other) noexcept = default;
  ClusterLock(const ClusterLock&) = delete;
  ClusterLock& operator=(const ClusterLock&) = delete;

  /// Releases the lock now (idempotent).
  void release() { _lock.release(); }

  /// Records that the locked directory was renamed to `path` (rename(2) keeps the inode, so the
  /// lock follows it). Used when a new cluster, built and locked under a temporary name, is
  /// renamed onto the data dir path.
  void renamedTo(std::filesystem::path path) { _dataDir = std::move(path); }
  /// The locked directory.
  const std::filesystem::path& path() const { return _dataDir; }

 private:
  std::filesystem::path _dataDir;
  ampd::FileLock _lock;
};

/// Raised by ClusterLock: another owner (in this or another process) runs this data dir.
class ClusterLockedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres
