#include "logging.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

#include <iostream>

namespace ampd::host {

void setupLogging(int level) {
  Poco::AutoPtr<Poco::PatternFormatter> formatter(new Poco::PatternFormatter(kLogPattern));
  formatter->setProperty(Poco::PatternFormatter::PROP_TIMES, "local");
  Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(level);
  // Loggers that already exist (created before this call) get the same channel and level.
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", level);
}

}  // namespace ampd::host
