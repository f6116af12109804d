// Under which identity initdb and postgres run. Both refuse to run as root, so when the caller is
// root they run either in a fresh user namespace (preferred: files stay owned by the caller, and
// postgres sees itself as their owner) or as a configured unprivileged user.
//
// Thread-safety: reentrant free functions; ProcessIdentity is a plain value.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>

namespace managed_postgres {

/// How to run the binaries when the caller is root (ignored otherwise).
enum class RootStrategy {
  Auto,           ///< user namespace; if unavailable, runAs user; else IdentityError
  UserNamespace,  ///< user namespace only
  RunAs,          ///< the runAs user only (setgid/setuid in the child)
};

/// The identity a child process takes before exec.
struct ProcessIdentity {
  enum class Kind {
    Inherit,        ///< the caller is not root: run as the caller
    UserNamespace,  ///< unshare(CLONE_NEWUSER) and map insideUid/Gid to the caller's uid/gid
    SwitchUser,     ///< setgroups/setgid/setuid to uid/gid
  };
  Kind kind = Kind::Inherit;
  uid_t uid = 0;         ///< inside uid (UserNamespace) or target uid (SwitchUser)
  gid_t gid = 0;         ///< inside gid (UserNamespace) or target gid (SwitchUser)
  uid_t outsideUid = 0;  ///< the caller's uid (UserNamespace)
  gid_t outsideGid = 0;  ///< the caller's gid (UserNamespace)
  std::string userName;  ///< the user name postgres sees (for logs)

  /// e.g. "in a user namespace as postgres (uid 101 inside = uid 0 outside)", "as user postgres
  /// (uid 101)", "as the calling user (uid 1000)".
  std::string describe() const;
};

/// True when this process may create a user namespace and map its ids in it (probed on each
/// call by forking a child that tries unshare(CLONE_NEWUSER) and writes its uid/gid maps).
bool userNamespacesAvailable();

/// The identity for a user namespace. The inside uid must have a passwd entry (initdb looks its
/// own user up): `runAs` when given, else the `postgres` user, else `nobody`. Throws
/// IdentityError when none exists.
ProcessIdentity userNamespaceIdentity(const std::string& runAs);

/// The identity of the unprivileged user `runAs`. Throws IdentityError when it does not exist
/// or is root.
ProcessIdentity runAsIdentity(const std::string& runAs);

/// Chooses the identity for this process: Inherit when not root; else per `strategy`. Throws
/// IdentityError saying what failed and how to fix it (set runAs to an unprivileged user, or run
/// as a normal user).
ProcessIdentity chooseIdentity(RootStrategy strategy, const std::string& runAs);

/// Raised when no identity can run postgres.
class IdentityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres
