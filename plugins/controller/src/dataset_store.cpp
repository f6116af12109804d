#include "dataset_store.h"

#include "job_store.h"
#include "json_writer.h"
#include "names.h"
#include "transaction.h"

#include <ampd_toolkit/dataset_views.h>
#include <ampd_toolkit/retry.h>

#include <Poco/Logger.h>

#include <algorithm>
#include <array>
#include <map>

namespace ampd::controller {
namespace {

constexpr const char* kFactsColumns =
    "m.hash, m.kind, m.start_block, m.finalized_blocks_only, m.tables";

constexpr const char* kTimestamp =
    R"(to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))";

std::string timestamp(const std::string& column) {
  std::string format = kTimestamp;
  return format.replace(format.find("%s"), 2, column);
}

ManifestFacts factsFrom(const PgResult& r, int row, int first = 0) {
  ManifestFacts f;
  f.hash = r.value(row, first);
  f.kind = r.value(row, first + 1);
  f.startBlock = std::stoll(r.value(row, first + 2));
  f.finalizedBlocksOnly = r.value(row, first + 3) == "t";
  f.tablesJson = r.value(row, first + 4);
  return f;
}

ManifestFacts factsFrom(const Manifest& m) {
  ManifestFacts f;
  f.hash = m.hash;
  f.kind = m.kind;
  f.startBlock = m.startBlock;
  f.finalizedBlocksOnly = m.finalizedBlocksOnly;
  JsonWriter w;
  w.stringArray(m.tables);
  f.tablesJson = w.take();
  return f;
}

bool higherVersion(const std::string& a, const std::string& b) {
  const auto va = SemVer::parse(a);
  const auto vb = SemVer::parse(b);
  if (va && vb) return *va > *vb;
  return a > b;  // unreachable for stored versions, which are validated
}

void sortVersionsDescending(std::vector<std::string>& versions) {
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return higherVersion(a, b); });
}

/// The WHERE clause and parameters selecting the manifest of a revision, over `m` (manifests).
std::string revisionQuery(const std::string& columns, const Revision& revision) {
  switch (revision.kind) {
    case Revision::Kind::Latest:
      return "SELECT " + columns +
             " FROM datasets d JOIN tags t ON t.namespace = d.namespace AND t.name = d.name AND "
             "t.version = d.latest_version JOIN manifests m ON m.hash = t.manifest_hash "
             "WHERE d.namespace = $1 AND d.name = $2";
    case Revision::Kind::Dev:
      return "SELECT " + columns +
             " FROM datasets d JOIN manifests m ON m.hash = d.dev_hash "
             "WHERE d.namespace = $1 AND d.name = $2";
    case Revision::Kind::Version:
      return "SELECT " + columns +
             " FROM tags t JOIN manifests m ON m.hash = t.manifest_hash "
             "WHERE t.namespace = $1 AND t.name = $2 AND t.version = $3";
    case Revision::Kind::Hash:
      return "SELECT " + columns +
             " FROM dataset_manifests dm JOIN manifests m ON m.hash = dm.manifest_hash "
             "WHERE dm.namespace = $1 AND dm.name = $2 AND dm.manifest_hash = $3";
  }
  return {};
}

std::vector<std::string> revisionParams(const std::string& ns, const std::string& name,
                                        const Revision& revision) {
  if (revision.kind == Revision::Kind::Version || revision.kind == Revision::Kind::Hash)
    return {ns, name, revision.text};
  return {ns, name};
}

/// A prepared statement resolving a revision: its name and text.
struct RevisionStatement {
  std::string name;
  std::string sql;
};

