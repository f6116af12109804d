// refreshDatasetViews (ampd_toolkit/dataset_views.h) and dropDatasetData
// (ampd_toolkit/dataset_storage.h) over a real PostgreSQL with the controller's migrations: which
// storage each view schema shows, what is dropped, skipped names, and the reader's grants.
#include "migrations.h"

#include <ampd_toolkit/dataset_storage.h>
#include <ampd_toolkit/dataset_views.h>
#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/pq_transaction.h>
#include <daemon_amp_dir.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <Poco/Logger.h>

#include <gtest/gtest.h>

namespace ampd::test {
namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

/// A migrated throw-away database with dataset ns/d, manifests A and B linked, a reader role and
/// helpers to tag, store and look.
struct ViewsDatabase {
  ViewsDatabase()
      : dir("views"),
        postgres(managed_postgres::PostgresBuilder(dir.root() / "pg").start()),
        db(postgres.url()) {
    controller::migrate(db, Poco::Logger::get("views-test"));
    db.exec("CREATE ROLE views_reader");
    db.exec(
        "INSERT INTO manifests (hash, content, kind) VALUES ($1, '{}', 'evm-rpc'), "
        "($2, '{}', 'evm-rpc')",
        {kHashA, kHashB});
    db.exec("INSERT INTO datasets (namespace, name) VALUES ('ns', 'd')");
    db.exec(
        "INSERT INTO dataset_manifests (namespace, name, manifest_hash) VALUES "
        "('ns', 'd', $1), ('ns', 'd', $2)",
        {kHashA, kHashB});
  }
  void tag(const std::string& version, const std::string& hash) {
    db.exec("INSERT INTO tags (namespace, name, version, manifest_hash) VALUES ('ns', 'd', $1, $2)",
            {version, hash});
  }
  void setLatest(const std::string& version, const std::string& devHash) {
    db.exec("UPDATE datasets SET latest_version = NULLIF($1, ''), dev_hash = NULLIF($2, '')",
            {version, devHash});
  }
  /// Storage for `hash` with a table t holding `rows` rows whose value is `marker`.
  std::string store(const std::string& hash, int rows, const std::string& marker) {
    return inTransaction(db, [&] {
      toolkit::lockDataset(db, "ns", "d");
      const auto schema = toolkit::createStorage(db, "ns", "d", hash);
      db.exec("CREATE TABLE " + schema + ".t AS SELECT '" + marker +
              "'::text AS v FROM generate_series(1, " + std::to_string(rows) + ")");
      return schema;
    });
  }
  toolkit::ViewRefresh refresh() {
    return toolkit::refreshDatasetViews(db, "ns", "d", "views_reader");
  }
  /// The marker the view schema's table t shows, or "" when the schema does not exist.
  std::string shows(const std::string& schema) {
    if (db.exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema}).rows() == 0) return "";
    return db.exec("SELECT min(v) FROM " + quoteIdentifier(schema) + ".t").value(0, 0);
  }

  DaemonAmpDir dir;
  managed_postgres::RunningPostgres postgres;
  PgConnection db;
};

TEST(DatasetViews, TheDatasetSchemaShowsLatestElseDevElseTheNewestStorage) {
  ViewsDatabase v;
  v.tag("1.0.0", kHashA);
  v.tag("2.0.0", kHashB);
  v.setLatest("2.0.0", kHashA);
  v.store(kHashA, 1, "A");
  auto r = v.refresh();
  EXPECT_EQ(r.created, (std::vector<std::string>{"ns/d", "ns/d@1.0.0"}));
  EXPECT_EQ(v.shows("ns/d"), "A");  // latest (B) has no storage: dev (A)
  EXPECT_EQ(v.shows("ns/d@1.0.0"), "A");
  EXPECT_EQ(v.shows("ns/d@2.0.0"), "");

  v.store(kHashB, 1, "B");
  r = v.refresh();
  EXPECT_EQ(r.created, (std::vector<std::string>{"ns/d", "ns/d@2.0.0"}));  // "ns/d" moved
  EXPECT_EQ(v.shows("ns/d"), "B");
  EXPECT_EQ(v.shows("ns/d@1.0.0"), "A");
  EXPECT_EQ(v.shows("ns/d@2.0.0"), "B");
  EXPECT_TRUE(v.refresh().created.empty());  // nothing changed: nothing recreated

  // No tags, no dev: the most recently created storage.
  v.db.exec("DELETE FROM tags");
  v.setLatest("", "");
  r = v.refresh();
  EXPECT_EQ(r.dropped, (std::vector<std::string>{"ns/d@1.0.0", "ns/d@2.0.0"}));
  EXPECT_EQ(v.shows("ns/d"), "B");
}

