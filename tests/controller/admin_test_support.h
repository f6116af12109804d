// Test support for the controller's end-to-end tests: an ampd process serving the admin API and
// a small HTTP client for it.
#pragma once

#include "child_process.h"
#include "daemon_amp_dir.h"

#include <Poco/Net/HTTPClientSession.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ampd::test {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string contentType;
  std::string allow;
};

/// One keep-alive HTTP/1.1 connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(int port);
  HttpReply request(const std::string& method, const std::string& path,
                    const std::string& body = {});
  HttpReply get(const std::string& path) { return request("GET", path); }
  HttpReply post(const std::string& path, const std::string& body) {
    return request("POST", path, body);
  }
  HttpReply del(const std::string& path) { return request("DELETE", path); }

 private:
  Poco::Net::HTTPClientSession _session;
};

/// An ampd process with the controller, started and waited for until it serves.
class AdminDaemon {
 public:
  /// `ampd solo` in dir.root() with plugins metadb-postgres + controller on a free port.
  static AdminDaemon solo(const DaemonAmpDir& dir, std::map<std::string, std::string> env = {});
  /// `ampd --config FILE` (FILE's plugins should include the controller), on a free port.
  static AdminDaemon withConfig(const DaemonAmpDir& dir, const std::filesystem::path& config,
                                std::map<std::string, std::string> env = {});

  int port() const { return _port; }
  ChildProcess& process() { return *_process; }
  HttpClient& client() { return *_client; }

  /// Sends `sig`, waits for the exit and returns the exit code (fails the test on timeout).
  int stop(int sig);

 private:
  AdminDaemon(SpawnOptions options);
  std::unique_ptr<ChildProcess> _process;
  int _port = 0;
  std::unique_ptr<HttpClient> _client;
};

/// Writes .amp/config.toml for solo tests (plugins metadb-postgres + controller).
void writeSoloConfig(const DaemonAmpDir& dir, const std::string& extra = {});

/// Reads a file (a reference manifest) into a string.
std::string readFile(const std::filesystem::path& path);

/// Amp's reference folder (shared/reference/amp).
std::filesystem::path ampReferenceDir();

/// Finds `"key":` in compact JSON and returns the raw value text after it (string values with
/// quotes), up to the next ',' '}' or ']' at depth 0. Enough for asserting on flat fields.
std::string jsonField(const std::string& json, const std::string& key);

constexpr std::chrono::seconds kStartTimeout{90};

}  // namespace ampd::test