/// The statement resolving a revision to its facts, or to its content. Built once per
/// purpose and kind (these run on every GET of a revision).
const RevisionStatement& revisionStatement(bool content, const Revision& revision) {
  static const auto statements = [] {
    std::array<std::array<RevisionStatement, 4>, 2> table;
    for (int kind = 0; kind < 4; ++kind) {
      const Revision r{static_cast<Revision::Kind>(kind), {}};
      table[0][kind] = {"ampd_resolve_" + std::to_string(kind), revisionQuery(kFactsColumns, r)};
      table[1][kind] = {"ampd_resolve_content_" + std::to_string(kind),
                        revisionQuery("m.content", r)};
    }
    return table;
  }();
  return statements[content ? 1 : 0][static_cast<std::size_t>(revision.kind)];
}

/// Inserts the manifest if absent and locks its row against deletion until commit.
void storeAndLockManifest(PgConnection& c, const Manifest& m) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    c.exec(
        "INSERT INTO manifests (hash, content, kind, start_block, finalized_blocks_only, tables) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
        {m.hash, m.canonical, m.kind, std::to_string(m.startBlock),
         m.finalizedBlocksOnly ? "true" : "false", factsFrom(m).tablesJson});
    // A concurrent delete may have removed it between the two statements: then insert again.
    if (c.exec("SELECT 1 FROM manifests WHERE hash = $1 FOR KEY SHARE", {m.hash}).rows() == 1)
      return;
  }
  throw PgError("manifest " + m.hash + " was deleted concurrently while being registered");
}

/// How long DELETE /datasets/{ns}/{name} waits for the dataset's jobs to stop.
constexpr std::chrono::milliseconds kDeleteStopWait{2000};

std::string idList(const std::vector<std::int64_t>& ids) {
  std::string text;
  for (const auto id : ids) text += (text.empty() ? "" : ", ") + std::to_string(id);
  return text;
}

/// True once none of `jobs` is STOP_REQUESTED any more (polled until `deadline`).
bool waitUntilStopped(PgConnection& c, const std::vector<std::int64_t>& jobs,
                      std::chrono::milliseconds deadline) {
  const auto ids = "{" + idList(jobs) + "}";
  return retryWithBackoff(
      BackoffPolicy{std::chrono::milliseconds(10), 2.0, std::chrono::milliseconds(200), deadline},
      [&] {
        return c.exec(
                    "SELECT NOT EXISTS (SELECT 1 FROM jobs_status WHERE "
                    "job_id = ANY($1::bigint[]) AND status = "
                    "'STOP_REQUESTED')",
                    {ids})
                   .value(0, 0) == "t";
      });
}

}  // namespace

std::optional<Revision> Revision::parse(const std::string& text) {
  if (text == "latest") return Revision{Kind::Latest, text};
  if (text == "dev") return Revision{Kind::Dev, text};
  if (isManifestHash(text)) return Revision{Kind::Hash, toLowerAscii(text)};
  if (SemVer::parse(text)) return Revision{Kind::Version, text};
  return std::nullopt;
}

