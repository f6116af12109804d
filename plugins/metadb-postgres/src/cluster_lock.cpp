#include <managed_postgres/cluster_lock.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace managed_postgres {

ClusterLock::ClusterLock(const std::filesystem::path& dataDir) : _dataDir(dataDir) {
  _fd = ::open(dataDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (_fd < 0)
    throw std::runtime_error("cannot open data directory " + dataDir.string() + ": " +
                             std::strerror(errno));
  if (::flock(_fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    ::close(_fd);
    _fd = -1;
    if (saved == EWOULDBLOCK)
      throw ClusterLockedError(
          "data directory " + dataDir.string() +
          " is in use by another owner (a running PostgresBuilder server in this or another "
          "process).\nHint: stop that server first, or use another data directory.");
    throw std::runtime_error("cannot lock data directory " + dataDir.string() + ": " +
                             std::strerror(saved));
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
