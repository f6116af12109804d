#include "cli.h"

#include <Poco/Message.h>
#include <ampd/plugin.h>

#include <array>
#include <utility>

namespace ampd::host {

namespace {

struct LevelName {
  const char* name;
  int priority;
};

constexpr std::array<LevelName, 7> kLevels{{
    {"trace", Poco::Message::PRIO_TRACE},
    {"debug", Poco::Message::PRIO_DEBUG},
    {"information", Poco::Message::PRIO_INFORMATION},
    {"notice", Poco::Message::PRIO_NOTICE},
    {"warning", Poco::Message::PRIO_WARNING},
    {"error", Poco::Message::PRIO_ERROR},
    {"fatal", Poco::Message::PRIO_FATAL},
}};

/// Splits "--name=value" into its parts; a bare "--name" gives no value.
std::pair<std::string, std::optional<std::string>> splitOption(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return {arg, std::nullopt};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

}  // namespace

int parseLogLevel(const std::string& value) {
  for (const auto& level : kLevels)
    if (value == level.name) return level.priority;
  std::string accepted;
  for (const auto& level : kLevels)
    accepted += std::string(accepted.empty() ? "" : "|") + level.name;
  throw UsageError("invalid log level \"" + value + "\" (expected " + accepted + ")");
}

CommandLine parseCommandLine(const std::vector<std::string>& args,
                             const std::optional<std::string>& ampConfigEnv) {
  CommandLine line;
  std::optional<Command> subcommand;
  bool help = false;
  bool version = false;
  bool sawKeys = false;     // `ampd config keys`
  bool keysOption = false;  // `ampd plugins --keys`

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("-", 0) != 0) {
      if (subcommand == Command::ConfigKeys && !sawKeys && arg == "keys") {  // ampd config keys
        sawKeys = true;
        continue;
      }
      if (subcommand == Command::Psql)
        throw UsageError("unexpected argument \"" + arg + "\" (psql's arguments go after --)");
      if (subcommand) throw UsageError("unexpected argument \"" + arg + "\"");
      if (arg == "solo")
        subcommand = Command::Solo;
      else if (arg == "plugins")
        subcommand = Command::Plugins;
      else if (arg == "config")
        subcommand = Command::ConfigKeys;
      else if (arg == "migrate")
        subcommand = Command::Migrate;
      else if (arg == "status")
        subcommand = Command::Status;
      else if (arg == "psql")
        subcommand = Command::Psql;
      else if (arg == "reset")
        subcommand = Command::Reset;
      else
        throw UsageError("unknown command \"" + arg + "\"");
      continue;
    }
    if (arg == "--") {
      if (subcommand != Command::Psql)
        throw UsageError("\"--\" passes arguments to psql: ampd psql -- ARGS");
      line.passthrough.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    auto [name, inlineValue] = splitOption(arg);
    const auto takeValue = [&, &name = name, &inlineValue = inlineValue]() -> std::string {
      if (inlineValue) return *inlineValue;
      if (i + 1 >= args.size()) throw UsageError("option " + name + " requires a value");
      return args[++i];
    };
    if (name == "--help" || name == "-h") {
      help = true;
    } else if (name == "--keys") {
      keysOption = true;
    } else if (name == "--json") {
      line.json = true;
    } else if (name == "--yes") {
      line.yes = true;
    } else if (name == "--version") {
      version = true;
    } else if (name == "--config") {
      line.configFile = takeValue();
      if (line.configFile->empty()) throw UsageError("option --config requires a value");
    } else if (name == "--amp-dir") {
      line.ampDir = takeValue();
      if (line.ampDir->empty())
        throw UsageError("option --amp-dir is empty (give it the path of the amp dir)");
    } else if (name == "--log-level") {
      line.logLevel = parseLogLevel(takeValue());
    } else if (name == "--set") {
      const std::string assignment = takeValue();
      const auto eq = assignment.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("option --set expects KEY=VALUE, got \"" + assignment + "\"");
      line.overrides[assignment.substr(0, eq)] = assignment.substr(eq + 1);
    } else {
      throw UsageError("unknown option \"" + name + "\"");
    }
  }

  if (subcommand == Command::ConfigKeys && !sawKeys)
    throw UsageError("\"ampd config\" needs a subcommand: ampd config keys");
  if (keysOption) {
    if (subcommand != Command::Plugins) throw UsageError("option --keys is for \"ampd plugins\"");
    subcommand = Command::ConfigKeys;
  }
  if (line.json && subcommand != Command::Status)
    throw UsageError("option --json is for \"ampd status\"");
  if (line.yes && subcommand != Command::Reset)
    throw UsageError("option --yes is for \"ampd reset\"");
  if (help) {
    line.command = Command::Help;
  } else if (version) {
    line.command = Command::Version;
  } else if (subcommand) {
    line.command = *subcommand;
  } else {
    line.command = Command::Run;
  }
  if (!line.configFile && ampConfigEnv && !ampConfigEnv->empty()) line.configFile = ampConfigEnv;
  if (line.command == Command::Run && !line.configFile)
    throw UsageError("no command given (use \"ampd solo\" or \"ampd --config FILE\")");
  return line;
}

std::string usageText() {
  return "usage:\n"
         "  ampd solo [--amp-dir PATH] [--config FILE]    zero-config mode: postgres + admin API + "
         "query API\n"
         "  ampd --config FILE                            run the plugin list in FILE (env "
         "AMP_CONFIG)\n"
         "  ampd migrate [--amp-dir PATH | --config FILE] apply metadata schema migrations and "
         "exit\n"
         "  ampd plugins                                  list every plugin found\n"
         "  ampd config keys (or ampd plugins --keys)     list every configuration key: type, "
         "default, range, doc\n"
         "  ampd status [--amp-dir PATH] [--json]         is an ampd running on the amp dir: pid, "
         "URLs, versions, sizes\n"
         "  ampd psql [--amp-dir PATH] [-- ARGS]          run psql on the running metadata "
         "database\n"
         "  ampd reset [--amp-dir PATH] --yes             delete the cluster, data/ and state; "
         "keep "
         "config.toml, providers/\n"
         "  ampd --version | --help\n"
         "\n"
         "options:\n"
         "  --config FILE      configuration file (env AMP_CONFIG)\n"
         "  --amp-dir PATH     the amp dir itself (env AMP_DIR; default <cwd>/.amp)\n"
         "  --log-level LEVEL  trace|debug|information|notice|warning|error|fatal (default "
         "information)\n"
         "  --set KEY=VALUE    override a configuration key (repeatable)\n"
         "\n"
         "plugins are searched in plugin_dir (config), then AMPD_PLUGIN_PATH (colon-separated), "
         "then next to the executable.\n"
         "exit codes: 0 clean stop, 1 runtime failure, 2 usage or configuration error;\n"
         "  ampd status and ampd psql exit 3 when no ampd runs on the amp dir.\n";
}

std::string versionText() {
  return std::string("ampd ") + AMPD_VERSION + " (plugin ABI " + std::to_string(kAbiVersion) + ")";
}

}  // namespace ampd::host
