#include <managed_postgres/template_cache.h>

#include <Poco/SHA1Engine.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "cluster_files.h"

namespace managed_postgres {

namespace fs = std::filesystem;

namespace {

unsigned copyThreads() { return std::clamp(std::thread::hardware_concurrency(), 2u, 8u); }

long long msSince(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

/// flock(2) on `<root>/<key>.lock`, held for the object's life.
class TemplateLock {
 public:
  /// With `wait` false an exclusive lock held elsewhere is not waited for: locked() is false.
  TemplateLock(const fs::path& file, bool exclusive, bool wait = true) {
    _fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (_fd < 0 && !exclusive) _fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);  // read-only
    if (_fd < 0)
      throw TemplateCacheError("cannot open the template lock " + file.string() + ": " +
                               std::strerror(errno));
    int r;
    const int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
    while ((r = ::flock(_fd, op)) != 0 && errno == EINTR) {
    }
    if (r != 0 && errno == EWOULDBLOCK && !wait) {
      _locked = false;
      return;
    }
    if (r != 0) {
      const int saved = errno;
      ::close(_fd);
      throw TemplateCacheError("cannot lock " + file.string() + ": " + std::strerror(saved));
    }
  }
  ~TemplateLock() { ::close(_fd); }
  TemplateLock(const TemplateLock&) = delete;
  TemplateLock& operator=(const TemplateLock&) = delete;
  bool locked() const { return _locked; }

 private:
  int _fd = -1;
  bool _locked = true;
};

std::optional<std::string> readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFileSynced(const fs::path& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw TemplateCacheError("cannot create " + file.string() + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) throw TemplateCacheError("cannot write " + file.string() + ": " + std::strerror(saved));
}

/// The verified manifest of the template at `dir`, or why it is not usable.
struct Checked {
  std::optional<std::vector<detail::ClusterEntry>> entries;
  std::string problem;  ///< empty: there is no template at all
};

Checked checkTemplate(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  const auto text = readFile(dir / "manifest");
  if (!text) return {std::nullopt, "it has no manifest (it was not completed)"};
  auto entries = detail::parseManifest(*text);
  if (!entries)
    return {std::nullopt, "its manifest " + (dir / "manifest").string() + " is damaged"};
  try {
    auto problem = detail::verifyTree(dir / "cluster", *entries, copyThreads());
    if (!problem.empty()) return {std::nullopt, problem};
  } catch (const detail::ClusterFilesError& e) {
    return {std::nullopt, e.what()};
  }
  return {std::move(entries), ""};
}

void removeTree(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) throw TemplateCacheError("cannot remove " + dir.string() + ": " + ec.message());
}

/// Removes what a made-but-unfinished template left (`.<key>.tmp-*`, `.<key>.old-*`). Called
/// under the exclusive lock, so none of them belongs to a live process.
void removeLeftovers(const fs::path& root, const std::string& name) {
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const auto file = it->path().filename().string();
    if (file.rfind("." + name + ".tmp-", 0) == 0 || file.rfind("." + name + ".old-", 0) == 0)
      removeTree(it->path());
  }
}

fs::path tempDirFor(const fs::path& root, const TemplateKey& key) {
  return root / ("." + key.name + ".tmp-" + std::to_string(::getpid()));
}

/// Writes the key and (last: marks it complete) the manifest into `temp`, then renames it onto
/// the template's name; a broken template there is moved aside and removed first. Called under
/// the exclusive lock.
void publish(const fs::path& root, const TemplateKey& key, const fs::path& temp,
             const std::vector<detail::ClusterEntry>& entries) {
  const auto dir = root / key.name;
  writeFileSynced(temp / "key", key.text);
  writeFileSynced(temp / "manifest", detail::manifestText(entries));
  std::error_code ec;
  if (fs::exists(dir, ec)) {  // rename(2) needs the name free
    const auto old = root / ("." + key.name + ".old-" + std::to_string(::getpid()));
    fs::rename(dir, old);
    removeTree(old);
  }
  fs::rename(temp, dir);
}

}  // namespace

