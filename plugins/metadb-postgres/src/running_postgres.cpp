#include <managed_postgres/running_postgres.h>

#include <signal.h>

#include "running_postgres_state.h"

namespace managed_postgres {

namespace {
std::string joinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "\n  " + line;
  return text;
}
}  // namespace

void RunningPostgres::State::handleExit(const ExitStatus& status) {
  bool unexpected = false;
  {
    std::lock_guard guard(mutex);
    unexpected = started && !stopRequested;
  }
  if (!unexpected) return;
  const auto lines = child ? child->lastLines() : std::vector<std::string>{};
  logger->error("PostgreSQL (pid " + std::to_string(child ? child->pid() : 0) +
                ") exited unexpectedly (" + status.describe() +
                "); last lines:" + joinLines(lines));
  if (onUnexpectedExit) onUnexpectedExit(status, lines);
}

ExitStatus RunningPostgres::State::stop(ShutdownMode mode) {
  std::lock_guard serial(stopMutex);
  {
    std::lock_guard guard(mutex);
    stopRequested = true;
  }
  templateBuilder.reset();  // a background initdb is killed, not waited for
  {
    std::lock_guard guard(mutex);
    readinessConnection.reset();  // ours is closed before postgres is asked to shut down
  }
  if (mode == ShutdownMode::Fast) {
    shutDownFast();
  } else if (child->signal(SIGTERM) && !child->waitFor(shutdownGrace)) {
    logger->information("PostgreSQL still has clients after " +
                        std::to_string(shutdownGrace.count()) +
                        " ms of smart shutdown; switching to fast shutdown (SIGINT)");
    shutDownFast();
  }
  const auto status = child->wait();
  release();
  return status;
}

void RunningPostgres::State::shutDownFast() {
  if (child->signal(SIGINT) && !child->waitFor(shutdownTimeout)) {
    logger->warning("PostgreSQL did not finish a fast shutdown in " +
                    std::to_string(shutdownTimeout.count()) + " ms; sending SIGKILL");
    child->signal(SIGKILL);
  }
}

void RunningPostgres::State::release() {
  if (child) child->finishOutput(std::chrono::milliseconds(500));
  socketDir.remove();
  lock.reset();
}

RunningPostgres::State::~State() {
  try {
    if (child)
      stop(ShutdownMode::Fast);
    else
      release();
  } catch (...) {
    // stop() only logs and releases; nothing to do if that fails in a destructor.
  }
  templateBuilder.reset();
  child.reset();
}

RunningPostgres::RunningPostgres(std::unique_ptr<State> state) : _state(std::move(state)) {}
RunningPostgres::RunningPostgres(RunningPostgres&& other) noexcept = default;
RunningPostgres& RunningPostgres::operator=(RunningPostgres&& other) noexcept = default;
RunningPostgres::~RunningPostgres() = default;

const std::string& RunningPostgres::url() const { return _state->url; }
const std::filesystem::path& RunningPostgres::dataDir() const { return _state->dataDir; }
const std::filesystem::path& RunningPostgres::socketDir() const { return _state->socketPath; }
const std::string& RunningPostgres::serverVersion() const { return _state->version; }
const std::string& RunningPostgres::serverMajorVersion() const { return _state->major; }
pid_t RunningPostgres::pid() const { return _state->child->pid(); }
bool RunningPostgres::running() const { return !_state->child->exitStatus().has_value(); }
ExitStatus RunningPostgres::stop() { return _state->stop(ShutdownMode::Smart); }
ExitStatus RunningPostgres::stop(ShutdownMode mode) { return _state->stop(mode); }
ExitStatus RunningPostgres::wait() const { return _state->child->wait(); }
std::optional<ExitStatus> RunningPostgres::waitFor(std::chrono::milliseconds timeout) const {
  return _state->child->waitFor(timeout);
}
std::vector<std::string> RunningPostgres::lastLogLines() const {
  return _state->child->lastLines();
}
std::unique_ptr<ampd::PgConnection> RunningPostgres::takeReadinessConnection() {
  std::lock_guard guard(_state->mutex);
  return std::move(_state->readinessConnection);
}

}  // namespace managed_postgres