DatasetStore::RegisterResult DatasetStore::registerDataset(
    const std::string& ns, const std::string& name, const std::optional<std::string>& version,
    const std::variant<Manifest, std::string>& manifest) {
  auto lease = _pool.acquire();
  auto& c = *lease;
  return inTransaction(c, [&]() -> RegisterResult {
    ManifestFacts facts;
    if (const auto* content = std::get_if<Manifest>(&manifest)) {
      storeAndLockManifest(c, *content);
      facts = factsFrom(*content);
    } else {
      const auto r = c.exec(std::string("SELECT ") + kFactsColumns +
                                " FROM manifests m WHERE m.hash = $1 FOR KEY SHARE",
                            {std::get<std::string>(manifest)});
      if (r.rows() == 0) return ManifestNotFound{};
      facts = factsFrom(r, 0);
    }
    c.exec("INSERT INTO datasets (namespace, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
           {ns, name});
    // Serializes registrations of one dataset, so "latest" is computed from a stable set.
    const auto current =
        c.exec("SELECT latest_version FROM datasets WHERE namespace = $1 AND name = $2 FOR UPDATE",
               {ns, name});
    c.exec(
        "INSERT INTO dataset_manifests (namespace, name, manifest_hash) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        {ns, name, facts.hash});
    c.exec("UPDATE datasets SET dev_hash = $3 WHERE namespace = $1 AND name = $2",
           {ns, name, facts.hash});
    if (version) {
      c.exec(
          "INSERT INTO tags (namespace, name, version, manifest_hash) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (namespace, name, version) DO UPDATE SET manifest_hash = "
          "EXCLUDED.manifest_hash, updated_at = now() "
          "WHERE tags.manifest_hash IS DISTINCT FROM EXCLUDED.manifest_hash",
          {ns, name, *version, facts.hash});
      if (current.isNull(0, 0) || higherVersion(*version, current.value(0, 0)))
        c.exec("UPDATE datasets SET latest_version = $3 WHERE namespace = $1 AND name = $2",
               {ns, name, *version});
    }
    refreshViews(c, ns, name);  // "latest", "dev" or a version tag may now show other storage
    return facts;
  });
}

std::vector<DatasetSummary> DatasetStore::list() {
  auto lease = _pool.acquire();
  const auto datasets =
      lease->exec("SELECT namespace, name, latest_version FROM datasets ORDER BY namespace, name");
  const auto tags = lease->exec("SELECT namespace, name, version FROM tags");
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> versions;
  for (int i = 0; i < tags.rows(); ++i)
    versions[{tags.value(i, 0), tags.value(i, 1)}].push_back(tags.value(i, 2));
  std::vector<DatasetSummary> result;
  result.reserve(static_cast<std::size_t>(datasets.rows()));
  for (int i = 0; i < datasets.rows(); ++i) {
    DatasetSummary s;
    s.ns = datasets.value(i, 0);
    s.name = datasets.value(i, 1);
    if (!datasets.isNull(i, 2)) s.latestVersion = datasets.value(i, 2);
    if (auto it = versions.find({s.ns, s.name}); it != versions.end()) {
      s.versions = std::move(it->second);
      sortVersionsDescending(s.versions);
    }
    result.push_back(std::move(s));
  }
  return result;
}

DatasetVersions DatasetStore::versions(const std::string& ns, const std::string& name) {
  auto lease = _pool.acquire();
  DatasetVersions result;
  const auto dataset = lease->exec(
      "SELECT latest_version, dev_hash FROM datasets WHERE namespace = $1 AND name = $2",
      {ns, name});
  if (dataset.rows() == 0) return result;
  if (!dataset.isNull(0, 0)) result.latest = dataset.value(0, 0);
  if (!dataset.isNull(0, 1)) result.dev = dataset.value(0, 1);
  const auto rows =
      lease->exec("SELECT version, manifest_hash, " + timestamp("created_at") + ", " +
                      timestamp("updated_at") + " FROM tags WHERE namespace = $1 AND name = $2",
                  {ns, name});
  for (int i = 0; i < rows.rows(); ++i)
    result.versions.push_back(
        {rows.value(i, 0), rows.value(i, 1), rows.value(i, 2), rows.value(i, 3)});
  std::sort(
      result.versions.begin(), result.versions.end(),
      [](const VersionRow& a, const VersionRow& b) { return higherVersion(a.version, b.version); });
  return result;
}

std::optional<ManifestFacts> DatasetStore::resolve(const std::string& ns, const std::string& name,
                                                   const Revision& revision) {
  const auto& statement = revisionStatement(false, revision);
  auto lease = _pool.acquire();
  const auto r =
      lease->execPrepared(statement.name, statement.sql, revisionParams(ns, name, revision));
  if (r.rows() == 0) return std::nullopt;
  return factsFrom(r, 0);
}

std::optional<std::string> DatasetStore::resolveContent(const std::string& ns,
                                                        const std::string& name,
                                                        const Revision& revision) {
  const auto& statement = revisionStatement(true, revision);
  auto lease = _pool.acquire();
  const auto r =
      lease->execPrepared(statement.name, statement.sql, revisionParams(ns, name, revision));
  if (r.rows() == 0) return std::nullopt;
  return r.value(0, 0);
}

toolkit::DroppedData DatasetStore::deleteDataset(const std::string& ns, const std::string& name) {
  auto lease = _pool.acquire();
  auto& c = *lease;
  // Jobs get a moment to finish their batch and end STOPPED; one still writing then fails on a
  // dropped table, and never re-creates storage (the worker checks, under the dataset's lock,
  // that the dataset still links its manifest).
  const auto stopping = requestDatasetJobsStop(c, ns, name);
  if (!stopping.empty() && !waitUntilStopped(c, stopping, kDeleteStopWait))
    Poco::Logger::get("controller")
        .notice("dataset " + ns + "/" + name + ": dropping its data while job(s) " +
                idList(stopping) + " still stop");
  toolkit::DroppedData dropped;
  const auto linked = inTransaction(c, [&] {
    // Lock order as in registration: the datasets row, then the dataset's advisory lock.
    c.exec("SELECT 1 FROM datasets WHERE namespace = $1 AND name = $2 FOR UPDATE", {ns, name});
    toolkit::lockDataset(c, ns, name);
    dropped = toolkit::dropDatasetData(c, ns, name, _readerRole);
    auto hashes =
        c.exec("SELECT manifest_hash FROM dataset_manifests WHERE namespace = $1 AND name = $2",
               {ns, name});
    c.exec("DELETE FROM datasets WHERE namespace = $1 AND name = $2", {ns, name});
    return hashes;
  });
  if (!dropped.empty())
    Poco::Logger::get("controller")
        .information("dataset " + ns + "/" + name +
                     " deleted with its data: " + dropped.describe());
  // Manifests no other dataset links to are removed too; one a concurrent registration has
  // just linked again stays (the foreign key refuses its deletion).
  for (int i = 0; i < linked.rows(); ++i) {
    try {
      c.exec(
          "DELETE FROM manifests m WHERE m.hash = $1 AND NOT EXISTS "
          "(SELECT 1 FROM dataset_manifests dm WHERE dm.manifest_hash = m.hash)",
          {linked.value(i, 0)});
    } catch (const PgError& e) {
      if (e.sqlState() != kForeignKeyViolation) throw;
    }
  }
  return dropped;
}

DatasetStore::DeleteVersionResult DatasetStore::deleteVersion(const std::string& ns,
                                                              const std::string& name,
                                                              const std::string& version) {
  auto lease = _pool.acquire();
  auto& c = *lease;
  return inTransaction(c, [&] {
    const auto dataset =
        c.exec("SELECT latest_version FROM datasets WHERE namespace = $1 AND name = $2 FOR UPDATE",
               {ns, name});
    if (dataset.rows() == 0) return DeleteVersionResult::NotFound;
    const auto tag =
        c.exec("SELECT manifest_hash FROM tags WHERE namespace = $1 AND name = $2 AND version = $3",
               {ns, name, version});
    if (tag.rows() == 0) return DeleteVersionResult::NotFound;
    if (!dataset.isNull(0, 0)) {
      const auto latest = c.exec(
          "SELECT manifest_hash FROM tags WHERE namespace = $1 AND name = $2 AND version = $3",
          {ns, name, dataset.value(0, 0)});
      if (latest.rows() == 1 && latest.value(0, 0) == tag.value(0, 0))
        return DeleteVersionResult::IsLatest;
    }
    c.exec("DELETE FROM tags WHERE namespace = $1 AND name = $2 AND version = $3",
           {ns, name, version});
    refreshViews(c, ns, name);  // drops "<ns>/<name>@<version>"
    return DeleteVersionResult::Deleted;
  });
}

void DatasetStore::refreshViews(PgConnection& c, const std::string& ns, const std::string& name) {
  const auto refresh = toolkit::refreshDatasetViewsInTransaction(c, ns, name, _readerRole);
  auto& logger = Poco::Logger::get("controller");
  for (const auto& note : refresh.notes) logger.notice("dataset " + ns + "/" + name + ": " + note);
}

}  // namespace ampd::controller
