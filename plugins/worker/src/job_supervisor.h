// JobSupervisor: the worker's control loop and the jobs it runs.
//
// One owned control thread registers the node (toolkit::Worker), heartbeats every
// `heartbeatInterval`, waits for the controller's START/STOP actions between heartbeats, claims
// the jobs scheduled to it and picks up, at start, the jobs it was running before a restart.
// Each job runs on its own owned thread (runExtractJob); an exception in one job marks that job
// FAILED (with its message) and nothing else. A STOP action stops the job's thread (within the
// poll interval or one JSON-RPC call) and marks it STOPPED. stop() asks every job to stop,
// joins every thread, and leaves the jobs RUNNING so that the next start resumes them.
//
// Thread-safety: start() and stop() from one thread; everything else runs on the owned threads.
#pragma once

#include "extract_job.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace Poco {
class Logger;
}
namespace ampd::toolkit {
class Worker;
}

namespace ampd::worker {

struct SupervisorSettings {
  ExtractSettings extract;
  std::chrono::milliseconds heartbeatInterval{1000};
};

class JobSupervisor {
 public:
  /// `onFailure` is called (from the control thread) when the control loop itself fails, e.g.
  /// the metadata database went away.
  JobSupervisor(SupervisorSettings settings, Poco::Logger& logger,
                std::function<void(const std::string&)> onFailure);
  ~JobSupervisor();

  /// Registers the node (throws PgError when the database cannot be reached) and starts the
  /// control thread.
  void start();
  /// Stops and joins every job and the control thread. Idempotent.
  void stop() noexcept;

 private:
  struct Task {
    std::jthread thread;
    std::atomic<bool> done{false};
    std::atomic<bool> stopRequested{false};  ///< by the controller (PUT /jobs/{id}/stop)
  };

  void control(std::stop_token stop);
  void launch(std::int64_t jobId, const std::string& descriptorJson);
  void runTask(Task& task, std::int64_t jobId, const std::string& descriptorJson,
               std::stop_token stop);
  void reap();

  SupervisorSettings _settings;
  Poco::Logger& _logger;
  std::function<void(const std::string&)> _onFailure;
  std::unique_ptr<toolkit::Worker> _worker;  // used by the control thread only once started
  std::map<std::int64_t, std::unique_ptr<Task>> _tasks;  // control thread only
  std::jthread _control;
};

}  // namespace ampd::worker
