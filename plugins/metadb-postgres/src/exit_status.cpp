#include <managed_postgres/exit_status.h>

#include <string.h>
#include <sys/wait.h>

namespace managed_postgres {

bool ExitStatus::exited() const { return WIFEXITED(raw); }
int ExitStatus::code() const { return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1; }
bool ExitStatus::signaled() const { return WIFSIGNALED(raw); }
int ExitStatus::signal() const { return WIFSIGNALED(raw) ? WTERMSIG(raw) : 0; }

std::string ExitStatus::describe() const {
  if (exited()) return "exit code " + std::to_string(code());
  if (signaled()) {
    const char* name = ::sigabbrev_np(signal());
    return "killed by signal " + std::to_string(signal()) +
           (name != nullptr ? std::string(" (SIG") + name + ")" : std::string());
  }
  return "status " + std::to_string(raw);
}

}  // namespace managed_postgres
