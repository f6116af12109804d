#include <managed_postgres/process_identity.h>

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace managed_postgres {

namespace {

struct User {
  std::string name;
  uid_t uid;
  gid_t gid;
};

std::optional<User> lookUpUser(const std::string& name) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(static_cast<std::size_t>(size > 0 ? size : 16384));
  passwd entry{};
  passwd* result = nullptr;
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result) != 0 ||
      result == nullptr)
    return std::nullopt;
  return User{entry.pw_name, entry.pw_uid, entry.pw_gid};
}

const char* kRootHint =
    "HINT: set runAs to an unprivileged user (in ampd: metadb_postgres.run_as = \"postgres\"), "
    "or run as a normal user instead of root.";

}  // namespace

std::string ProcessIdentity::describe() const {
  switch (kind) {
    case Kind::Inherit:
      return "as the calling user (uid " + std::to_string(::geteuid()) + ")";
    case Kind::UserNamespace:
      return "in a user namespace as " + userName + " (uid " + std::to_string(uid) +
             " inside = uid " + std::to_string(outsideUid) + " outside)";
    case Kind::SwitchUser:
      return "as user " + userName + " (uid " + std::to_string(uid) + ")";
  }
  return "?";
}

bool userNamespacesAvailable() {
  // The probe does what a real child does before exec: unshare, deny setgroups, map one uid and
  // one gid (an LSM or a container may allow the first and refuse the others).
  const std::string uidMap = "1 " + std::to_string(::geteuid()) + " 1\n";
  const std::string gidMap = "1 " + std::to_string(::getegid()) + " 1\n";
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    auto write = [](const char* path, const std::string& text) {
      const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0) return false;
      const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      ::close(fd);
      return ok;
    };
    const bool ok = ::unshare(CLONE_NEWUSER) == 0 && write("/proc/self/setgroups", "deny") &&
                    write("/proc/self/uid_map", uidMap) && write("/proc/self/gid_map", gidMap);
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

ProcessIdentity userNamespaceIdentity(const std::string& runAs) {
  std::vector<std::string> candidates;
  if (!runAs.empty()) candidates.push_back(runAs);
  candidates.insert(candidates.end(), {"postgres", "nobody"});
  for (const auto& name : candidates) {
    const auto user = lookUpUser(name);
    if (!user || user->uid == 0) continue;
    ProcessIdentity id;
    id.kind = ProcessIdentity::Kind::UserNamespace;
    id.uid = user->uid;
    id.gid = user->gid;
    id.outsideUid = ::geteuid();
    id.outsideGid = ::getegid();
    id.userName = user->name;
    return id;
  }
  throw IdentityError(
      "cannot run PostgreSQL in a user namespace: no unprivileged user to appear as inside it "
      "(initdb looks its user up; tried" +
      std::string(runAs.empty() ? "" : " " + runAs + ",") + " postgres and nobody).\n" + kRootHint);
}

ProcessIdentity runAsIdentity(const std::string& runAs) {
  if (runAs.empty()) throw IdentityError(std::string("no runAs user is configured.\n") + kRootHint);
  const auto user = lookUpUser(runAs);
  if (!user) throw IdentityError("runAs user \"" + runAs + "\" does not exist.\n" + kRootHint);
  if (user->uid == 0)
    throw IdentityError("runAs user \"" + runAs +
                        "\" is root; PostgreSQL refuses to run as root.\n" + kRootHint);
  ProcessIdentity id;
  id.kind = ProcessIdentity::Kind::SwitchUser;
  id.uid = user->uid;
  id.gid = user->gid;
  id.userName = user->name;
  return id;
}

ProcessIdentity chooseIdentity(RootStrategy strategy, const std::string& runAs) {
  if (::geteuid() != 0) return ProcessIdentity{};
  switch (strategy) {
    case RootStrategy::RunAs:
      return runAsIdentity(runAs);
    case RootStrategy::UserNamespace:
      if (!userNamespacesAvailable())
        throw IdentityError(
            std::string("running as root, and user namespaces are unavailable "
                        "(unshare(CLONE_NEWUSER) failed: ") +
            "check /proc/sys/user/max_user_namespaces and the container's seccomp profile).\n" +
            kRootHint);
      return userNamespaceIdentity(runAs);
    case RootStrategy::Auto:
      if (userNamespacesAvailable()) return userNamespaceIdentity(runAs);
      if (!runAs.empty()) return runAsIdentity(runAs);
      throw IdentityError(
          "PostgreSQL refuses to run as root, user namespaces are unavailable here "
          "(unshare(CLONE_NEWUSER) failed), and no runAs user is configured.\n" +
          std::string(kRootHint));
  }
  return ProcessIdentity{};
}

}  // namespace managed_postgres
