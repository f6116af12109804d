#include "log_capture.h"

#include <ampd_toolkit/retry.h>

namespace managed_postgres::test {

void CaptureChannel::log(const Poco::Message& message) {
  std::lock_guard lock(_mutex);
  _messages.emplace_back(message.getPriority(), message.getText());
}

std::vector<std::pair<Poco::Message::Priority, std::string>> CaptureChannel::messages() const {
  std::lock_guard lock(_mutex);
  return _messages;
}

LogCapture::LogCapture(Poco::Logger& logger) : _logger(logger), _channel(new CaptureChannel) {
  _logger.setChannel(_channel);
  _logger.setLevel(Poco::Message::PRIO_DEBUG);
}

LogCapture::~LogCapture() { _logger.setChannel(nullptr); }

std::optional<std::pair<Poco::Message::Priority, std::string>> LogCapture::waitFor(
    const std::string& text, std::chrono::milliseconds timeout) {
  std::optional<std::pair<Poco::Message::Priority, std::string>> found;
  ampd::retryWithBackoff({.initialDelay = std::chrono::milliseconds(1),
                          .factor = 2.0,
                          .maxDelay = std::chrono::milliseconds(50),
                          .deadline = timeout},
                         [&] {
                           for (const auto& m : _channel->messages())
                             if (m.second.find(text) != std::string::npos) {
                               found = m;
                               return true;
                             }
                           return false;
                         });
  return found;
}

bool LogCapture::contains(const std::string& text) const {
  for (const auto& m : _channel->messages())
    if (m.second.find(text) != std::string::npos) return true;
  return false;
}

std::string LogCapture::dump() const {
  std::string text;
  for (const auto& m : _channel->messages())
    text += std::to_string(static_cast<int>(m.first)) + " " + m.second + "\n";
  return text;
}

}  // namespace managed_postgres::test
