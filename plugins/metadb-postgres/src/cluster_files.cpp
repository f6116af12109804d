#include "cluster_files.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

namespace managed_postgres::detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifestHeader = "ampd-cluster-manifest 1";

std::string errnoText(const std::string& what, const fs::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

/// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : _fd(fd) {}
  ~Fd() {
    if (_fd >= 0) ::close(_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return _fd; }

 private:
  int _fd;
};

/// Runs `work(i)` for i in [0, count) on up to `threads` owned threads (the caller's included);
/// the first exception is rethrown after every thread has been joined.
template <typename Work>
void forEachParallel(std::size_t count, unsigned threads, Work work) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto run = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) {
      try {
        work(i);
      } catch (...) {
        std::lock_guard guard(failureMutex);
        if (!failure) failure = std::current_exception();
        next = count;  // stop handing out work
      }
    }
  };
  std::vector<std::jthread> helpers;
  for (unsigned t = 1; t < std::max(1u, threads) && t < count; ++t) helpers.emplace_back(run);
  run();
  helpers.clear();  // joins
  if (failure) std::rethrow_exception(failure);
}

/// Indexes of the file entries, largest first (the big ones start early, so threads end even).
std::vector<std::size_t> filesBySize(const std::vector<ClusterEntry>& entries) {
  std::vector<std::size_t> files;
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (!entries[i].directory) files.push_back(i);
  std::stable_sort(files.begin(), files.end(),
                   [&](std::size_t a, std::size_t b) { return entries[a].size > entries[b].size; });
  return files;
}

void copyContent(int in, int out, const fs::path& from, std::uint64_t size) {
  if (::ioctl(out, FICLONE, in) == 0) return;
  std::uint64_t done = 0;
  bool inKernel = true;
  while (done < size) {
    ssize_t n = -1;
    if (inKernel) {
      n = ::copy_file_range(in, nullptr, out, nullptr, size - done, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
        inKernel = false;
        continue;
      }
    } else {
      char buffer[1 << 16];
      n = ::read(in, buffer, sizeof buffer);
      if (n > 0) {
        for (ssize_t w = 0; w < n;) {
          const ssize_t k = ::write(out, buffer + w, static_cast<std::size_t>(n - w));
          if (k < 0 && errno == EINTR) continue;
          if (k < 0) throw ClusterFilesError(errnoText("cannot write the copy of", from));
          w += k;
        }
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ClusterFilesError(errnoText("cannot copy", from));
    if (n == 0)
      throw ClusterFilesError("cannot copy " + from.string() + ": it shrank while copied");
    done += static_cast<std::uint64_t>(n);
  }
}

void copyOneFile(const fs::path& from, const fs::path& to, const ClusterEntry& entry,
                 bool durable) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) throw ClusterFilesError(errnoText("cannot open", from));
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, entry.mode));
  if (out.get() < 0) throw ClusterFilesError(errnoText("cannot create", to));
  copyContent(in.get(), out.get(), from, entry.size);
  if (::fchmod(out.get(), entry.mode) != 0) throw ClusterFilesError(errnoText("cannot chmod", to));
  if (durable && ::fsync(out.get()) != 0) throw ClusterFilesError(errnoText("cannot fsync", to));
}

}  // namespace

std::uint64_t checksumFile(const fs::path& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw ClusterFilesError(errnoText("cannot open", file));
  // A multiply-xorshift over 8-byte words: several GB/s, enough to detect a damaged file.
  std::uint64_t hash = 0x9E3779B97F4A7C15ULL;
  alignas(8) static thread_local unsigned char buffer[1 << 17];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ClusterFilesError(errnoText("cannot read", file));
    if (n == 0) break;
    const auto count = static_cast<std::size_t>(n);
    std::size_t i = 0;
    for (; i + 8 <= count; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, buffer + i, 8);
      hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
      hash ^= hash >> 32;
    }
    for (; i < count; ++i) hash = (hash ^ buffer[i]) * 0x100000001b3ULL;
    hash ^= count;
  }
  return hash;
}

void syncPath(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    throw ClusterFilesError(errnoText("cannot fsync", path));
}

void syncFileSystem(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 || ::syncfs(fd.get()) != 0)
    throw ClusterFilesError(errnoText("cannot sync the file system of", path));
}

