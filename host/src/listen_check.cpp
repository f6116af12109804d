#include "listen_check.h"

#include <ampd_toolkit/http.h>

namespace ampd::host {

void checkListenAddresses(const Settings& settings, const std::vector<KeySpec>& keys) {
  for (const auto& key : keys) {
    if (key.type != KeyType::ListenAddress) continue;
    const auto address = parseListenAddress(settings.getString(key.name), key.name);
    if (address.port() == 0) continue;
    listenOn(address, key.name, 1).close();
  }
}

}  // namespace ampd::host
