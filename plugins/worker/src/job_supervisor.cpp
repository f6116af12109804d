#include "job_supervisor.h"

#include <ampd_toolkit/worker_api.h>

#include <Poco/Logger.h>

namespace ampd::worker {

JobSupervisor::JobSupervisor(SupervisorSettings settings, Poco::Logger& logger,
                             std::function<void(const std::string&)> onFailure)
    : _settings(std::move(settings)), _logger(logger), _onFailure(std::move(onFailure)) {}

JobSupervisor::~JobSupervisor() { stop(); }

void JobSupervisor::start() {
  _worker = std::make_unique<toolkit::Worker>(
      _settings.extract.databaseUrl, _settings.extract.nodeId,
      R"({"version":"0.1.0","commit_sha":"","commit_timestamp":"","build_date":""})");
  _control = std::jthread([this](std::stop_token stop) { control(stop); });
}

void JobSupervisor::stop() noexcept {
  if (_control.joinable()) {
    _control.request_stop();
    _control.join();
  }
  _worker.reset();
}

void JobSupervisor::control(std::stop_token stop) {
  try {
    for (const auto& job : _worker->pendingJobs()) {
      if (job.status == "SCHEDULED") {
        if (const auto claimed = _worker->claim(job.id)) launch(job.id, claimed->descriptorJson);
      } else if (job.status == "RUNNING") {
        _logger.information("resuming job " + std::to_string(job.id));
        launch(job.id, job.descriptorJson);
      } else {  // STOP_REQUESTED, STOPPING: nothing runs it any more
        _worker->stopped(job.id);
      }
    }
    auto nextBeat = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
      if (std::chrono::steady_clock::now() >= nextBeat) {
        _worker->heartbeat();
        nextBeat = std::chrono::steady_clock::now() + _settings.heartbeatInterval;
      }
      reap();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          nextBeat - std::chrono::steady_clock::now());
      // Short waits: stop() is noticed within 100 ms.
      const auto action = _worker->waitForAction(
          std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(100)));
      if (!action) continue;
      if (action->kind == toolkit::JobAction::Kind::Start) {
        if (_tasks.count(action->jobId)) continue;
        if (const auto claimed = _worker->claim(action->jobId))
          launch(action->jobId, claimed->descriptorJson);
      } else {
        const auto it = _tasks.find(action->jobId);
        if (it != _tasks.end()) {
          it->second->stopRequested = true;
          it->second->thread.request_stop();
        } else {
          _worker->stopped(action->jobId);
        }
      }
    }
  } catch (const std::exception& e) {
    _logger.error(std::string("worker control loop failed: ") + e.what());
    _onFailure(std::string("worker ") + _settings.extract.nodeId + ": " + e.what());
  }
  for (auto& [id, task] : _tasks) task->thread.request_stop();
  _tasks.clear();  // joins every job thread
}

void JobSupervisor::launch(std::int64_t jobId, const std::string& descriptorJson) {
  auto task = std::make_unique<Task>();
  auto& ref = *task;
  task->thread = std::jthread([this, &ref, jobId, descriptorJson](std::stop_token stop) {
    runTask(ref, jobId, descriptorJson, stop);
  });
  _tasks[jobId] = std::move(task);
}

void JobSupervisor::runTask(Task& task, std::int64_t jobId, const std::string& descriptorJson,
                            std::stop_token stop) {
  const auto id = std::to_string(jobId);
  try {
    const auto outcome =
        runExtractJob(_settings.extract, jobId, parseDumpDescriptor(descriptorJson), stop, _logger);
    toolkit::Worker report(_settings.extract.databaseUrl, _settings.extract.nodeId);
    if (outcome == ExtractOutcome::Completed) {
      report.complete(jobId);
      _logger.information("job " + id + " completed");
    } else if (task.stopRequested) {
      report.stopped(jobId);
      _logger.information("job " + id + " stopped");
    } else {
      _logger.information("job " + id + " paused by shutdown; it resumes at the next start");
    }
  } catch (const std::exception& e) {
    _logger.error("job " + id + " failed: " + e.what());
    try {
      toolkit::Worker report(_settings.extract.databaseUrl, _settings.extract.nodeId);
      report.fail(jobId, e.what());
    } catch (const std::exception& inner) {
      _logger.error("job " + id + ": cannot record its failure: " + inner.what());
    }
  }
  task.done = true;
}

void JobSupervisor::reap() {
  for (auto it = _tasks.begin(); it != _tasks.end();) {
    if (it->second->done)
      it = _tasks.erase(it);  // joins the finished thread
    else
      ++it;
  }
}

}  // namespace ampd::worker
