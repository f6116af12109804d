// ManifestStore: manifests by content hash, in the metadata database (schema: migrations.cpp).
//
// Thread-safety: thread-safe; each call leases its own connection from the pool.
#pragma once

#include "manifest.h"

#include <ampd_toolkit/pq_pool.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ampd::controller {

struct ManifestSummary {
  std::string hash;
  std::string kind;
  std::int64_t datasetCount = 0;
};

/// A dataset tag that references a manifest ("dev" or a version).
struct ManifestUse {
  std::string ns;
  std::string name;
  std::string version;
};

class ManifestStore {
 public:
  explicit ManifestStore(PgPool& pool) : _pool(pool) {}

  /// Stores `manifest` unless already there (idempotent).
  void store(const Manifest& manifest);

  /// Every manifest with the number of datasets linked to it, ordered by hash.
  std::vector<ManifestSummary> list();

  /// The canonical content, or nothing.
  std::optional<std::string> content(const std::string& hash);

  /// The tags referencing the manifest, or nothing when the manifest does not exist.
  std::optional<std::vector<ManifestUse>> uses(const std::string& hash);

  enum class DeleteResult { Deleted, NotFound, Linked };
  /// Deletes an unlinked manifest.
  DeleteResult remove(const std::string& hash);

  /// Deletes every manifest no dataset links to; returns how many were deleted.
  std::int64_t prune();

 private:
  PgPool& _pool;
};

}  // namespace ampd::controller
