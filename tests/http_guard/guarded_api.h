// GuardedApi: a real `ampd solo` serving one of the two HTTP APIs (admin or query), for the
// front-door guard's end-to-end and browser tests; plus a raw HTTP client that sends exactly
// the headers a test gives (Host, Origin, Authorization, ...).
#pragma once

#include "child_process.h"
#include "daemon_amp_dir.h"

#include <map>
#include <optional>
#include <string>

namespace ampd::test {

/// One of ampd's HTTP APIs, as a test drives it.
struct ApiUnderTest {
  const char* name;      ///< "admin" or "query" (test names)
  const char* plugins;   ///< TOML array body of the plugin list that serves it
  const char* key;       ///< its address key
  const char* envName;   ///< the key's AMP_CONFIG_* name
  const char* logName;   ///< "admin API" / "query API" (as in ampd's log lines)
  const char* okMethod;  ///< a request that answers 200 without changing anything
  const char* okPath;
  const char* okBody;
};

extern const ApiUnderTest kAdminApi;
extern const ApiUnderTest kQueryApi;

using Headers = std::map<std::string, std::string>;

struct RawReply {
  int status = 0;
  std::string body;
  Headers headers;  ///< response headers as sent (names as Poco stores them)

  std::string header(const std::string& name) const;
};

/// Sends one request to 127.0.0.1:port on a fresh connection. `headers` are sent as given;
/// Host is only added (as 127.0.0.1:port) when `headers` has none.
RawReply sendRequest(int port, const std::string& method, const std::string& path,
                     const std::string& body = {}, const Headers& headers = {});

class GuardedApi {
 public:
  /// Starts `ampd solo` in `dir` serving `api` on `address` (port 0: a free one) with `env`
  /// added, and waits for its "listening" line. Throws std::runtime_error with ampd's output
  /// when it does not start.
  GuardedApi(const ApiUnderTest& api, const DaemonAmpDir& dir,
             const std::string& address = "127.0.0.1:0",
             std::map<std::string, std::string> env = {});

  int port() const { return _port; }
  ChildProcess& process() { return *_process; }

  RawReply request(const std::string& method, const std::string& path, const std::string& body = {},
                   const Headers& headers = {}) const {
    return sendRequest(_port, method, path, body, headers);
  }
  /// The API's harmless 200 request, with `headers`.
  RawReply okRequest(const Headers& headers = {}) const {
    return request(_api.okMethod, _api.okPath, _api.okBody, headers);
  }

 private:
  const ApiUnderTest& _api;
  std::optional<ChildProcess> _process;
  int _port = 0;
};

/// Spawn options for `ampd solo` in `dir` serving `api` on `address`, with `env` added.
SpawnOptions apiSpawnOptions(const ApiUnderTest& api, const DaemonAmpDir& dir,
                             const std::string& address, std::map<std::string, std::string> env);

}  // namespace ampd::test