TEST(DatasetViews, TheReaderGetsUsageAndSelectOnTheViewsOnly) {
  ViewsDatabase v;
  v.tag("1.0.0", kHashA);
  v.setLatest("1.0.0", kHashA);
  const auto storage = v.store(kHashA, 3, "A");
  v.refresh();
  const auto check = [&](const std::string& sql) { return v.db.exec(sql).value(0, 0); };
  EXPECT_EQ(check("SELECT has_schema_privilege('views_reader', 'ns/d@1.0.0', 'USAGE')"), "t");
  EXPECT_EQ(check("SELECT has_schema_privilege('views_reader', 'ns/d@1.0.0', 'CREATE')"), "f");
  EXPECT_EQ(check("SELECT has_table_privilege('views_reader', '\"ns/d@1.0.0\".t', 'SELECT')"), "t");
  EXPECT_EQ(check("SELECT has_table_privilege('views_reader', '\"ns/d@1.0.0\".t', 'INSERT')"), "f");
  EXPECT_EQ(check("SELECT has_schema_privilege('views_reader', '" + storage + "', 'USAGE')"), "f");
  EXPECT_EQ(check("SELECT has_table_privilege('views_reader', '" + storage + ".t', 'SELECT')"),
            "f");
  // Reading as the reader: through the view yes, the storage no.
  v.db.exec("SET ROLE views_reader");
  EXPECT_EQ(v.db.exec("SELECT count(*) FROM \"ns/d\".t").value(0, 0), "3");
  EXPECT_THROW(v.db.exec("SELECT count(*) FROM " + storage + ".t"), PgError);
  v.db.exec("RESET ROLE");
}

TEST(DatasetViews, LongNamesAndForeignSchemasAreSkippedWithAReason) {
  ViewsDatabase v;
  const std::string longVersion = "1.0.0-" + std::string(60, 'x');
  v.tag(longVersion, kHashA);
  v.tag("1.0.0", kHashA);
  v.setLatest("1.0.0", kHashA);
  v.db.exec("CREATE SCHEMA \"ns/d@1.0.0\"; CREATE TABLE \"ns/d@1.0.0\".mine (x int)");
  v.store(kHashA, 1, "A");
  const auto r = v.refresh();
  EXPECT_EQ(r.created, (std::vector<std::string>{"ns/d"}));
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[0].find("\"ns/d@1.0.0\" is not created: a schema of that name exists"),
            std::string::npos)
      << r.notes[0];
  EXPECT_NE(r.notes[1].find("its name has 71 bytes, PostgreSQL allows 63"), std::string::npos)
      << r.notes[1];
  EXPECT_EQ(
      v.db.exec("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ns/d@1.0.0-%'").value(0, 0),
      "0");
  // Deleting the data leaves the schema ampd did not create.
  const auto dropped = inTransaction(v.db, [&] {
    toolkit::lockDataset(v.db, "ns", "d");
    return toolkit::dropDatasetData(v.db, "ns", "d", "views_reader");
  });
  EXPECT_EQ(dropped.viewSchemas, (std::vector<std::string>{"ns/d"}));
  ASSERT_EQ(dropped.storage.size(), 1u);
  EXPECT_EQ(dropped.storage[0].tables, 1);
  EXPECT_GE(dropped.storage[0].bytes, 8192);  // its one row takes at least one 8 kB page
  EXPECT_EQ(v.db.exec("SELECT count(*) FROM \"ns/d@1.0.0\".mine").value(0, 0), "0");
  EXPECT_EQ(v.db.exec("SELECT count(*) FROM ampd_dataset_storage").value(0, 0), "0");
}

TEST(DatasetViews, StorageNamesAreFixedLengthAndDistinctPerDataset) {
  const auto a = toolkit::storageSchemaName("ns", "d", kHashA);
  EXPECT_EQ(a.size(), 42u);
  EXPECT_EQ(a.rfind("ampd_data_", 0), 0u);
  EXPECT_EQ(a, toolkit::storageSchemaName("ns", "d", kHashA));
  EXPECT_NE(a, toolkit::storageSchemaName("ns", "e", kHashA));
  EXPECT_NE(a, toolkit::storageSchemaName("ns", "d", kHashB));
  EXPECT_EQ(toolkit::storageSchemaName(std::string(255, 'n'), std::string(255, 'd'), kHashA).size(),
            42u);
}

}  // namespace
}  // namespace ampd::test
