// Logging set-up: every Poco logger writes one line per event to stderr, formatted
// "2024-01-31 12:00:00.123 I [source] text".
//
// Thread-safety: call setupLogging() once, early in main, before any other thread logs. The
// resulting channel is thread-safe (Poco's ConsoleChannel serialises writes).
#pragma once

namespace ampd::host {

/// The pattern of every log line (Poco PatternFormatter syntax).
inline constexpr const char* kLogPattern = "%Y-%m-%d %H:%M:%S.%i %q [%s] %t";

/// Routes the root logger and every existing logger to stderr with kLogPattern and sets all of
/// them to `level` (a Poco::Message::Priority). Loggers created later inherit both.
void setupLogging(int level);

}  // namespace ampd::host
