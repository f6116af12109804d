// QueryApiDaemon: a real `ampd solo` (plugins metadb-postgres + server) in its own amp dir, on a
// free port, for the query API's end-to-end tests; plus a tiny HTTP client for it.
#pragma once

#include "child_process.h"
#include "daemon_amp_dir.h"

#include <Poco/Net/HTTPClientSession.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ampd::test {

/// One HTTP exchange's result.
struct HttpReply {
  int status = 0;
  std::string contentType;
  bool chunked = false;
  std::string body;
};

/// Extra environment for ampd.
using Env = std::map<std::string, std::string>;

class QueryApiDaemon {
 public:
  /// Starts ampd with AMP_CONFIG_JSONL_ADDR=127.0.0.1:0 plus `env`, and waits for the query
  /// API's "listening" line. Throws std::runtime_error (with ampd's output) when it does not.
  explicit QueryApiDaemon(std::map<std::string, std::string> env = {});

  /// Stops ampd (SIGTERM, then waits for its exit) and starts it again on the same amp dir with
  /// the same environment; port() and databaseUrl() are updated. Throws std::runtime_error when
  /// it does not stop with 0 or does not start.
  void restart();

  int port() const { return _port; }
  /// The metadata database's URL, from the "metadata-db ready at" line.
  const std::string& databaseUrl() const { return _databaseUrl; }
  ChildProcess& process() { return *_ampd; }

  /// Sends one request and reads the whole response.
  HttpReply request(const std::string& method, const std::string& path,
                    const std::string& body = {}) const;
  /// POST / with `sql`.
  HttpReply query(const std::string& sql) const { return request("POST", "/", sql); }

  /// A session to this daemon (for streaming reads and disconnects).
  std::unique_ptr<Poco::Net::HTTPClientSession> session() const;

  /// Number of client backends (other than the caller's) whose query text contains `marker`
  /// and that are active, per pg_stat_activity.
  int activeQueriesWith(const std::string& marker) const;

 private:
  void start();

  DaemonAmpDir _dir;
  std::map<std::string, std::string> _env;
  std::optional<ChildProcess> _ampd;
  int _port = 0;
  std::string _databaseUrl;
};

}  // namespace ampd::test