std::vector<ClusterEntry> scanTree(const fs::path& root) {
  std::vector<ClusterEntry> entries;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0)
      throw ClusterFilesError(errnoText("cannot inspect", it->path()));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
      throw ClusterFilesError(it->path().string() +
                              " is neither a plain file nor a directory; a template cluster holds "
                              "only those (no tablespace links)");
    entries.push_back({it->path().lexically_relative(root).generic_string(), S_ISDIR(st.st_mode),
                       static_cast<mode_t>(st.st_mode & 07777),
                       S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0, 0});
  }
  if (ec) throw ClusterFilesError("cannot list " + root.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const ClusterEntry& a, const ClusterEntry& b) { return a.path < b.path; });
  const auto files = filesBySize(entries);
  forEachParallel(files.size(), 2, [&](std::size_t i) {
    auto& entry = entries[files[i]];
    entry.checksum = checksumFile(root / entry.path);
  });
  return entries;
}

std::string manifestText(const std::vector<ClusterEntry>& entries) {
  std::ostringstream out;
  out << kManifestHeader << '\n';
  for (const auto& e : entries) {
    out << (e.directory ? "d " : "f ") << std::oct << e.mode << std::dec << ' ';
    if (!e.directory) out << e.size << ' ' << std::hex << e.checksum << std::dec << ' ';
    out << e.path << '\n';
  }
  return out.str();
}

std::optional<std::vector<ClusterEntry>> parseManifest(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kManifestHeader) return std::nullopt;
  std::vector<ClusterEntry> entries;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    ClusterEntry e;
    fields >> kind >> std::oct >> e.mode >> std::dec;
    if (kind == "f") fields >> e.size >> std::hex >> e.checksum >> std::dec;
    e.directory = kind == "d";
    fields >> std::ws;
    std::getline(fields, e.path);
    if (fields.fail() || (kind != "d" && kind != "f") || e.path.empty() ||
        e.path.find("..") != std::string::npos || e.path.front() == '/')
      return std::nullopt;
    entries.push_back(std::move(e));
  }
  if (entries.empty()) return std::nullopt;
  return entries;
}

std::string verifyTree(const fs::path& root, const std::vector<ClusterEntry>& entries,
                       unsigned threads) {
  std::size_t present = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    ++present;
  if (ec) return "cannot list " + root.string() + ": " + ec.message();
  if (present != entries.size())
    return root.string() + " holds " + std::to_string(present) + " entries, the manifest lists " +
           std::to_string(entries.size());
  for (const auto& e : entries) {
    struct stat st {};
    const auto path = root / e.path;
    if (::lstat(path.c_str(), &st) != 0) return errnoText("cannot inspect", path);
    if (e.directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
      return path.string() + " is not a " + (e.directory ? "directory" : "plain file");
    if (!e.directory && static_cast<std::uint64_t>(st.st_size) != e.size)
      return path.string() + " has " + std::to_string(st.st_size) + " bytes, the manifest says " +
             std::to_string(e.size);
  }
  const auto files = filesBySize(entries);
  std::string mismatch;
  std::mutex mismatchMutex;
  forEachParallel(files.size(), threads, [&](std::size_t i) {
    const auto& e = entries[files[i]];
    if (checksumFile(root / e.path) == e.checksum) return;
    std::lock_guard guard(mismatchMutex);
    mismatch = (root / e.path).string() + " does not match its checksum";
  });
  return mismatch;
}

void copyTree(const fs::path& from, const fs::path& to, const std::vector<ClusterEntry>& entries,
              unsigned threads, bool durable) {
  for (const auto& e : entries) {  // parents first (sorted): create the directories up front
    if (!e.directory) continue;
    const auto dir = to / e.path;
    if (::mkdir(dir.c_str(), 0700) != 0) throw ClusterFilesError(errnoText("cannot create", dir));
  }
  const auto files = filesBySize(entries);
  forEachParallel(files.size(), threads, [&](std::size_t i) {
    const auto& e = entries[files[i]];
    copyOneFile(from / e.path, to / e.path, e, durable);
  });
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {  // children first
    if (!it->directory) continue;
    const auto dir = to / it->path;
    if (::chmod(dir.c_str(), it->mode) != 0)
      throw ClusterFilesError(errnoText("cannot chmod", dir));
    if (durable) syncPath(dir);
  }
  if (durable) syncPath(to);
}

}  // namespace managed_postgres::detail
