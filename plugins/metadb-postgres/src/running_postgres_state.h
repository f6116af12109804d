// The shared state behind a RunningPostgres (internal). Built by PostgresBuilder::start().
//
// Thread-safety: `_mutex` guards `stopRequested`, `started` and `stopped`; the ChildProcess is
// thread-safe itself; everything else is immutable after start() returns, except what stop()
// releases under `_stopMutex` (one stop at a time).
#pragma once

#include <Poco/Logger.h>
#include <ampd_toolkit/pq.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <managed_postgres/cluster_lock.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>
#include <managed_postgres/socket_dir.h>

#include "child_process.h"
#include "template_builder.h"

namespace managed_postgres {

struct RunningPostgres::State {
  std::filesystem::path dataDir;
  std::string url;
  std::string version;
  std::string major;
  std::chrono::milliseconds shutdownGrace{2000};
  std::chrono::milliseconds shutdownTimeout{10000};
  Poco::Logger* logger = nullptr;
  PostgresBuilder::ExitCallback onUnexpectedExit;

  std::mutex mutex;
  bool started = false;        ///< start() returned successfully
  bool stopRequested = false;  ///< stop() or the destructor began

  std::mutex stopMutex;
  std::optional<ClusterLock> lock;
  SocketDir socketDir;
  std::filesystem::path socketPath;  ///< socketDir.path(), kept after the dir is released
  std::unique_ptr<detail::ChildProcess> child;
  /// The connection that proved readiness, until takeReadinessConnection() (guarded by `mutex`).
  std::unique_ptr<ampd::PgConnection> readinessConnection;
  /// The template being made in the background after a first start (initdb), if any; stop()
  /// interrupts and joins it before postgres is asked to shut down.
  std::unique_ptr<detail::TemplateBuilder> templateBuilder;  ///< last: destroyed first

  /// Called on the reaper thread.
  void handleExit(const ExitStatus& status);
  /// stop(): [smart, then] fast, then SIGKILL; the waits are bounded.
  ExitStatus stop(ShutdownMode mode);
  ~State();

 private:
  void release();
  /// SIGINT, then SIGKILL after shutdownTimeout.
  void shutDownFast();
};

}  // namespace managed_postgres
