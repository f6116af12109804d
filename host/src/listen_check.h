// The listen-address pre-check: before any plugin starts (before postgres is initialised), the
// host binds every listen-address key of the loaded plugins' tables — without SO_REUSEPORT, as
// ampd::listenOn does — and closes the socket at once, so a port in use is reported at once
// instead of after the database has started. Port 0 ("pick a free port") is skipped.
//
// Thread-safety: a free function without shared state.
#pragma once

#include <ampd/settings.h>

#include <vector>

namespace ampd::host {

/// Test-binds the value of every ListenAddress key in `keys`. Throws ampd::PluginConfigError
/// (exit 2) "cannot listen on <key> <address>: …" with a hint naming the key and its
/// AMP_CONFIG_ variable.
void checkListenAddresses(const Settings& settings, const std::vector<KeySpec>& keys);

}  // namespace ampd::host
