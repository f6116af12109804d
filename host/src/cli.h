// Command-line parsing for ampd. Parsed by hand before Poco's option processing sees anything,
// so ServerApplication's own options (--daemon, --pidfile, --umask) never apply.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ampd::host {

/// What ampd was asked to do.
enum class Command {
  Run,         ///< `ampd --config FILE`: run the plugin list in FILE
  Solo,        ///< `ampd solo`: zero-config mode
  Migrate,     ///< `ampd migrate`: start everything (the controller migrates), then stop
  Plugins,     ///< `ampd plugins`: list every plugin found
  ConfigKeys,  ///< `ampd config keys` / `ampd plugins --keys`: list every configuration key
  Status,      ///< `ampd status [--json]`: is an ampd running on the amp dir, and its facts
  Psql,        ///< `ampd psql [-- ARGS]`: exec psql on the running metadata database
  Reset,       ///< `ampd reset --yes`: delete the cluster, data and state (not config, providers)
  Help,        ///< `ampd --help`
  Version,     ///< `ampd --version`
};

/// The parsed command line.
struct CommandLine {
  Command command = Command::Help;
  std::optional<std::string> configFile;         ///< --config FILE, else AMP_CONFIG
  std::optional<std::string> ampDir;             ///< --amp-dir PATH (AMP_DIR is applied later)
  std::optional<int> logLevel;                   ///< --log-level, as a Poco::Message::Priority
  std::map<std::string, std::string> overrides;  ///< --set KEY=VALUE, in order, last wins
  bool json = false;                             ///< --json (status)
  bool yes = false;                              ///< --yes (reset)
  std::vector<std::string> passthrough;          ///< after `--` (psql)
  /// --with NAME[,NAME...] (solo, repeatable): plugins appended to the plugin list, in order.
  std::vector<std::string> withPlugins;
};

/// A usage error: ampd prints what() and the usage text, and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses argv[1..]. `ampConfigEnv` is the value of AMP_CONFIG, if set; it names the config
/// file when --config is absent. Throws UsageError.
CommandLine parseCommandLine(const std::vector<std::string>& args,
                             const std::optional<std::string>& ampConfigEnv);

/// Parses a --log-level value (trace|debug|information|notice|warning|error|fatal) into a
/// Poco::Message::Priority. Throws UsageError naming the value and the accepted ones.
int parseLogLevel(const std::string& value);

/// The usage text printed by --help and after a usage error.
std::string usageText();

/// "ampd <version> (plugin ABI <n>)".
std::string versionText();

}  // namespace ampd::host
