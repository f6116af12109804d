#include "signal_watcher.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ampd::host {

namespace {

/// si_value of the SIGTERM the destructor queues to the watcher thread to end it.
constexpr int kWakeCookie = 0x616d7064;  // "ampd"

sigset_t terminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void blockTerminationSignals() {
  const sigset_t set = terminationSignals();
  const int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
}

SignalWatcher::SignalWatcher(std::function<void(int)> onSignal)
    : _onSignal(std::move(onSignal)), _thread([this] { run(); }) {}

SignalWatcher::~SignalWatcher() {
  sigval value{};
  value.sival_int = kWakeCookie;
  ::pthread_sigqueue(_thread.native_handle(), SIGTERM, value);
  _thread.join();
}

void SignalWatcher::run() {
  const sigset_t set = terminationSignals();
  for (;;) {
    siginfo_t info{};
    const int signo = ::sigwaitinfo(&set, &info);
    if (signo < 0) {
      if (errno == EINTR) continue;
      return;  // cannot happen with a valid set; nothing sensible left to wait for
    }
    if (info.si_code == SI_QUEUE && info.si_pid == ::getpid() &&
        info.si_value.sival_int == kWakeCookie)
      return;
    _onSignal(signo);
  }
}

}  // namespace ampd::host
