// RequestReader: the incremental parser of one HTTP/1.x request, fed by HttpServer's event loop.
//
// advance() consumes bytes from the front of the connection's input buffer and stops at each
// point where the loop has something to do: the head is parsed (run the admission hook, answer
// 100-continue), the request is complete (hand it to a worker), or it failed (answer the error
// and close). Bytes past the end of the request stay in the input (pipelining).
//
// Limits: the head (request line and headers) is at most Limits::maxHeadBytes (431 beyond);
// the body, with Content-Length or chunked, at most Limits::maxBodyBytes (413 beyond, without
// reading further); chunk-size and trailer lines at most 4 KiB (400 beyond).
//
// Thread-safety: not thread-safe; used by one thread at a time (the loop, then the worker).
#pragma once

#include <Poco/Net/HTTPRequest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ampd {

class RequestReader {
 public:
  struct Limits {
    std::size_t maxHeadBytes = 16 * 1024;
    std::size_t maxBodyBytes = 1 << 20;
  };
  enum class Step { NeedMore, HeadParsed, Complete, Failed };
  struct Error {
    int status = 400;
    std::string code;
    std::string message;
  };

  explicit RequestReader(Limits limits) : _limits(limits) {}

  /// Consumes what it can of `input`; see above. After Complete or Failed, call reset() before
  /// the next request.
  Step advance(std::string& input);

  /// Whether any byte of the current request was consumed.
  bool started() const { return _phase != Phase::Head || _sawBytes; }
  /// The parsed head (after HeadParsed).
  const Poco::Net::HTTPRequest& request() const { return *_request; }
  const std::string& body() const { return _body; }
  /// The request announces a body (Content-Length > 0 or chunked).
  bool hasBody() const { return _chunked || _remaining > 0; }
  /// The client waits for "100 Continue" before sending the body.
  bool expectsContinue() const { return _expectContinue; }
  const Error& error() const { return _error; }
  std::size_t bodyLimit() const { return _limits.maxBodyBytes; }

  /// Forgets the current request and frees its buffers.
  void reset();

 private:
  enum class Phase { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Done, Failed };
  Step fail(int status, std::string code, std::string message);
  Step parseHead(std::string& input);
  Step readChunked(std::string& input);
  /// Takes one CRLF- (or LF-) terminated line off `input`; false when not complete yet.
  bool takeLine(std::string& input, std::string& line);
  bool appendBody(const char* data, std::size_t size);

  const Limits _limits;
  Phase _phase = Phase::Head;
  bool _sawBytes = false;
  std::unique_ptr<Poco::Net::HTTPRequest> _request;
  std::string _body;
  bool _chunked = false;
  bool _expectContinue = false;
  std::uint64_t _remaining = 0;  ///< body bytes (Content-Length) or chunk bytes still to read
  Error _error;
};

}  // namespace ampd
