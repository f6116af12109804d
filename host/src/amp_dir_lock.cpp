#include "amp_dir_lock.h"

#include <ampd/plugin.h>

#include <cerrno>
#include <cstring>

namespace ampd::host {

FileLock lockAmpDir(const std::filesystem::path& ampDir) {
  const auto path = ampDir / kAmpDirLockName;
  try {
    return FileLock::onFile(path);
  } catch (const FileLockBusyError& e) {
    throw PluginConfigError(Diagnostic{
        "amp dir " + ampDir.string() + " is in use by ampd pid " + std::to_string(e.holderPid()),
        "Another ampd holds the lock " + path.string() + ".",
        "Stop that ampd first, or give this one another amp dir with --amp-dir or AMP_DIR."});
  } catch (const FileLockError& e) {
    if (e.errorNumber() == EROFS || e.errorNumber() == EACCES)
      throw PluginConfigError(Diagnostic{
          "amp dir " + ampDir.string() + " is not writable: " + std::strerror(e.errorNumber()),
          "ampd keeps its lock and the PostgreSQL cluster in the amp dir, and PostgreSQL "
          "writes to its data directory even to start.",
          "Remount the file system read-write (or fix the folder's permissions), or choose a "
          "writable amp dir with --amp-dir or AMP_DIR."});
    throw PluginError(Diagnostic{e.what(), "", ""});
  }
}

}  // namespace ampd::host
