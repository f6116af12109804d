// The amp-dir lock: one ampd per amp dir, whatever its plugins. The host takes
// `<amp dir>/ampd.lock` (ampd::FileLock, which records the pid) after the configuration is
// checked and before any address is test-bound or any plugin starts, for every run mode.
//
// Thread-safety: called by the main thread only.
#pragma once

#include <ampd_toolkit/file_lock.h>

#include <filesystem>

namespace ampd::host {

/// The lock file's name inside the amp dir.
inline constexpr const char* kAmpDirLockName = "ampd.lock";

/// Locks `ampDir`. Throws ampd::PluginConfigError (exit 2): "amp dir … is in use by ampd pid N"
/// when another ampd holds it, "… is not writable" on a read-only file system or folder; any
/// other failure is a PluginError (exit 1) naming the path.
FileLock lockAmpDir(const std::filesystem::path& ampDir);

}  // namespace ampd::host
