#include "start_thread.h"

#include <utility>

namespace ampd::host {

StartThread::StartThread(std::function<void()> task)
    : _task(std::move(task)), _thread([this] { run(); }) {}

StartThread::~StartThread() {
  release();
  _thread.join();
}

void StartThread::run() {
  _task();
  std::unique_lock lock(_mutex);
  _started = true;
  _changed.notify_all();
  // Parked, not finished: a child forked in start() with PR_SET_PDEATHSIG must outlive start().
  _changed.wait(lock, [this] { return _released; });
}

void StartThread::awaitStarted() {
  std::unique_lock lock(_mutex);
  _changed.wait(lock, [this] { return _started; });
}

void StartThread::release() {
  {
    std::lock_guard lock(_mutex);
    _released = true;
  }
  _changed.notify_all();
}

}  // namespace ampd::host
