#include "reset_command.h"

#include <ampd_config/amp_dir.h>
#include <ampd_toolkit/file_lock.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <vector>

#include "amp_dir_lock.h"
#include "command_support.h"
#include "state_file.h"

namespace ampd::host {

namespace fs = std::filesystem;

namespace {

struct Entry {
  fs::path path;
  std::string what;
  bool directory = false;
};

struct Plan {
  std::vector<Entry> remove;
  std::vector<Entry> keep;
};

/// What ampd made in the amp dir (removed by reset), by name, and what it is.
std::string ampdEntryKind(const std::string& name) {
  if (name == "metadb") return "the PostgreSQL cluster";
  if (name == "data") return "extracted datasets";
  if (name == kStateFileName || name.rfind(std::string(kStateFileName) + ".tmp", 0) == 0)
    return "ampd's state file";
  if (name.size() > 6 && name.compare(name.size() - 6, 6, ".cache") == 0) return "a cache";
  return "";
}

std::string keptKind(const std::string& name) {
  if (name == "config.toml") return "configuration";
  if (name == "providers") return "provider definitions";
  if (name == "manifests") return "manifests";
  return "not made by ampd";
}

Plan planReset(const fs::path& ampDir) {
  Plan plan;
  std::set<fs::path> sorted;
  for (const auto& entry : fs::directory_iterator(ampDir)) sorted.insert(entry.path());
  for (const auto& path : sorted) {
    const std::string name = path.filename().string();
    if (name == kAmpDirLockName) continue;
    const std::string kind = ampdEntryKind(name);
    const bool directory = fs::is_directory(fs::symlink_status(path));
    if (kind.empty())
      plan.keep.push_back({path, keptKind(name), directory});
    else
      plan.remove.push_back({path, kind, directory});
  }
  return plan;
}

std::string describe(const Entry& entry, bool withSize) {
  std::string text =
      "  " + entry.path.filename().string() + (entry.directory ? "/" : "") + "  (" + entry.what;
  if (withSize) text += ", " + humanSize(diskUsage(entry.path));
  return text + ")\n";
}

void printPlan(const Plan& plan, const fs::path& ampDir, bool done, std::ostream& out) {
  out << (done ? "deleted from " : "ampd reset would delete from ") << ampDir.string() << ":\n";
  if (plan.remove.empty()) out << "  (nothing)\n";
  for (const auto& entry : plan.remove) out << describe(entry, !done);
  out << (done ? "kept:\n" : "and keep:\n");
  if (plan.keep.empty()) out << "  (nothing)\n";
  for (const auto& entry : plan.keep) out << describe(entry, false);
}

int refuseBusy(const fs::path& ampDir, pid_t pid) {
  const std::string who = pid > 0 ? "ampd pid " + std::to_string(pid) : "another ampd";
  return printError(
      {"amp dir " + ampDir.string() + " is in use by " + who,
       "ampd reset stops nothing and deletes nothing while an ampd runs on the amp dir.",
       "Stop it first (Ctrl-C in its terminal" +
           (pid > 0 ? ", or kill -TERM " + std::to_string(pid) : std::string()) +
           "), then run ampd reset again."},
      kExitUsage);
}

int deleteAll(const Plan& plan) {
  for (const auto& entry : plan.remove) {
    std::error_code ec;
    fs::remove_all(entry.path, ec);
    if (ec)
      return printError({"cannot delete " + entry.path.string() + ": " + ec.message(),
                         "ampd reset stopped there; what is listed before it was deleted.",
                         "Fix the permissions and run ampd reset again."},
                        1);
  }
  return 0;
}

}  // namespace

int runResetCommand(const CommandLine& commandLine, std::ostream& out) {
  try {
    const fs::path ampDir = commandAmpDir(commandLine.ampDir);
    if (!fs::is_directory(ampDir)) {
      out << "nothing to reset: amp dir " << ampDir.string() << " does not exist\n";
      return 0;
    }
    const FileLock lock = FileLock::onFile(ampDir / kAmpDirLockName);  // held while deleting
    const Plan plan = planReset(ampDir);
    if (!commandLine.yes) {
      printPlan(plan, ampDir, false, out);
      out << "nothing deleted: run \"ampd reset --amp-dir " << ampDir.string()
          << " --yes\" to delete these\n";
      return kExitUsage;
    }
    if (const int code = deleteAll(plan); code != 0) return code;
    printPlan(plan, ampDir, true, out);
    out << "the next start creates a fresh cluster: " << soloCommandFor(ampDir) << "\n";
    return 0;
  } catch (const FileLockBusyError& e) {
    return refuseBusy(commandAmpDir(commandLine.ampDir), e.holderPid());
  } catch (const FileLockError& e) {
    return printError({e.what(), "", "Check the amp dir's permissions."}, 1);
  } catch (const fs::filesystem_error& e) {
    return printError({"cannot list " + e.path1().string() + ": " + e.code().message(), "", ""}, 1);
  } catch (const ampd::config::AmpDirError& e) {
    return printError({e.what(), "", ""}, kExitUsage);
  }
}

}  // namespace ampd::host
