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

}  // namespace
}  // namespace ampd::host
