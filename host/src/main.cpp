// ampd's entry point: block SIGINT/SIGTERM before any thread exists, parse the command line,
// then hand over to AmpdApplication.
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "application.h"
#include "cli.h"
#include "psql_command.h"
#include "reset_command.h"
#include "signal_watcher.h"
#include "status_command.h"

int main(int argc, char** argv) {
  // First thing: every thread created from now on inherits the blocked set, so only the
  // supervisor's SignalWatcher ever receives SIGINT/SIGTERM.
  ampd::host::blockTerminationSignals();
  // SIGPIPE too: a client that hangs up makes a write fail with EPIPE instead of killing ampd.
  // Blocked (not ignored) so child processes do not inherit an ignored disposition.
  sigset_t brokenPipe;
  sigemptyset(&brokenPipe);
  sigaddset(&brokenPipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &brokenPipe, nullptr);

  const std::vector<std::string> args(argv + 1, argv + argc);
  const char* ampConfig = std::getenv("AMP_CONFIG");
  ampd::host::CommandLine commandLine;
  try {
    commandLine = ampd::host::parseCommandLine(
        args, ampConfig != nullptr ? std::optional<std::string>(ampConfig) : std::nullopt);
  } catch (const ampd::host::UsageError& e) {
    std::cerr << "ampd: " << e.what() << "\n\n" << ampd::host::usageText();
    return 2;
  }
  if (commandLine.command == ampd::host::Command::Help) {
    std::cout << ampd::host::usageText();
    return 0;
  }
  if (commandLine.command == ampd::host::Command::Version) {
    std::cout << ampd::host::versionText() << "\n";
    return 0;
  }

  // The everyday commands run without the Poco application (no logging, no plugins).
  if (commandLine.command == ampd::host::Command::Status)
    return ampd::host::runStatusCommand(commandLine, std::cout);
  if (commandLine.command == ampd::host::Command::Psql)
    return ampd::host::runPsqlCommand(commandLine);
  if (commandLine.command == ampd::host::Command::Reset)
    return ampd::host::runResetCommand(commandLine, std::cout);

  ampd::host::AmpdApplication application(std::move(commandLine));
  char* applicationArgv[] = {argv[0], nullptr};
  return application.run(1, applicationArgv);
}
