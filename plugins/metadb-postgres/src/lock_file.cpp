#include <managed_postgres/lock_file.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace managed_postgres {

namespace {
pid_t readPid(int fd) {
  char buffer[32] = {};
  const ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (got <= 0) return 0;
  return static_cast<pid_t>(std::strtol(buffer, nullptr, 10));
}
}  // namespace

LockFile::LockFile(const std::filesystem::path& path) : _path(path) {
  _fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (_fd < 0)
    throw std::runtime_error("cannot open lock file " + path.string() + ": " +
                             std::strerror(errno));
  if (::flock(_fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    const pid_t holder = readPid(_fd);
    ::close(_fd);
    _fd = -1;
    if (saved == EWOULDBLOCK)
      throw LockFileInUseError(path.string() + " is locked by pid " + std::to_string(holder),
                               holder);
    throw std::runtime_error("cannot lock " + path.string() + ": " + std::strerror(saved));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(_fd, 0) != 0 ||
      ::pwrite(_fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int saved = errno;
    release();
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(saved));
  }
}

LockFile::~LockFile() { release(); }

LockFile::LockFile(LockFile&& other) noexcept
    : _path(std::move(other._path)), _fd(std::exchange(other._fd, -1)) {}

LockFile& LockFile::operator=(LockFile&& other) noexcept {
  if (this != &other) {
    release();
    _path = std::move(other._path);
    _fd = std::exchange(other._fd, -1);
  }
  return *this;
}

void LockFile::release() {
  if (_fd >= 0) {
    ::close(_fd);  // closing the only descriptor drops the flock
    _fd = -1;
  }
}

}  // namespace managed_postgres
