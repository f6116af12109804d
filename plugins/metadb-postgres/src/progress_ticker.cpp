#include "progress_ticker.h"

#include <unistd.h>

namespace managed_postgres::detail {

bool stderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressTicker::ProgressTicker(Poco::Logger& log, std::string what, bool enabled,
                               std::chrono::milliseconds interval)
    : _log(log), _what(std::move(what)), _interval(interval) {
  if (enabled) _thread = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

ProgressTicker::~ProgressTicker() {
  if (!_thread.joinable()) return;
  _thread.request_stop();  // wakes the wait below at once
  _thread.join();
}

void ProgressTicker::run(std::stop_token stop) {
  std::unique_lock lock(_mutex);
  auto next = _begin + _interval;
  while (!stop.stop_requested()) {
    // Returns false both on timeout and on a stop request; the loop tells them apart.
    _wake.wait_until(lock, stop, next, [] { return false; });
    if (stop.stop_requested()) return;
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - _begin);
    _log.information(_what + " still running (" + std::to_string(seconds.count()) + " s)");
    next += _interval;
  }
}

}  // namespace managed_postgres::detail
