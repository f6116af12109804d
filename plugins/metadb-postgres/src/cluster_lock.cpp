#include <managed_postgres/cluster_lock.h>

#include <sys/stat.h>

#include <cstring>

namespace managed_postgres {

ClusterLock::ClusterLock(const std::filesystem::path& dataDir) : _dataDir(dataDir) {
  // A new cluster is renamed onto the data dir path (PostgresBuilder::start()), which replaces
  // the directory inode: a lock taken on the replaced inode would guard nothing. So the lock is
  // only kept when the path still names the locked directory afterwards; else it is retried.
  for (int attempt = 0;; ++attempt) {
    try {
      _lock = ampd::FileLock::onDirectory(dataDir);
    } catch (const ampd::FileLockBusyError&) {
      throw ClusterLockedError(
          "data directory " + dataDir.string() +
          " is in use by another owner (a running PostgresBuilder server in this or another "
          "process).\nHINT: stop that server first, or use another data directory.");
    } catch (const ampd::FileLockError& e) {
      throw std::runtime_error("cannot lock data directory " + dataDir.string() + ": " +
                               std::strerror(e.errorNumber()));
    }
    struct stat locked {};
    struct stat named {};
    if (::fstat(_lock.fd(), &locked) == 0 && ::stat(dataDir.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino)
      return;
    release();
    if (attempt == 2)
      throw ClusterLockedError("data directory " + dataDir.string() +
                               " was replaced while it was being locked (another owner is "
                               "creating a cluster there).\nHINT: try again.");
  }
}

}  // namespace managed_postgres
