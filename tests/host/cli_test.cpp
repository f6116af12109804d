#include <Poco/Message.h>
#include <gtest/gtest.h>

#include "cli.h"

namespace ampd::host {
namespace {

CommandLine parse(std::vector<std::string> args, std::optional<std::string> ampConfig = {}) {
  return parseCommandLine(args, ampConfig);
}

std::string usageErrorOf(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(HostCli, SoloWithOptions) {
  const auto line = parse({"solo", "--amp-dir", "/x/.amp", "--log-level=debug", "--set",
                           "admin_api_addr=127.0.0.1:0", "--set", "metadata_db.pool_size=3"});
  EXPECT_EQ(line.command, Command::Solo);
  EXPECT_EQ(line.ampDir, "/x/.amp");
  EXPECT_EQ(line.logLevel, Poco::Message::PRIO_DEBUG);
  EXPECT_EQ(line.overrides.at("admin_api_addr"), "127.0.0.1:0");
  EXPECT_EQ(line.overrides.at("metadata_db.pool_size"), "3");
}

TEST(HostCli, SoloWithAppendsPluginsRepeatedOrCommaSeparated) {
  const auto line = parse({"solo", "--with", "worker", "--with=a,b"});
  EXPECT_EQ(line.command, Command::Solo);
  EXPECT_EQ(line.withPlugins, (std::vector<std::string>{"worker", "a", "b"}));
  EXPECT_NE(usageErrorOf({"solo", "--with", "a,,b"}).find("option --with expects plugin names"),
            std::string::npos);
  EXPECT_NE(usageErrorOf({"solo", "--with="}).find("option --with expects plugin names"),
            std::string::npos);
  EXPECT_NE(usageErrorOf({"solo", "--with"}).find("option --with requires a value"),
            std::string::npos);
  EXPECT_NE(usageErrorOf({"migrate", "--with", "worker"}).find("--with is for \"ampd solo\""),
            std::string::npos);
}

TEST(HostCli, ConfigWithoutSubcommandRunsIt) {
  const auto line = parse({"--config", "f.toml"});
  EXPECT_EQ(line.command, Command::Run);
  EXPECT_EQ(line.configFile, "f.toml");
}

TEST(HostCli, AmpConfigEnvironmentNamesTheFile) {
  EXPECT_EQ(parse({}, "env.toml").configFile, "env.toml");
  EXPECT_EQ(parse({"--config=flag.toml"}, "env.toml").configFile, "flag.toml");
}

TEST(HostCli, SubcommandsAndOptionsInAnyOrder) {
  EXPECT_EQ(parse({"plugins"}).command, Command::Plugins);
  EXPECT_EQ(parse({"--log-level", "error", "migrate"}).command, Command::Migrate);
  EXPECT_EQ(parse({"--config", "f", "solo"}).command, Command::Solo);
  EXPECT_EQ(parse({"--help"}).command, Command::Help);
  EXPECT_EQ(parse({"solo", "-h"}).command, Command::Help);
  EXPECT_EQ(parse({"--version"}).command, Command::Version);
}

TEST(HostCli, UsageErrors) {
  EXPECT_NE(usageErrorOf({}).find("no command"), std::string::npos);
  EXPECT_NE(usageErrorOf({"frobnicate"}).find("unknown command \"frobnicate\""), std::string::npos);
  EXPECT_NE(usageErrorOf({"solo", "--frob"}).find("unknown option \"--frob\""), std::string::npos);
  EXPECT_NE(usageErrorOf({"--daemon"}).find("unknown option \"--daemon\""), std::string::npos);
  EXPECT_NE(usageErrorOf({"solo", "--log-level", "loud"}).find("invalid log level \"loud\""),
            std::string::npos);
  EXPECT_NE(usageErrorOf({"solo", "--config"}).find("--config requires a value"),
            std::string::npos);
  EXPECT_NE(usageErrorOf({"solo", "--set", "novalue"}).find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(usageErrorOf({"solo", "plugins"}).find("unexpected argument \"plugins\""),
            std::string::npos);
}

TEST(HostCli, EveryDocumentedLogLevelParses) {
  for (const char* level : {"trace", "debug", "information", "notice", "warning", "error", "fatal"})
    EXPECT_NO_THROW(parseLogLevel(level)) << level;
  EXPECT_THROW(parseLogLevel("info"), UsageError);
}

TEST(HostCli, EverydayCommandsAndTheirOptions) {
  const auto status = parse({"status", "--amp-dir", "/x/.amp", "--json"});
  EXPECT_EQ(status.command, Command::Status);
  EXPECT_TRUE(status.json);
  EXPECT_EQ(status.ampDir, "/x/.amp");
  const auto psql = parse({"psql", "--", "-c", "SELECT 1", "--json", "--"});
  EXPECT_EQ(psql.command, Command::Psql);
  EXPECT_EQ(psql.passthrough, (std::vector<std::string>{"-c", "SELECT 1", "--json", "--"}));
  EXPECT_FALSE(psql.json) << "after --, everything belongs to psql";
  const auto reset = parse({"reset", "--yes"});
  EXPECT_EQ(reset.command, Command::Reset);
  EXPECT_TRUE(reset.yes);
  EXPECT_FALSE(parse({"reset"}).yes);
}

TEST(HostCli, EverydayCommandOptionsOutsideTheirCommandAreUsageErrors) {
  EXPECT_NE(usageErrorOf({"solo", "--json"}).find("--json is for \"ampd status\""),
            std::string::npos);
  EXPECT_NE(usageErrorOf({"status", "--yes"}).find("--yes is for \"ampd reset\""),
            std::string::npos);
  EXPECT_NE(usageErrorOf({"status", "--", "x"}).find("ampd psql -- ARGS"), std::string::npos);
  EXPECT_NE(usageErrorOf({"psql", "-c"}).find("unknown option"), std::string::npos);
  EXPECT_NE(usageErrorOf({"psql", "mydb"}).find("psql's arguments go after --"), std::string::npos);
}

TEST(HostCli, HelpListsTheEverydayCommands) {
  for (const char* command : {"ampd status", "ampd psql", "ampd reset"})
    EXPECT_NE(usageText().find(command), std::string::npos) << command;
}

}  // namespace
}  // namespace ampd::host
