#include <ampd_toolkit/http_exchange.h>
#include <ampd_toolkit/json_text.h>

#include <Poco/Timestamp.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <sstream>

namespace ampd {

std::string jsonErrorBody(std::string_view code, std::string_view message) {
  return jsonErrorObject(code, message);
}

HttpExchange::HttpExchange(const Poco::Net::HTTPRequest& request, const std::string& body, int fd,
                           std::chrono::milliseconds sendTimeout, bool keepAlive,
                           const std::atomic<bool>* stopping)
    : _request(request),
      _body(body),
      _fd(fd),
      _sendTimeout(sendTimeout),
      _keepAlive(keepAlive),
      _stopping(stopping) {
  _response.setVersion(request.getVersion());
}

std::string HttpExchange::headText() {
  _response.setDate(Poco::Timestamp());
  if (_stopping != nullptr && _stopping->load()) _keepAlive = false;
  _response.setKeepAlive(_keepAlive);
  std::ostringstream out;
  _response.write(out);
  return std::move(out).str();
}

bool HttpExchange::send(std::string_view body) {
  if (started()) return false;
  _state = State::Complete;
  const int status = static_cast<int>(_response.getStatus());
  const bool bodyless = status < 200 || status == 204 || status == 304;
  if (bodyless)
    _response.erase(Poco::Net::HTTPMessage::CONTENT_LENGTH);
  else
    _response.setContentLength64(static_cast<Poco::Int64>(body.size()));
  std::string out = headText();
  if (!bodyless && _request.getMethod() != Poco::Net::HTTPRequest::HTTP_HEAD) out.append(body);
  return sendAll(out);
}

bool HttpExchange::sendError(Poco::Net::HTTPResponse::HTTPStatus status, const std::string& code,
                             const std::string& message) {
  _response.setStatusAndReason(status);
  _response.setContentType("application/json");
  return send(jsonErrorBody(code, message));
}

bool HttpExchange::beginStream() {
  if (started()) return false;
  _state = State::Streaming;
  _response.erase(Poco::Net::HTTPMessage::CONTENT_LENGTH);
  _chunked = _request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1;
  if (_chunked)
    _response.setChunkedTransferEncoding(true);
  else
    _keepAlive = false;  // HTTP/1.0: the end of the body is the end of the connection
  _headPending = true;
  return true;
}

bool HttpExchange::write(std::string_view data) {
  if (_state != State::Streaming || _failed) return false;
  if (data.empty() && !_headPending) return true;
  std::string out;
  if (_headPending) out = headText();
  _headPending = false;
  if (!data.empty()) {
    if (_chunked) {
      char size[24];
      const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      out.append(size, static_cast<std::size_t>(n));
    }
    out.append(data);
    if (_chunked) out += "\r\n";
  }
  return sendAll(out);
}

bool HttpExchange::end() {
  if (_state != State::Streaming || _failed) return false;
  std::string out;
  if (_headPending) out = headText();
  _headPending = false;
  if (_chunked) out += "0\r\n\r\n";
  _state = State::Complete;
  return sendAll(out);
}

bool HttpExchange::sendAll(std::string_view data) {
  if (_failed) return false;
  const auto deadline = std::chrono::steady_clock::now() + _sendTimeout;
  while (!data.empty()) {
    const auto n = ::send(_fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() > 0) {
        pollfd fd{_fd, POLLOUT, 0};
        if (::poll(&fd, 1, static_cast<int>(left.count())) >= 0 || errno == EINTR) continue;
      }
    }
    _failed = true;  // gone, broken, or slower than the send timeout
    _keepAlive = false;
    return false;
  }
  return true;
}

}  // namespace ampd
