// LogCapture: records every message sent to a Poco logger, for asserting on levels and lines.
#pragma once

#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace managed_postgres::test {

class CaptureChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& message) override;
  std::vector<std::pair<Poco::Message::Priority, std::string>> messages() const;

 private:
  mutable std::mutex _mutex;
  std::vector<std::pair<Poco::Message::Priority, std::string>> _messages;
};

/// Attaches a CaptureChannel to `logger` (level debug) for the life of the object.
class LogCapture {
 public:
  explicit LogCapture(Poco::Logger& logger);
  ~LogCapture();
  /// The first message containing `text`, waiting up to `timeout` for it (with backoff).
  std::optional<std::pair<Poco::Message::Priority, std::string>> waitFor(
      const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool contains(const std::string& text) const;
  std::string dump() const;

 private:
  Poco::Logger& _logger;
  Poco::AutoPtr<CaptureChannel> _channel;
};

}  // namespace managed_postgres::test
