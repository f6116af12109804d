#include "output_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <managed_postgres/postgres_log_line.h>

namespace managed_postgres::detail {

OutputPump::OutputPump(int stdoutFd, int stderrFd, Options options)
    : _options(options), _fds{stdoutFd, stderrFd} {
  if (::pipe2(_wake, O_CLOEXEC) != 0) {
    ::close(stdoutFd);
    ::close(stderrFd);
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  _thread = std::thread([this] { run(); });
}

OutputPump::~OutputPump() {
  finish(std::chrono::milliseconds(500));
  ::close(_wake[0]);
  ::close(_wake[1]);
}

void OutputPump::finish(std::chrono::milliseconds drain) {
  {
    std::unique_lock lock(_mutex);
    _eofChanged.wait_for(lock, drain, [this] { return _eof; });
  }
  if (_thread.joinable()) {
    const char byte = 1;
    [[maybe_unused]] auto written = ::write(_wake[1], &byte, 1);
    _thread.join();
  }
}

std::vector<std::string> OutputPump::lastLines() const {
  std::lock_guard lock(_mutex);
  return {_last.begin(), _last.end()};
}

std::vector<std::string> OutputPump::allLines() const {
  std::lock_guard lock(_mutex);
  return _all;
}

void OutputPump::handleLine(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  _previous = classifyPostgresLine(line, _previous);
  const auto priority = _options.priority.value_or(_previous);
  if (_options.logger != nullptr && _options.logger->is(priority))
    _options.logger->log(Poco::Message(_options.logger->name(), line, priority));
  std::lock_guard lock(_mutex);
  if (_options.captureAll) _all.push_back(line);
  if (_options.keepLines > 0) {
    _last.push_back(std::move(line));
    while (_last.size() > _options.keepLines) _last.pop_front();
  }
}

void OutputPump::run() {
  std::string partial[2];
  bool open[2] = {true, true};
  char buffer[4096];
  for (;;) {
    if (!open[0] && !open[1]) break;
    pollfd fds[3] = {{open[0] ? _fds[0] : -1, POLLIN, 0},
                     {open[1] ? _fds[1] : -1, POLLIN, 0},
                     {_wake[0], POLLIN, 0}};
    const int n = ::poll(fds, 3, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents != 0) break;
    for (int i = 0; i < 2; ++i) {
      if (!open[i] || fds[i].revents == 0) continue;
      const ssize_t got = ::read(_fds[i], buffer, sizeof buffer);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        open[i] = false;
        continue;
      }
      partial[i].append(buffer, static_cast<std::size_t>(got));
      std::size_t start = 0;
      for (std::size_t nl; (nl = partial[i].find('\n', start)) != std::string::npos; start = nl + 1)
        handleLine(partial[i].substr(start, nl - start));
      partial[i].erase(0, start);
    }
  }
  for (auto& rest : partial)
    if (!rest.empty()) handleLine(std::move(rest));
  ::close(_fds[0]);
  ::close(_fds[1]);
  std::lock_guard lock(_mutex);
  _eof = true;
  _eofChanged.notify_all();
}

}  // namespace managed_postgres::detail
