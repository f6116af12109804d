#include <managed_postgres/socket_dir.h>

#include <Poco/Logger.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <managed_postgres/postgres_command.h>

namespace managed_postgres {

namespace fs = std::filesystem;

fs::path socketFilePath(const fs::path& dir) {
  return dir / (".s.PGSQL." + std::to_string(kSocketPort));
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

SocketDir chooseSocketDir(const fs::path& dataDir, const fs::path& requested,
                          Poco::Logger& logger) {
  if (!requested.empty()) {
    const auto dir = fs::absolute(requested);
    if (socketFilePath(dir).string().size() > kMaxSocketPathLength)
      throw SocketDirError("socket directory " + dir.string() +
                           " is too long: " + socketFilePath(dir).string() + " exceeds the " +
                           std::to_string(kMaxSocketPathLength) +
                           "-byte Unix socket path limit.\nHint: choose a shorter socket "
                           "directory, or leave it unset to get a private one under /tmp.");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      throw SocketDirError("cannot create socket directory " + dir.string() + ": " + ec.message());
    return SocketDir(dir, false);
  }
  if (socketFilePath(dataDir).string().size() <= kMaxSocketPathLength)
    return SocketDir(dataDir, false);
  std::string pattern = "/tmp/ampd-pg-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr)  // mkdtemp creates it with mode 0700
    throw SocketDirError("cannot create socket directory " + pattern + ": " + std::strerror(errno));
  fs::path dir(buffer.data());
  logger.information("socket path " + socketFilePath(dataDir).string() + " would exceed the " +
                     std::to_string(kMaxSocketPathLength) +
                     "-byte Unix socket limit; using the private socket directory " + dir.string() +
                     " (mode 0700, removed at stop)");
  return SocketDir(dir, true);
}

}  // namespace managed_postgres
