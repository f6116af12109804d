// Small HTTP helpers shared by the plugins that serve HTTP (controller, server), over Poco::Net.
// Plugins that include this header link Poco::Net and Poco::JSON themselves.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd/plugin.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <sys/socket.h>

#include <cctype>
#include <optional>
#include <string>

namespace ampd {

/// "admin_api_addr" -> "ADMIN_API_ADDR" (the AMP_CONFIG_* environment spelling of a key).
inline std::string toEnvName(const std::string& key) {
  std::string name;
  for (const char c : key) {
    if (c == '.')
      name += "__";
    else
      name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

/// Parses a listen address "host:port" from config key `key` (port 0 = any free port).
/// Throws PluginConfigError naming the key and the value.
inline Poco::Net::SocketAddress parseListenAddress(const std::string& value,
                                                   const std::string& key) {
  try {
    return Poco::Net::SocketAddress(value);
  } catch (const Poco::Exception& e) {
    throw PluginConfigError(Diagnostic{"invalid " + key + " \"" + value + "\"", e.displayText(),
                                       "Use host:port, e.g. 127.0.0.1:8080 (port 0 picks a free "
                                       "port)."});
  }
}

/// A socket listening on `address`, for an HTTP server. It sets SO_REUSEADDR (a restarted ampd
/// can bind while old connections linger in TIME_WAIT) but never SO_REUSEPORT: Poco's
/// ServerSocket::bind(address, true) sets both, which lets a second ampd listen on the same port
/// and silently receive part of the first one's connections. A port in use is therefore an
/// error here: PluginConfigError naming `key`, the address and the fix (exit 2).
inline Poco::Net::ServerSocket listenOn(const Poco::Net::SocketAddress& address,
                                        const std::string& key, int backlog = 128) {
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
    socket.listen(backlog);
  } catch (const Poco::Exception& e) {
    throw PluginConfigError(
        Diagnostic{"cannot listen on " + key + " " + address.toString() + ": " + e.displayText(),
                   "Another ampd (or another program) may be using this port.",
                   "Stop it, or set " + key + " (or AMP_CONFIG_" + toEnvName(key) +
                       ") to a free address; port 0 picks one."});
  }
  return socket;
}

}  // namespace ampd
