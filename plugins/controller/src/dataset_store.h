// DatasetStore: datasets, the manifests linked to them and their tags, in the metadata
// database (schema: migrations.cpp).
//
// Tags: every semantic version is a row in `tags`; "dev" (the manifest registered last) and
// "latest" (the highest version) are columns of `datasets`, maintained by register() and
// checked by deleteVersion().
//
// Extracted data: every change of tags (register, deleteVersion) refreshes the dataset's views in
// the same transaction (ampd_toolkit/dataset_views.h), and deleteDataset() drops the dataset's
// views and storage with its metadata. `readerRole` is the query API's role, granted SELECT on
// the views (empty: none).
//
// Thread-safety: thread-safe; each call leases its own connection from the pool and runs its
// statements in one transaction where it changes more than one row.
#pragma once

#include "manifest.h"

#include <ampd_toolkit/dataset_storage.h>
#include <ampd_toolkit/pq_pool.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ampd::controller {

/// The facts about one manifest the admin API reports with a dataset.
struct ManifestFacts {
  std::string hash;
  std::string kind;
  std::int64_t startBlock = 0;
  bool finalizedBlocksOnly = false;
  std::string tablesJson = "[]";  ///< JSON array of table names
};

struct DatasetSummary {
  std::string ns;
  std::string name;
  std::optional<std::string> latestVersion;
  std::vector<std::string> versions;  ///< highest first
};

struct VersionRow {
  std::string version;
  std::string manifestHash;
  std::string createdAt;  ///< RFC 3339, UTC
  std::string updatedAt;
};

struct DatasetVersions {
  std::vector<VersionRow> versions;   ///< highest first
  std::optional<std::string> latest;  ///< latest version
  std::optional<std::string> dev;     ///< dev manifest hash
};

/// A revision: "latest", "dev", a semantic version or a manifest hash.
struct Revision {
  enum class Kind { Latest, Dev, Version, Hash } kind;
  std::string text;  ///< the version, or the lower-case hash

  /// Parses a revision from a path; nothing when it is none of the four forms.
  static std::optional<Revision> parse(const std::string& text);
};

class DatasetStore {
 public:
  explicit DatasetStore(PgPool& pool, std::string readerRole = {})
      : _pool(pool), _readerRole(std::move(readerRole)) {}

  /// Outcome of register(): the facts, or that the given hash is not stored.
  struct ManifestNotFound {};
  using RegisterResult = std::variant<ManifestFacts, ManifestNotFound>;

  /// Stores `manifest` (when given as content) or finds the stored one (when given as a hash),
  /// links it to the dataset, moves "dev" to it and, with a version, tags it and moves "latest"
  /// when the version is the highest. One transaction.
  RegisterResult registerDataset(const std::string& ns, const std::string& name,
                                 const std::optional<std::string>& version,
                                 const std::variant<Manifest, std::string>& manifest);

  /// Every dataset, ordered by namespace then name.
  std::vector<DatasetSummary> list();

  /// Versions and special tags of a dataset (empty when it does not exist).
  DatasetVersions versions(const std::string& ns, const std::string& name);

  /// The manifest a revision of a dataset resolves to; nothing when the dataset or the revision
  /// does not exist.
  std::optional<ManifestFacts> resolve(const std::string& ns, const std::string& name,
                                       const Revision& revision);

  /// The canonical content of the manifest a revision resolves to.
  std::optional<std::string> resolveContent(const std::string& ns, const std::string& name,
                                            const Revision& revision);

  /// Asks the dataset's SCHEDULED and RUNNING jobs to stop, then in one transaction drops its
  /// extracted data (views, storage schemas, catalog rows) and deletes the dataset, its links and
  /// tags; then the manifests no other dataset uses. Idempotent. Returns what data was dropped.
  toolkit::DroppedData deleteDataset(const std::string& ns, const std::string& name);

  enum class DeleteVersionResult { Deleted, NotFound, IsLatest };
  /// Deletes a version tag unless it resolves to the same manifest as "latest".
  DeleteVersionResult deleteVersion(const std::string& ns, const std::string& name,
                                    const std::string& version);

 private:
  /// Refreshes the dataset's views inside the caller's transaction and logs what was skipped.
  void refreshViews(PgConnection& c, const std::string& ns, const std::string& name);

  PgPool& _pool;
  std::string _readerRole;
};

}  // namespace ampd::controller
