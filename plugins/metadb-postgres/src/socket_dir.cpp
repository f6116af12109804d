#include <managed_postgres/socket_dir.h>

#include <Poco/DigestEngine.h>
#include <Poco/Logger.h>
#include <Poco/SHA1Engine.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include <managed_postgres/postgres_command.h>

namespace managed_postgres {

namespace fs = std::filesystem;

fs::path socketFilePath(const fs::path& dir) {
  return dir / (".s.PGSQL." + std::to_string(kSocketPort));
}

namespace {

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

/// Creates `dir` with mode 0700, or checks that the existing one may be reused (see
/// chooseSocketDir()). Returns true when it already existed.
bool createOrCheckPrivateDir(const fs::path& dir, std::optional<uid_t> alsoOwnedBy) {
  if (::mkdir(dir.c_str(), 0700) == 0) {
    // mkdir's mode is filtered by the umask; set it exactly. O_NOFOLLOW: /tmp is sticky, so
    // nobody else can replace the directory just made, but do not follow a link regardless.
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const bool ok = fd >= 0 && ::fchmod(fd, 0700) == 0;
    const int saved = errno;
    if (fd >= 0) ::close(fd);
    if (!ok)
      throw SocketDirError("cannot set mode 0700 on socket directory " + dir.string() + ": " +
                           std::strerror(saved));
    return false;
  }
  if (errno != EEXIST)
    throw SocketDirError("cannot create socket directory " + dir.string() + ": " +
                         std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0)
    throw SocketDirError("cannot inspect socket directory " + dir.string() + ": " +
                         std::strerror(errno));
  const auto refuse = [&](const std::string& why) {
    return SocketDirError(
        "refusing to use the private socket directory " + dir.string() + ": it already exists " +
        "and " + why +
        ".\nDETAIL: it was not created by this user, or it was changed; it is never followed or "
        "modified.\nHINT: if you know what it is, remove it (`rm -r " +
        dir.string() + "`), or set a socket directory of your own.");
  };
  if (S_ISLNK(st.st_mode)) throw refuse("is a symbolic link");
  if (!S_ISDIR(st.st_mode)) throw refuse("is not a directory");
  const uid_t me = ::geteuid();
  if (st.st_uid != me && !(alsoOwnedBy && st.st_uid == *alsoOwnedBy))
    throw refuse("is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                 std::to_string(me));
  if ((st.st_mode & 07777) != 0700) throw refuse("has mode " + octal(st.st_mode) + ", not 0700");
  return true;
}

}  // namespace

fs::path privateSocketDirFor(const fs::path& dataDir) {
  Poco::SHA1Engine sha1;
  sha1.update(dataDir.string());
  const auto hex = Poco::DigestEngine::digestToHex(sha1.digest());
  return fs::path("/tmp") / ("ampd-pg-" + hex.substr(0, 12));
}

SocketDir::SocketDir(SocketDir&& other) noexcept
    : _path(std::move(other._path)), _temporary(std::exchange(other._temporary, false)) {}

SocketDir& SocketDir::operator=(SocketDir&& other) noexcept {
  if (this != &other) {
    remove();
    _path = std::move(other._path);
    _temporary = std::exchange(other._temporary, false);
  }
  return *this;
}

void SocketDir::remove() noexcept {
  if (_temporary && !_path.empty()) {
    std::error_code ec;
    fs::remove_all(_path, ec);
  }
  _temporary = false;
}

SocketDir chooseSocketDir(const fs::path& dataDir, const fs::path& requested, Poco::Logger& logger,
                          std::optional<uid_t> alsoOwnedBy) {
  if (!requested.empty()) {
    const auto dir = fs::absolute(requested);
    if (socketFilePath(dir).string().size() > kMaxSocketPathLength)
      throw SocketDirError("socket directory " + dir.string() +
                           " is too long: " + socketFilePath(dir).string() + " exceeds the " +
                           std::to_string(kMaxSocketPathLength) +
                           "-byte Unix socket path limit.\nHINT: choose a shorter socket "
                           "directory, or leave it unset to get a private one under /tmp.");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      throw SocketDirError("cannot create socket directory " + dir.string() + ": " + ec.message());
    return SocketDir(dir, false);
  }
  if (socketFilePath(dataDir).string().size() <= kMaxSocketPathLength)
    return SocketDir(dataDir, false);
  const auto dir = privateSocketDirFor(dataDir);
  const bool existed = createOrCheckPrivateDir(dir, alsoOwnedBy);
  if (existed) {
    // Left by an owner that was killed; the caller holds the data dir lock and has stopped any
    // leftover server, so these are stale. Postgres would refuse a lock file naming a live PID.
    for (const auto& name : {socketFilePath(dir), fs::path(socketFilePath(dir).string() + ".lock")})
      if (::unlink(name.c_str()) == 0) logger.debug("removed stale " + name.string());
  }
  logger.information("socket path " + socketFilePath(dataDir).string() + " would exceed the " +
                     std::to_string(kMaxSocketPathLength) + "-byte Unix socket limit; using the " +
                     (existed ? "existing " : "") + "private socket directory " + dir.string() +
                     " (mode 0700, removed at stop)");
  return SocketDir(dir, true);
}

}  // namespace managed_postgres
