// End-to-end: the metadb-external plugin with the real ampd.
#include "admin_test_support.h"

#include <ampd_toolkit/pq.h>

#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

TEST(MetadbExternalE2E, ServesTheAdminApiOnATestStartedPostgres) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  const auto config = dir.writeFile(
      "ampd.toml", "plugins = [\"metadb-external\", \"controller\"]\n[metadata_db]\nurl = \"" +
                       postgres.url() + "\"\n");
  {
    auto ampd = AdminDaemon::withConfig(dir, config);
    EXPECT_NE(ampd.process().output().find("using external metadata database"), std::string::npos);
    auto& c = ampd.client();
    ASSERT_EQ(
        c.post(
             "/datasets",
             R"({"namespace":"_","name":"x","version":"1.0.0",)"
             R"("manifest":{"kind":"evm-rpc","network":"anvil","tables":{"blocks":{"schema":{"arrow":{"fields":[{"name":"block_num","type":"UInt64","nullable":false}]}},"network":"anvil"}}}})")
            .status,
        201);
    EXPECT_EQ(ampd.stop(SIGTERM), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.ampDir() / "metadb" / "PG_VERSION"))
      << "no managed cluster was created";
  auto ampd = AdminDaemon::withConfig(dir, config);
  EXPECT_EQ(jsonField(ampd.client().get("/datasets/_/x/versions/latest").body, "kind"),
            "\"evm-rpc\"");
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

TEST(MetadbExternalE2E, ASecondAmpdOnTheSameAmpDirExits2) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  const auto config =
      dir.writeFile("ampd.toml", "plugins = [\"metadb-external\"]\n[metadata_db]\nurl = \"" +
                                     postgres.url() + "\"\n");
  SpawnOptions options;
  options.args = {"--config", config.string()};
  options.cwd = dir.root();
  auto first = ChildProcess::ampd(options);
  ASSERT_TRUE(first.waitForOutput("ampd ready", kStartTimeout)) << first.output();
  const auto [code, out] = ChildProcess::run(ampdExecutable(), options, kStartTimeout);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("is in use by ampd pid " + std::to_string(first.pid())), std::string::npos)
      << out;
  EXPECT_EQ(out.find("starting plugin"), std::string::npos) << out;
  first.signal(SIGTERM);
  EXPECT_EQ(first.waitExit(kStartTimeout), 0) << first.output();
}

TEST(MetadbExternalE2E, SoloWithAMetadataDbUrlUsesItInsteadOfStartingPostgres) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  // solo runs the query API too, which refuses the superuser: give it a reader role.
  PgConnection(postgres.url()).exec("CREATE ROLE ampd_reader LOGIN");
  const std::string superuserPrefix = "postgresql://postgres@";
  ASSERT_EQ(postgres.url().rfind(superuserPrefix, 0), 0u) << postgres.url();
  SpawnOptions options;
  options.args = {"solo"};
  options.cwd = dir.root();
  options.env["AMP_CONFIG_METADATA_DB__URL"] = postgres.url();
  options.env["AMP_CONFIG_SERVER__METADATA_DB_URL"] =
      "postgresql://ampd_reader@" + postgres.url().substr(superuserPrefix.size());
  options.env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0";
  options.env["AMP_CONFIG_JSONL_ADDR"] = "127.0.0.1:0";
  auto ampd = ChildProcess::ampd(options);
  const auto port =
      ampd.waitForOutput(R"(admin API listening on 127\.0\.0\.1:(\d+))", kStartTimeout);
  ASSERT_TRUE(port) << ampd.output();
  EXPECT_NE(ampd.output().find("using external metadata database"), std::string::npos);
  EXPECT_EQ(ampd.output().find("starting plugin metadb-postgres"), std::string::npos)
      << ampd.output();
  HttpClient client(std::stoi(*port));
  EXPECT_EQ(client.get("/healthz").status, 200);
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(30)), 0) << ampd.output();
}

TEST(MetadbExternalE2E, AnUnreachableUrlFailsClearlyWithThePasswordMasked) {
  DaemonAmpDir dir;
  // Port 1 on loopback: nothing listens there, connections are refused at once.
  const auto config =
      dir.writeFile("ampd.toml",
                    "plugins = [\"metadb-external\", \"controller\"]\n[metadata_db]\n"
                    "url = \"postgresql://amp:s3cret-pw@127.0.0.1:1/amp\"\n");
  SpawnOptions options;
  options.args = {"--config", config.string()};
  options.cwd = dir.root();
  const auto [code, output] =
      ChildProcess::run(ampdExecutable(), std::move(options), std::chrono::seconds(60));
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("cannot reach the metadata database at "
                        "postgresql://amp:***@127.0.0.1:1/amp"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("HINT:"), std::string::npos) << output;
  EXPECT_EQ(output.find("s3cret-pw"), std::string::npos) << "the password leaked:\n" << output;
}

}  // namespace
}  // namespace ampd::test
