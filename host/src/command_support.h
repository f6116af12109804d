// What the everyday commands (`ampd status`, `ampd psql`, `ampd reset`) share: the amp dir they
// act on, the exit codes, printing a Diagnostic, and the "nothing runs here" message.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd/diagnostic.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ampd::host {

inline constexpr int kExitNotRunning = 3;  ///< like LSB `status`: the program is not running
inline constexpr int kExitUsage = 2;

/// The amp dir: `flag` (--amp-dir) > AMP_DIR > <cwd>/.amp. Throws ampd::config::AmpDirError.
std::filesystem::path commandAmpDir(const std::optional<std::string>& flag);

/// Prints "ampd: error: <diagnostic>" on stderr and returns `exitCode`.
int printError(const Diagnostic& diagnostic, int exitCode);

/// "ampd solo --amp-dir <ampDir>" (quoted when needed).
std::string soloCommandFor(const std::filesystem::path& ampDir);

/// Bytes on disk under `path` (allocated blocks, symlinks not followed); 0 when absent. Files
/// that vanish while counting are skipped.
std::uintmax_t diskUsage(const std::filesystem::path& path);

/// "12.3 MiB".
std::string humanSize(std::uintmax_t bytes);

}  // namespace ampd::host
