#include "shutdown_trigger.h"

#include <utility>

namespace ampd::host {

bool ShutdownTrigger::signalReceived(int signo) {
  ShutdownReason reason;
  reason.kind = ShutdownReason::Kind::Signal;
  reason.signal = signo;
  return fire(std::move(reason));
}

bool ShutdownTrigger::failureReported(const std::string& plugin, const std::string& message) {
  ShutdownReason reason;
  reason.kind = ShutdownReason::Kind::Failure;
  reason.plugin = plugin;
  reason.message = message;
  return fire(std::move(reason));
}

bool ShutdownTrigger::fire(ShutdownReason reason) {
  {
    std::lock_guard lock(_mutex);
    if (_reason) return false;
    _reason = std::move(reason);
  }
  _fired.notify_all();
  return true;
}

std::optional<ShutdownReason> ShutdownTrigger::reason() const {
  std::lock_guard lock(_mutex);
  return _reason;
}

ShutdownReason ShutdownTrigger::wait() const {
  std::unique_lock lock(_mutex);
  _fired.wait(lock, [&] { return _reason.has_value(); });
  return *_reason;
}

}  // namespace ampd::host
