// The host's last log line: "ampd stopped (exit N) after <duration>", written on every path that
// ends a run once the plugins are loaded (a clean stop, a runtime failure, a configuration error,
// a forced or abandoned stop), so a log always says how the run ended and how long it lasted.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace ampd::host {

/// "850 ms", "12.3 s", "5 min 3 s", "2 h 5 min".
inline std::string formatDuration(std::chrono::milliseconds elapsed) {
  const long long ms = elapsed.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60000) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
    return text;
  }
  const long long s = ms / 1000;
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

/// "ampd stopped (exit N) after <time since `startedAt`>".
inline std::string stoppedLine(int exitCode, std::chrono::steady_clock::time_point startedAt) {
  return "ampd stopped (exit " + std::to_string(exitCode) + ") after " +
         formatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - startedAt));
}

}  // namespace ampd::host
