#include <ampd_toolkit/file_lock.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace ampd {

namespace {

pid_t readPid(int fd) {
  char buffer[32] = {};
  const ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (got <= 0) return 0;
  return static_cast<pid_t>(std::strtol(buffer, nullptr, 10));
}

/// Opens `path` with `flags` and takes the flock; returns the descriptor.
int openLocked(const std::filesystem::path& path, int flags, const char* what, bool readsPid) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int saved = errno;
    throw FileLockError(
        std::string("cannot open ") + what + " " + path.string() + ": " + std::strerror(saved),
        saved);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    const pid_t holder = readsPid ? readPid(fd) : 0;
    ::close(fd);
    if (saved == EWOULDBLOCK)
      throw FileLockBusyError(std::string(what) + " " + path.string() + " is locked" +
                                  (holder > 0 ? " by pid " + std::to_string(holder) : ""),
                              holder);
    throw FileLockError(
        std::string("cannot lock ") + what + " " + path.string() + ": " + std::strerror(saved),
        saved);
  }
  return fd;
}

}  // namespace

FileLock FileLock::onFile(const std::filesystem::path& path) {
  FileLock lock(path, openLocked(path, O_RDWR | O_CREAT, "lock file", true));
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock._fd, 0) != 0 ||
      ::pwrite(lock._fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int saved = errno;
    throw FileLockError("cannot write lock file " + path.string() + ": " + std::strerror(saved),
                        saved);
  }
  return lock;
}

FileLock FileLock::onDirectory(const std::filesystem::path& dir) {
  return FileLock(dir, openLocked(dir, O_RDONLY | O_DIRECTORY, "directory", false));
}

FileLock::~FileLock() { release(); }

FileLock::FileLock(FileLock&& other) noexcept
    : _path(std::move(other._path)), _fd(std::exchange(other._fd, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    _path = std::move(other._path);
    _fd = std::exchange(other._fd, -1);
  }
  return *this;
}

void FileLock::release() {
  if (_fd >= 0) {
    ::close(_fd);  // closing the only descriptor drops the flock
    _fd = -1;
  }
}

}  // namespace ampd