TemplateKey templateKey(const std::string& version, const std::string& major,
                        std::vector<std::string> initdbArgs) {
  for (std::size_t i = 0; i < initdbArgs.size();) {
    if (initdbArgs[i] == "-D" || initdbArgs[i] == "--pgdata") {
      initdbArgs.erase(
          initdbArgs.begin() + static_cast<std::ptrdiff_t>(i),
          initdbArgs.begin() + static_cast<std::ptrdiff_t>(std::min(i + 2, initdbArgs.size())));
    } else if (initdbArgs[i].rfind("--pgdata=", 0) == 0) {
      initdbArgs.erase(initdbArgs.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  // A value that follows its flag (`-U postgres`) stays with it: the pairs are sorted.
  std::vector<std::string> grouped;
  for (const auto& arg : initdbArgs) {
    if (!grouped.empty() && !arg.empty() && arg.front() != '-' && !grouped.back().empty() &&
        grouped.back().front() == '-' && grouped.back().find('=') == std::string::npos)
      grouped.back() += " " + arg;
    else
      grouped.push_back(arg);
  }
  initdbArgs = std::move(grouped);
  std::sort(initdbArgs.begin(), initdbArgs.end());
  std::string text = "format " + std::to_string(kTemplateFormat) + "\nmajor " + major +
                     "\nversion " + version + "\n";
  for (const auto& arg : initdbArgs) text += "initdb " + arg + "\n";
  Poco::SHA1Engine sha;
  sha.update(text);
  return {"pg" + major + "-" + Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 16), text};
}

std::optional<fs::path> defaultTemplateCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return fs::path(xdg) / "ampd" / "templates";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return fs::path(home) / ".cache" / "ampd" / "templates";
  return std::nullopt;
}

TemplateCache::TemplateCache(fs::path root, Poco::Logger& logger)
    : _root(std::move(root)), _log(logger) {}

bool TemplateCache::copyTo(const TemplateKey& key, const fs::path& target) {
  const auto dir = _root / key.name;
  std::error_code ec;
  if (!fs::exists(dir / "manifest", ec) && !fs::exists(dir, ec)) return false;  // fast path
  const auto begin = std::chrono::steady_clock::now();
  TemplateLock lock(_root / (key.name + ".lock"), false);
  const auto checked = checkTemplate(dir);
  if (!checked.entries) {
    if (!checked.problem.empty())
      _log.warning("template " + dir.string() + " is not used: " + checked.problem +
                   "; it is made again from this run's initdb");
    return false;
  }
  try {
    detail::copyTree(dir / "cluster", target, *checked.entries, copyThreads(), false);
  } catch (const detail::ClusterFilesError& e) {
    for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec))
      fs::remove_all(it->path(), ec);
    throw TemplateCacheError(std::string("cannot copy the template: ") + e.what());
  }
  _log.information("new cluster copied from template " + dir.string() + " in " +
                   std::to_string(msSince(begin)) + " ms (no initdb)");
  return true;
}

void TemplateCache::store(const TemplateKey& key, const fs::path& cluster) {
  const auto begin = std::chrono::steady_clock::now();
  prepare();
  TemplateLock lock(_root / (key.name + ".lock"), true);
  const auto dir = _root / key.name;
  removeLeftovers(_root, key.name);
  if (checkTemplate(dir).entries) return;  // another process made it meanwhile
  const auto temp = tempDirFor(_root, key);
  try {
    const auto entries = detail::scanTree(cluster);
    fs::create_directories(temp / "cluster");
    // Not fsynced: an fsync per file (about a thousand) took ~3 s and one syncfs(2) ~1 s on a
    // busy disk, on the first start. Crash safety comes from the checksums instead: every use
    // verifies every file, so a template whose content did not reach the disk is never used.
    detail::copyTree(cluster, temp / "cluster", entries, copyThreads(), false);
    publish(_root, key, temp, entries);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(temp, ec);
    throw TemplateCacheError("cannot make the template " + dir.string() + ": " + e.what());
  }
  _log.information("made template " + dir.string() + " from the new cluster in " +
                   std::to_string(msSince(begin)) + " ms");
}

bool TemplateCache::make(const TemplateKey& key,
                         const std::function<void(const fs::path&)>& initdb) {
  const auto begin = std::chrono::steady_clock::now();
  prepare();
  TemplateLock lock(_root / (key.name + ".lock"), true, false);
  const auto dir = _root / key.name;
  if (!lock.locked()) {
    _log.information("template " + dir.string() + " is being made by another process");
    return false;
  }
  removeLeftovers(_root, key.name);
  if (checkTemplate(dir).entries) {
    _log.information("template " + dir.string() + " was made meanwhile by another process");
    return false;
  }
  const auto temp = tempDirFor(_root, key);
  std::error_code ec;
  try {
    fs::create_directories(temp / "cluster");
    fs::permissions(temp / "cluster", fs::perms::owner_all, fs::perm_options::replace);
  } catch (const std::exception& e) {
    fs::remove_all(temp, ec);
    throw TemplateCacheError("cannot make the template " + dir.string() + ": " + e.what());
  }
  try {
    initdb(temp / "cluster");
  } catch (...) {
    fs::remove_all(temp, ec);  // best effort: a leftover is removed by the next make()/store()
    throw;
  }
  try {
    publish(_root, key, temp, detail::scanTree(temp / "cluster"));
  } catch (const std::exception& e) {
    fs::remove_all(temp, ec);
    throw TemplateCacheError("cannot make the template " + dir.string() + ": " + e.what());
  }
  _log.information("made template " + dir.string() + " by a background initdb in " +
                   std::to_string(msSince(begin)) + " ms");
  return true;
}

void TemplateCache::prepare() {
  std::error_code ec;
  fs::create_directories(_root, ec);
  if (ec) throw TemplateCacheError("cannot create " + _root.string() + ": " + ec.message());
  if (::access(_root.c_str(), W_OK | X_OK) != 0)
    throw TemplateCacheError("cannot write in " + _root.string() + ": " + std::strerror(errno));
}

bool TemplateCache::holdsTemplates() const {
  std::error_code ec;
  for (fs::directory_iterator it(_root, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind("pg", 0) == 0 && it->is_directory(ec)) return true;
  return false;
}

}  // namespace managed_postgres
