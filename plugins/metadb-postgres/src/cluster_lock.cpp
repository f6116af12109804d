#include <managed_postgres/cluster_lock.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace managed_postgres {

ClusterLock::ClusterLock(const std::filesystem::path& dataDir) : _dataDir(dataDir) {
  // A new cluster is renamed onto the data dir path (PostgresBuilder::start()), which replaces
  // the directory inode: a lock taken on the replaced inode would guard nothing. So the lock is
  // only kept when the path still names the locked directory afterwards; else it is retried.
  for (int attempt = 0;; ++attempt) {
    _fd = ::open(dataDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (_fd < 0)
      throw std::runtime_error("cannot open data directory " + dataDir.string() + ": " +
                               std::strerror(errno));
    if (::flock(_fd, LOCK_EX | LOCK_NB) != 0) {
      const int saved = errno;
      release();
      if (saved == EWOULDBLOCK)
        throw ClusterLockedError(
            "data directory " + dataDir.string() +
            " is in use by another owner (a running PostgresBuilder server in this or another "
            "process).\nHint: stop that server first, or use another data directory.");
      throw std::runtime_error("cannot lock data directory " + dataDir.string() + ": " +
                               std::strerror(saved));
    }
    struct stat locked {};
    struct stat named {};
    if (::fstat(_fd, &locked) == 0 && ::stat(dataDir.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino)
      return;
    release();
    if (attempt == 2)
      throw ClusterLockedError("data directory " + dataDir.string() +
                               " was replaced while it was being locked (another owner is "
                               "creating a cluster there).\nHint: try again.");
  }
}

ClusterLock::~ClusterLock() { release(); }

ClusterLock::ClusterLock(ClusterLock&& other) noexcept
    : _dataDir(std::move(other._dataDir)), _fd(std::exchange(other._fd, -1)) {}

ClusterLock& ClusterLock::operator=(ClusterLock&& other) noexcept {
  if (this != &other) {
    release();
    _dataDir = std::move(other._dataDir);
    _fd = std::exchange(other._fd, -1);
  }
  return *this;
}

void ClusterLock::release() {
  if (_fd >= 0) {
    ::close(_fd);
    _fd = -1;
  }
}

}  // namespace managed_postgres
