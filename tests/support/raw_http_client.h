// RawHttpClient: one HTTP/1.1 client connection at the byte level, for tests that need what a
// normal client library hides (partial heads, pipelining, idle sockets, who closed first).
//
// Thread-safety: one thread per object.
#pragma once

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <string>
#include <utility>

namespace ampd::test {

/// A raw HTTP client connection: bytes out, whole responses in.
class RawHttpClient {
 public:
  explicit RawHttpClient(const Poco::Net::SocketAddress& address) : _socket(address) {
    _socket.setReceiveTimeout(Poco::Timespan(10, 0));
  }
  /// The socket, e.g. to shut it down.
  Poco::Net::StreamSocket& socket() { return _socket; }
  void send(const std::string& bytes) {
    _socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  }
  /// One response (head + Content-Length body); empty when the server closed first.
  std::string response() {
    for (;;) {
      const auto headEnd = _buffer.find("\r\n\r\n");
      if (headEnd != std::string::npos) {
        std::size_t length = 0;
        const auto at = _buffer.find("Content-Length: ");
        if (at != std::string::npos && at < headEnd) length = std::stoul(_buffer.substr(at + 16));
        if (_buffer.size() >= headEnd + 4 + length) {
          auto text = _buffer.substr(0, headEnd + 4 + length);
          _buffer.erase(0, headEnd + 4 + length);
          return text;
        }
      }
      if (!fill()) return {};
    }
  }
  /// Everything until the server closes the connection (or the receive timeout).
  std::string rest() {
    while (fill()) {
    }
    return std::exchange(_buffer, {});
  }
  /// True when the server closed the connection (read returns 0 or a reset).
  bool closedByServer() { return !fill() && _buffer.empty(); }

 private:
  bool fill() {
    char chunk[4096];
    try {
      const int n = _socket.receiveBytes(chunk, sizeof chunk);
      if (n <= 0) return false;
      _buffer.append(chunk, static_cast<std::size_t>(n));
      return true;
    } catch (const Poco::Exception&) {
      return false;
    }
  }
  Poco::Net::StreamSocket _socket;
  std::string _buffer;
};

}  // namespace ampd::test
