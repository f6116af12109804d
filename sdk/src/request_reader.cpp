#include "request_reader.h"

#include <Poco/Exception.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace ampd {

namespace {
constexpr std::size_t kMaxLineBytes = 4096;
}

void RequestReader::reset() {
  _phase = Phase::Head;
  _sawBytes = false;
  _request.reset();
  std::string().swap(_body);  // release the buffer, not just its contents
  _chunked = false;
  _expectContinue = false;
  _remaining = 0;
  _error = {};
}

RequestReader::Step RequestReader::fail(int status, std::string code, std::string message) {
  _phase = Phase::Failed;
  _error = {status, std::move(code), std::move(message)};
  return Step::Failed;
}

RequestReader::Step RequestReader::advance(std::string& input) {
  switch (_phase) {
    case Phase::Head:
      return parseHead(input);
    case Phase::Body: {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(_remaining, input.size()));
      _body.append(input, 0, n);
      input.erase(0, n);
      _remaining -= n;
      if (_remaining > 0) return Step::NeedMore;
      _phase = Phase::Done;
      return Step::Complete;
    }
    case Phase::Done:
      return Step::Complete;
    case Phase::Failed:
      return Step::Failed;
    default:
      return readChunked(input);
  }
}

RequestReader::Step RequestReader::parseHead(std::string& input) {
  // RFC 9112 2.2: ignore empty lines before the request line.
  const auto first = input.find_first_not_of("\r\n");
  if (first == std::string::npos) {
    input.clear();
    return Step::NeedMore;
  }
  if (first > 0) input.erase(0, first);
  _sawBytes = true;
  auto end = input.find("\r\n\r\n");
  std::size_t terminator = 4;
  const auto lfEnd = input.find("\n\n");
  if (lfEnd != std::string::npos && (end == std::string::npos || lfEnd < end)) {
    end = lfEnd;
    terminator = 2;
  }
  if (end == std::string::npos) {
    if (input.size() > _limits.maxHeadBytes)
      return fail(
          431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
          "the request head is larger than " + std::to_string(_limits.maxHeadBytes) + " bytes");
    return Step::NeedMore;
  }
  if (end + terminator > _limits.maxHeadBytes)
    return fail(
        431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
        "the request head is larger than " + std::to_string(_limits.maxHeadBytes) + " bytes");
  std::istringstream head(input.substr(0, end + terminator));
  input.erase(0, end + terminator);
  _request = std::make_unique<Poco::Net::HTTPRequest>();
  try {
    _request->read(head);
  } catch (const Poco::Exception& e) {
    return fail(400, "BAD_REQUEST", "malformed request head: " + e.displayText());
  }
  const auto& version = _request->getVersion();
  if (version != Poco::Net::HTTPMessage::HTTP_1_1 && version != Poco::Net::HTTPMessage::HTTP_1_0)
    return fail(400, "BAD_REQUEST", "unsupported HTTP version \"" + version + "\"");

  const bool hasTransferEncoding = _request->has(Poco::Net::HTTPMessage::TRANSFER_ENCODING);
  if (hasTransferEncoding) {
    if (Poco::icompare(_request->get(Poco::Net::HTTPMessage::TRANSFER_ENCODING), "chunked") != 0)
      return fail(501, "NOT_IMPLEMENTED",
                  "unsupported Transfer-Encoding \"" +
                      _request->get(Poco::Net::HTTPMessage::TRANSFER_ENCODING) +
                      "\"; send the body with Content-Length or chunked");
    if (_request->has(Poco::Net::HTTPMessage::CONTENT_LENGTH))
      return fail(400, "BAD_REQUEST",
                  "a request may not have both Content-Length and "
                  "Transfer-Encoding");
    _chunked = true;
    _phase = Phase::ChunkSize;
  } else if (_request->has(Poco::Net::HTTPMessage::CONTENT_LENGTH)) {
    const auto& text = _request->get(Poco::Net::HTTPMessage::CONTENT_LENGTH);
    if (text.empty() || text.size() > 19 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fail(400, "BAD_REQUEST", "invalid Content-Length \"" + text + "\"");
    _remaining = std::stoull(text);
    if (_remaining > _limits.maxBodyBytes) return fail(413, "PAYLOAD_TOO_LARGE", "");
    _phase = _remaining > 0 ? Phase::Body : Phase::Done;
  } else {
    _phase = Phase::Done;
  }
  _expectContinue = hasBody() && _request->getExpectContinue();
  return Step::HeadParsed;
}

bool RequestReader::takeLine(std::string& input, std::string& line) {
  const auto end = input.find('\n');
  if (end == std::string::npos) return false;
  line.assign(input, 0, end);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  input.erase(0, end + 1);
  return true;
}

bool RequestReader::appendBody(const char* data, std::size_t size) {
  if (_body.size() + size > _limits.maxBodyBytes) return false;
  _body.append(data, size);
  return true;
}

RequestReader::Step RequestReader::readChunked(std::string& input) {
  std::string line;
  for (;;) {
    switch (_phase) {
      case Phase::ChunkSize: {
        if (!takeLine(input, line)) {
          if (input.size() > kMaxLineBytes)
            return fail(400, "BAD_REQUEST", "chunk-size line longer than 4096 bytes");
          return Step::NeedMore;
        }
        const auto digits = line.substr(0, line.find_first_of("; \t"));
        if (digits.empty() || digits.size() > 15 ||
            !std::all_of(digits.begin(), digits.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
          return fail(400, "BAD_REQUEST", "invalid chunk size \"" + digits + "\"");
        _remaining = std::stoull(digits, nullptr, 16);
        if (_remaining == 0) {
          _phase = Phase::Trailer;
        } else if (_body.size() + _remaining > _limits.maxBodyBytes) {
          return fail(413, "PAYLOAD_TOO_LARGE", "");
        } else {
          _phase = Phase::ChunkData;
        }
        break;
      }
      case Phase::ChunkData: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(_remaining, input.size()));
        if (!appendBody(input.data(), n)) return fail(413, "PAYLOAD_TOO_LARGE", "");
        input.erase(0, n);
        _remaining -= n;
        if (_remaining > 0) return Step::NeedMore;
        _phase = Phase::ChunkDataEnd;
        break;
      }
      case Phase::ChunkDataEnd:
        if (!takeLine(input, line)) {
          if (input.size() > 2) return fail(400, "BAD_REQUEST", "chunk data longer than its size");
          return Step::NeedMore;
        }
        if (!line.empty()) return fail(400, "BAD_REQUEST", "chunk data longer than its size");
        _phase = Phase::ChunkSize;
        break;
      case Phase::Trailer:
        if (!takeLine(input, line)) {
          if (input.size() > kMaxLineBytes)
            return fail(400, "BAD_REQUEST", "trailer line longer than 4096 bytes");
          return Step::NeedMore;
        }
        if (line.empty()) {
          _phase = Phase::Done;
          return Step::Complete;
        }
        break;  // trailer fields are ignored
      default:
        return advance(input);
    }
  }
}

}  // namespace ampd
