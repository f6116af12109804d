// HttpExchange: one complete HTTP/1.x request handed to a worker thread, and the writer of its
// response. The request head is a real Poco::Net::HTTPRequest; the body is already read (and
// de-chunked) by the server's event loop and is at most the server's max body size.
//
// A response is either fixed-length (send()) or streamed (beginStream(), write()..., end()):
// chunked for HTTP/1.1 clients, close-delimited for HTTP/1.0. Writes block the worker for at
// most the server's send timeout per call and report a client that is gone by returning false.
// Status and headers go in response() before the head is written.
//
// Thread-safety: used by the one worker thread that runs the handler; not thread-safe.
#pragma once

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace ampd {

class HttpExchange {
 public:
  /// `stopping`, when given, is checked as the head is written: a server that began stopping
  /// closes the connection after this response.
  HttpExchange(const Poco::Net::HTTPRequest& request, const std::string& body, int fd,
               std::chrono::milliseconds sendTimeout, bool keepAlive,
               const std::atomic<bool>* stopping = nullptr);
  HttpExchange(const HttpExchange&) = delete;
  HttpExchange& operator=(const HttpExchange&) = delete;

  const Poco::Net::HTTPRequest& request() const { return _request; }
  const std::string& body() const { return _body; }
  /// The client's socket, to poll for a hang-up during a long wait. Never read from or close it.
  int clientFd() const { return _fd; }

  /// Status and headers of the response (Date, Server and Connection are set by the writer).
  Poco::Net::HTTPResponse& response() { return _response; }
  /// Asks for the connection to be closed after this response.
  void closeAfterResponse() { _keepAlive = false; }

  /// Sends the head with Content-Length and `body` (no body for HEAD, 204 and 304).
  /// False when the client is gone or too slow (send timeout).
  bool send(std::string_view body = {});
  /// Sends Amp's error body {"error_code": code, "error_message": message} with `status`.
  bool sendError(Poco::Net::HTTPResponse::HTTPStatus status, const std::string& code,
                 const std::string& message);
  /// Starts a streamed response; the head is written with the first write() or end().
  bool beginStream();
  /// Sends `data` as one chunk (nothing for empty data). False when the client is gone.
  bool write(std::string_view data);
  /// Ends a streamed response.
  bool end();

  /// The response was started (send() or beginStream() called).
  bool started() const { return _state != State::NotStarted; }
  /// The response is complete and the connection is in a state to serve the next request.
  bool complete() const { return _state == State::Complete && !_failed; }
  bool failed() const { return _failed; }
  bool keepAlive() const { return _keepAlive; }

 private:
  enum class State { NotStarted, Streaming, Complete };
  std::string headText();
  bool sendAll(std::string_view data);

  const Poco::Net::HTTPRequest& _request;
  const std::string& _body;
  const int _fd;
  const std::chrono::milliseconds _sendTimeout;
  bool _keepAlive;
  const std::atomic<bool>* _stopping;
  Poco::Net::HTTPResponse _response;
  State _state = State::NotStarted;
  bool _chunked = false;
  bool _headPending = false;
  bool _failed = false;
};

/// Amp's JSON error body: {"error_code":"...","error_message":"..."}.
std::string jsonErrorBody(std::string_view code, std::string_view message);

}  // namespace ampd
