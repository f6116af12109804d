#include "fake_postmaster.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ampd::test {

namespace {

void putInt32(std::string& out, std::uint32_t value) {
  const std::uint32_t network = htonl(value);
  out.append(reinterpret_cast<const char*>(&network), 4);
}

}  // namespace

FakePostmaster::FakePostmaster(Mode mode) : _mode(mode) {
  char pattern[] = "/tmp/ampd-fakepg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  _dir = pattern;
  _listenFd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const auto path = (_dir / ".s.PGSQL.5432").string();
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::bind(_listenFd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(_listenFd, 64) != 0)
    throw std::runtime_error("cannot listen on " + path);
  if (_mode == Mode::Answering)
    _thread = std::jthread([this](std::stop_token stop) { serve(stop); });
}

FakePostmaster::~FakePostmaster() {
  if (_thread.joinable()) {
    _thread.request_stop();
    _thread.join();
  }
  ::close(_listenFd);
  std::error_code ignored;
  std::filesystem::remove_all(_dir, ignored);
}

std::string FakePostmaster::url() const {
  return "postgresql://postgres@/postgres?host=" + _dir.string();
}

int FakePostmaster::accepted() const { return _accepted.load(); }

void FakePostmaster::serve(std::stop_token stop) {
  std::vector<int> clients;
  while (!stop.stop_requested()) {
    std::vector<pollfd> fds{{_listenFd, POLLIN, 0}};
    for (const int fd : clients) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    if ((fds[0].revents & POLLIN) != 0) {
      const int fd = ::accept(_listenFd, nullptr, nullptr);
      if (fd >= 0) {
        clients.push_back(fd);
        ++_accepted;
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char buffer[4096];
      const auto n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {  // the client hung up
        ::close(fds[i].fd);
        std::erase(clients, fds[i].fd);
        continue;
      }
      // The start-up packet carries protocol 3.0 (0x00030000) after its length: answer it.
      // Anything later (queries) is read and ignored.
      if (n >= 8 && buffer[4] == 0 && buffer[5] == 3 && buffer[6] == 0 && buffer[7] == 0) {
        std::string reply = "R";
        putInt32(reply, 8);
        putInt32(reply, 0);  // AuthenticationOk
        reply += 'Z';
        putInt32(reply, 5);
        reply += 'I';  // ReadyForQuery, idle
        [[maybe_unused]] const auto written = ::write(fds[i].fd, reply.data(), reply.size());
      }
    }
  }
  for (const int fd : clients) ::close(fd);
}

}  // namespace ampd::test
