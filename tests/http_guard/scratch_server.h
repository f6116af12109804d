// ScratchServer: a throw-away HTTP server for the browser test (the attacker's pages, the
// collector of the pages' reports, the server that is "rebound" to ampd). Every request goes to
// one handler function; close() stops it and frees its port at once.
//
// Thread-safety: the handler runs on the server's own threads (joined by close()); the
// constructor and close() are called by the owning test thread.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/ThreadPool.h>

#include <functional>
#include <memory>

namespace ampd::test {

class ScratchServer {
 public:
  using Handler =
      std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

  /// Listens on 127.0.0.1 (port 0: a free one) and serves every request with `handler`.
  explicit ScratchServer(Handler handler, int port = 0);
  ~ScratchServer() { close(); }
  ScratchServer(const ScratchServer&) = delete;
  ScratchServer& operator=(const ScratchServer&) = delete;

  int port() const { return _port; }
  /// Stops accepting, aborts open connections, joins the threads and closes the listening
  /// socket, so the port can be bound by another process. Idempotent.
  void close() noexcept;

 private:
  Handler _handler;
  Poco::ThreadPool _threads{"scratch-http", 1, 4};
  std::unique_ptr<Poco::Net::HTTPServer> _server;
  int _port = 0;
};

/// Answers `status` with a text body, closing the connection afterwards.
void sendText(Poco::Net::HTTPServerResponse& response, int status, const std::string& contentType,
              const std::string& body);

}  // namespace ampd::test
