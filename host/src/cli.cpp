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

/// The subcommand called `word` ("config" stands for "config keys"). Throws UsageError.
Command commandNamed(const std::string& word) {
  static const std::array<std::pair<const char*, Command>, 7> kCommands{{
      {"solo", Command::Solo},
      {"plugins", Command::Plugins},
      {"config", Command::ConfigKeys},
      {"migrate", Command::Migrate},
      {"status", Command::Status},
      {"psql", Command::Psql},
      {"reset", Command::Reset},
  }};
  for (const auto& [name, command] : kCommands)
    if (word == name) return command;
  throw UsageError("unknown command \"" + word + "\"");
}

/// Checks the options that belong to one command.
void checkCommandOptions(const CommandLine& line, const std::optional<Command>& subcommand) {
  if (line.json && subcommand != Command::Status)
    throw UsageError("option --json is for \"ampd status\"");
  if (line.yes && subcommand != Command::Reset)
    throw UsageError("option --yes is for \"ampd reset\"");
  if (!line.withPlugins.empty() && subcommand != Command::Solo)
    throw UsageError("option --with is for \"ampd solo\"");
}

/// Appends the comma-separated plugin names of a --with value. Throws UsageError on an empty
/// name.
void appendPluginNames(const std::string& value, std::vector<std::string>& names) {
  std::size_t start = 0;
  for (;;) {
    const auto comma = value.find(',', start);
    const auto name = value.substr(start, comma == std::string::npos ? comma : comma - start);
    if (name.empty())
      throw UsageError("option --with expects plugin names (NAME[,NAME...]), got \"" + value +
                       "\"");
    names.push_back(name);
    if (comma == std::string::npos) return;
    start = comma + 1;
  }
}

/// What the parse has seen so far, besides the CommandLine itself.
struct ParseState {
  std::optional<Command> subcommand;
  bool help = false;
  bool version = false;
  bool sawKeys = false;     // `ampd config keys`
  bool keysOption = false;  // `ampd plugins --keys`
};

/// Applies the option args[i] to `line` / `state`; a separate value advances `i`.
void applyOption(const std::vector<std::string>& args, std::size_t& i, CommandLine& line,
                 ParseState& state) {
  const std::string& arg = args[i];
  auto [name, inlineValue] = splitOption(arg);
  const auto takeValue = [&, &name = name, &inlineValue = inlineValue]() -> std::string {
    if (inlineValue) return *inlineValue;
    if (i + 1 >= args.size()) throw UsageError("option " + name + " requires a value");
    return args[++i];
  };
  if (name == "--help" || name == "-h") {
    state.help = true;
  } else if (name == "--keys") {
    state.keysOption = true;
  } else if (name == "--json") {
    line.json = true;
  } else if (name == "--yes") {
    line.yes = true;
  } else if (name == "--version") {
    state.version = true;
  } else if (name == "--config") {
    line.configFile = takeValue();
    if (line.configFile->empty()) throw UsageError("option --config requires a value");
  } else if (name == "--amp-dir") {
    line.ampDir = takeValue();
    if (line.ampDir->empty())
      throw UsageError("option --amp-dir is empty (give it the path of the amp dir)");
  } else if (name == "--with") {
    appendPluginNames(takeValue(), line.withPlugins);
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
  ParseState state;
  std::optional<Command>& subcommand = state.subcommand;

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("-", 0) != 0) {
      if (subcommand == Command::ConfigKeys && !state.sawKeys && arg == "keys") {
        state.sawKeys = true;  // ampd config keys
        continue;
      }
      if (subcommand == Command::Psql)
        throw UsageError("unexpected argument \"" + arg + "\" (psql's arguments go after --)");
      if (subcommand) throw UsageError("unexpected argument \"" + arg + "\"");
      subcommand = commandNamed(arg);
      continue;
    }
    if (arg == "--") {
      if (subcommand != Command::Psql)
        throw UsageError("\"--\" passes arguments to psql: ampd psql -- ARGS");
      line.passthrough.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    applyOption(args, i, line, state);
  }

  if (subcommand == Command::ConfigKeys && !state.sawKeys)
    throw UsageError("\"ampd config\" needs a subcommand: ampd config keys");
  if (state.keysOption) {
    if (subcommand != Command::Plugins) throw UsageError("option --keys is for \"ampd plugins\"");
    subcommand = Command::ConfigKeys;
  }
  checkCommandOptions(line, subcommand);
  if (state.help) {
    line.command = Command::Help;
  } else if (state.version) {
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
         "  ampd solo --with worker                       ... plus more plugins (NAME[,NAME...], "
         "repeatable)\n"
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
         "  --with NAMES       solo: append plugins to the plugin list (comma-separated, "
         "repeatable)\n"
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
