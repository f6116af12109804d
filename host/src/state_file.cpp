#include "state_file.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "amp_dir_lock.h"

namespace ampd::host {

namespace fs = std::filesystem;

namespace {

StateFileError fileError(const std::string& what, const fs::path& path, const std::string& why) {
  return StateFileError(
      Diagnostic{"cannot " + what + " state file " + path.string() + ": " + why, "", ""});
}

std::string toJson(const AmpdState& state) {
  Poco::JSON::Object root;
  root.set("pid", static_cast<Poco::Int64>(state.pid));
  root.set("started_at", state.startedAt);
  root.set("version", state.version);
  Poco::JSON::Object services;
  for (const auto& [name, properties] : state.services) {
    Poco::JSON::Object object;
    for (const auto& [key, value] : properties) object.set(key, value);
    services.set(name, object);
  }
  root.set("services", services);
  std::ostringstream out;
  root.stringify(out, 2);
  out << "\n";
  return out.str();
}

AmpdState fromJson(const std::string& text) {
  const auto root = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  AmpdState state;
  state.pid = static_cast<pid_t>(root->getValue<Poco::Int64>("pid"));
  state.startedAt = root->optValue<std::string>("started_at", "");
  state.version = root->optValue<std::string>("version", "");
  const auto services = root->getObject("services");
  if (!services) return state;
  for (const auto& [name, value] : *services) {
    const auto object = value.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [key, property] : *object) state.services[name][key] = property.toString();
  }
  return state;
}

/// Masks the value of every "password=" query parameter.
std::string maskQueryPassword(std::string url) {
  for (auto at = url.find("password="); at != std::string::npos;
       at = url.find("password=", at + 1)) {
    const auto begin = at + 9;
    const auto end = url.find('&', begin);
    url.replace(begin, (end == std::string::npos ? url.size() : end) - begin, "****");
  }
  return url;
}

}  // namespace

const ServiceProperties& AmpdState::service(const std::string& name) const {
  static const ServiceProperties kNone;
  const auto it = services.find(name);
  return it == services.end() ? kNone : it->second;
}

std::string AmpdState::property(const std::string& serviceName, const std::string& key) const {
  const auto& properties = service(serviceName);
  const auto it = properties.find(key);
  return it == properties.end() ? std::string() : it->second;
}

fs::path stateFilePath(const fs::path& ampDir) { return ampDir / kStateFileName; }

void writeStateFile(const fs::path& ampDir, const AmpdState& state) {
  const auto path = stateFilePath(ampDir);
  const auto temp = fs::path(path.string() + ".tmp." + std::to_string(::getpid()));
  const std::string text = toJson(state);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw fileError("write", temp, std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = written ? errno : saved;
    ::unlink(temp.c_str());
    throw fileError("write", path, std::strerror(error));
  }
}

std::optional<AmpdState> readStateFile(const fs::path& ampDir) {
  const auto path = stateFilePath(ampDir);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw fileError("read", path, std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return fromJson(text.str());
  } catch (const Poco::Exception& e) {
    throw fileError("parse", path, e.displayText());
  } catch (const std::exception& e) {
    throw fileError("parse", path, e.what());
  }
}

void removeStateFile(const fs::path& ampDir) noexcept {
  std::error_code ignored;
  fs::remove(stateFilePath(ampDir), ignored);
}

std::string utcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string maskPassword(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return maskQueryPassword(url);
  const auto authority = scheme + 3;
  const auto at = url.find('@', authority);
  const auto slash = url.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && slash < at))
    return maskQueryPassword(url);
  const auto colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return maskQueryPassword(url);
  return maskQueryPassword(url.substr(0, colon + 1) + "****" + url.substr(at));
}

std::pair<std::string, std::optional<std::string>> splitPassword(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {url, std::nullopt};
  const auto authority = scheme + 3;
  const auto at = url.find('@', authority);
  const auto slash = url.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return {url, {}};
  const auto colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return {url, std::nullopt};
  std::string password;
  for (std::size_t i = colon + 1; i < at; ++i) {
    if (url[i] == '%' && i + 2 < at) {
      password += static_cast<char>(std::stoi(url.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      password += url[i];
    }
  }
  return {url.substr(0, colon) + url.substr(at), password};
}

AmpdProbe probeAmpd(const fs::path& ampDir) {
  AmpdProbe probe;
  const auto lockPath = ampDir / kAmpDirLockName;
  const int fd = ::open(lockPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) throw fileError("open", lockPath, std::strerror(errno));
  if (fd >= 0) {
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
      probe.running = errno == EWOULDBLOCK;
      char buffer[32] = {};
      if (::pread(fd, buffer, sizeof buffer - 1, 0) > 0)
        probe.holderPid = static_cast<pid_t>(std::strtol(buffer, nullptr, 10));
    }
    ::close(fd);  // drops the shared lock, if taken
  }
  probe.state = readStateFile(ampDir);
  return probe;
}

}  // namespace ampd::host
