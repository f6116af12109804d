// cluster_files: the file list of a cluster directory with sizes and checksums (a manifest),
// and a parallel copy of such a tree. Used by the template cache (template_cache.h). Internal.
//
// A manifest is a text file, one entry a line, paths relative to the tree, '/'-separated:
//
//   ampd-cluster-manifest 1
//   d 700 base
//   f 600 8192 0123456789abcdef base/1/1259
//
// Copies use FICLONE (a reflink: instant, shared until written) where the file system supports
// it (btrfs, XFS with reflink, bcachefs), else copy_file_range(2) (in-kernel copy), else
// read/write; files are spread over a few owned threads, joined before the call returns.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace managed_postgres::detail {

struct ClusterEntry {
  std::string path;  ///< relative, '/'-separated
  bool directory = false;
  mode_t mode = 0;  ///< permission bits
  std::uint64_t size = 0;
  std::uint64_t checksum = 0;  ///< of the content (files only)
};

/// Every directory and regular file under `root` (sorted, parents first), with sizes and
/// checksums. Throws ClusterFilesError naming the path on an I/O error or an entry that is not
/// a plain file or directory (a symlink: tablespaces do not belong in a template).
std::vector<ClusterEntry> scanTree(const std::filesystem::path& root);

/// The manifest text of `entries`, and its parse (nullopt: not a manifest of this format).
std::string manifestText(const std::vector<ClusterEntry>& entries);
std::optional<std::vector<ClusterEntry>> parseManifest(const std::string& text);

/// Why `root` does not match `entries` (a missing, extra or resized file, a wrong checksum), or
/// empty when it matches. Checksums are verified on `threads` threads.
std::string verifyTree(const std::filesystem::path& root, const std::vector<ClusterEntry>& entries,
                       unsigned threads);

/// Copies the tree described by `entries` from `from` into `to` (an existing empty directory),
/// with the recorded modes; with `durable`, every file and directory is fsynced. Throws
/// ClusterFilesError naming the path.
void copyTree(const std::filesystem::path& from, const std::filesystem::path& to,
              const std::vector<ClusterEntry>& entries, unsigned threads, bool durable);

/// The checksum used by manifests (64-bit, fast; it detects corruption, not tampering).
std::uint64_t checksumFile(const std::filesystem::path& file);

/// syncfs(2) of the file system holding `path`; throws ClusterFilesError naming it.
void syncFileSystem(const std::filesystem::path& path);

/// fsync(2) of a directory (or file) by path; throws ClusterFilesError naming it.
void syncPath(const std::filesystem::path& path);

class ClusterFilesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres::detail
