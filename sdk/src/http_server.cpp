#include "request_reader.h"

#include <ampd_toolkit/http_server.h>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timestamp.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ampd {

namespace {

using Clock = std::chrono::steady_clock;

/// A response written by the loop itself (errors, 503s, 100-continue): small enough for the
/// socket buffer, sent with one non-blocking attempt.
std::string loopResponse(int status, const std::string& code, const std::string& message,
                         const std::map<std::string, std::string>& headers, bool keepAlive) {
  Poco::Net::HTTPResponse response;
  response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setDate(Poco::Timestamp());
  for (const auto& [name, value] : headers) response.set(name, value);
  // A 204 (an admitted CORS preflight) has no body; everything else is Amp's error object.
  const auto body = status == 204 ? std::string() : jsonErrorBody(code, message);
  if (status != 204) {
    response.setContentType("application/json");
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  response.setKeepAlive(keepAlive);
  std::ostringstream out;
  response.write(out);
  return std::move(out).str() + body;
}

/// One non-blocking attempt to send all of `data`; false when it did not all go out.
bool sendNow(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0)
      sent += static_cast<std::size_t>(n);
    else if (n < 0 && errno == EINTR)
      continue;
    else
      return false;
  }
  return true;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Poco::Net::ServerSocket socket, const Options& options, Handler handler,
       Poco::Logger& logger, Admission admission)
      : _listener(std::move(socket)),
        _options(options),
        _handler(std::move(handler)),
        _admission(std::move(admission)),
        _logger(logger) {
    _listener.setBlocking(false);
    _listenFd = _listener.impl()->sockfd();
    _epoll = ::epoll_create1(EPOLL_CLOEXEC);
    _wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    _lingerWake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC | EFD_SEMAPHORE);
    if (_epoll < 0 || _wake < 0 || _lingerWake < 0)
      throw std::runtime_error("cannot create the HTTP event loop");
    add(_wake, &_wakeTag);
    add(_listenFd, &_listenTag);
  }

  ~Impl() {
    for (auto& [c, owned] : _connections) ::close(c->fd);
    if (_wake >= 0) ::close(_wake);
    if (_lingerWake >= 0) ::close(_lingerWake);
    if (_epoll >= 0) ::close(_epoll);
  }

  void start() {
    _loop = std::thread([this] { run(); });
    for (int i = 0; i < std::max(1, _options.threads); ++i)
      _workers.emplace_back([this] { work(); });
  }

  Stats stats() {
    Stats stats;
    stats.connections = _connectionCount.load();
    stats.idle = _idleCount.load();
    std::lock_guard lock(_mutex);
    stats.queued = _queue.size();
    stats.inFlight = _inFlight.size();
    return stats;
  }

  void beginStop() {
    {
      std::lock_guard lock(_mutex);
      if (_stopping) return;
      _stopping = true;
      for (Connection* c : _queue) _returned.push_back({c, Return::RejectStopping});
      _queue.clear();
    }
    _workAvailable.notify_all();
    wakeLingering(static_cast<std::uint64_t>(std::max(1, _options.threads)));
    wake();
  }

  void stop() {
    beginStop();
    {
      std::unique_lock lock(_mutex);
      if (!_drained.wait_for(lock, _options.drainTimeout, [&] { return _inFlight.empty(); })) {
        _logger.warning("%s: %z request(s) still running after %d ms; aborting them", _options.name,
                        _inFlight.size(), static_cast<int>(_options.drainTimeout.count()));
        for (Connection* c : _inFlight) ::shutdown(c->fd, SHUT_RDWR);
      }
    }
    for (auto& worker : _workers) worker.join();
    _workers.clear();
    _exit = true;
    wake();
    if (_loop.joinable()) _loop.join();
  }

 private:
  enum class State { Idle, Reading, Working, Lingering };
  struct Connection {
    Connection(int f, RequestReader::Limits limits) : fd(f), reader(limits) {}
    int fd;
    State state = State::Idle;
    RequestReader reader;
    std::string input;
    Clock::time_point deadline;
    Clock::time_point queuedUntil = Clock::time_point::max();  ///< while in _queue
    std::list<Connection*>::iterator idlePosition;
    bool inIdleList = false;
    int served = 0;
    /// The admission hook's refusal of the buffered request, found by a worker in
    /// takeNextRequest(); the loop answers it instead of running the hook (and logging) again.
    std::optional<Rejection> rejection;
  };
  enum class Return { Done, Close, RejectStopping };
  struct Returned {
    Connection* connection;
    Return how;
  };

  // --- epoll plumbing -------------------------------------------------------------------------
  void add(int fd, void* tag) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = tag;
    ::epoll_ctl(_epoll, EPOLL_CTL_ADD, fd, &event);
  }
  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(_wake, &one, sizeof one);
  }

  // --- the loop thread ------------------------------------------------------------------------
  void run() {
    std::vector<epoll_event> events(256);
    while (!_exit) {
      const int n =
          ::epoll_wait(_epoll, events.data(), static_cast<int>(events.size()), timeoutMs());
      for (int i = 0; i < n; ++i) {
        void* tag = events[static_cast<std::size_t>(i)].data.ptr;
        if (tag == &_wakeTag) {
          std::uint64_t count;
          [[maybe_unused]] auto r = ::read(_wake, &count, sizeof count);
        } else if (tag == &_listenTag) {
          acceptAll();
        } else {
          auto* c = static_cast<Connection*>(tag);
          if (_connections.count(c) != 0) onReadable(c);
        }
      }
      takeReturns();
      if (_stopping && !_stopHandled) handleStop();
      const auto now = Clock::now();
      if (now >= _nextDeadline) sweep(now);
      if (_acceptPaused && now >= _acceptResume && !_stopHandled) {
        _acceptPaused = false;
        add(_listenFd, &_listenTag);
      }
    }
    for (auto& [c, owned] : _connections) ::close(c->fd);
    _connections.clear();
  }

  int timeoutMs() const {
    auto next = _nextDeadline;
    if (_acceptPaused && _acceptResume < next) next = _acceptResume;
    if (next == Clock::time_point::max()) return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60000));
  }

  void setDeadline(Connection* c, std::chrono::milliseconds after) {
    c->deadline = Clock::now() + after;
    if (c->deadline < _nextDeadline) _nextDeadline = c->deadline;
  }

  void acceptAll() {
    for (;;) {
      const int fd = ::accept4(_listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          _logger.warning("%s: cannot accept a connection: %s; pausing accepts for 100 ms",
                          _options.name, std::string(std::strerror(errno)));
          ::epoll_ctl(_epoll, EPOLL_CTL_DEL, _listenFd, nullptr);
          _acceptPaused = true;
          _acceptResume = Clock::now() + std::chrono::milliseconds(100);
        }
        return;
      }
      if (_connections.size() >= _options.maxConnections) {
        sendNow(fd, loopResponse(503, "TOO_MANY_CONNECTIONS",
                                 "the server has " + std::to_string(_options.maxConnections) +
                                     " open connections (http.max_connections); retry later",
                                 retryAfter(), false));
        ::close(fd);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto owned = std::make_unique<Connection>(
          fd, RequestReader::Limits{_options.maxHeadBytes, _options.maxBodyBytes});
      Connection* c = owned.get();
      _connections.emplace(c, std::move(owned));
      _connectionCount = _connections.size();
      add(fd, c);
      becomeIdle(c);
    }
  }

  std::map<std::string, std::string> retryAfter() const {
    return {{"Retry-After", std::to_string(_options.retryAfterSeconds)}};
  }

  void becomeIdle(Connection* c) {
    c->state = State::Idle;
    setDeadline(c, _options.keepAliveTimeout);
    _idle.push_back(c);
    c->idlePosition = std::prev(_idle.end());
    c->inIdleList = true;
    _idleCount = _idle.size();
    while (_idle.size() > _options.maxIdleConnections) close(_idle.front());
  }

  void leaveIdle(Connection* c) {
    if (!c->inIdleList) return;
    _idle.erase(c->idlePosition);
    c->inIdleList = false;
    _idleCount = _idle.size();
  }

  void close(Connection* c) {
    leaveIdle(c);
    ::epoll_ctl(_epoll, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    _connections.erase(c);
    _connectionCount = _connections.size();
  }

  /// Answers from the loop, then either keeps the connection or closes it gracefully: our side
  /// is shut down and what the client still sends is read and dropped for a short while, so
  /// the answer is not lost to a reset.
  void answer(Connection* c, int status, const std::string& code, const std::string& message,
              std::map<std::string, std::string> headers, bool keepAlive) {
    const bool sent = sendNow(c->fd, loopResponse(status, code, message, headers, keepAlive));
    if (sent && keepAlive) return;
    linger(c);
  }

  void linger(Connection* c) {
    leaveIdle(c);
    ::shutdown(c->fd, SHUT_WR);
    c->state = State::Lingering;
    c->reader.reset();
    std::string().swap(c->input);
    setDeadline(c, std::min<std::chrono::milliseconds>(_options.requestTimeout,
                                                       std::chrono::milliseconds(2000)));
  }

  void onReadable(Connection* c) {
    char buffer[65536];
    for (int reads = 0; reads < 4; ++reads) {
      const auto n = ::recv(c->fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        if (c->state != State::Lingering) c->input.append(buffer, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buffer) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return close(c);  // the client closed (or reset) the connection
    }
    if (c->state != State::Lingering) process(c);
  }

  /// Advances the connection's request as far as its buffered input allows.
  void process(Connection* c) {
    for (;;) {
      if (c->state == State::Idle) {
        if (c->input.empty()) return;
        leaveIdle(c);
        c->state = State::Reading;
        setDeadline(c, _options.requestTimeout);
      }
      switch (c->reader.advance(c->input)) {
        case RequestReader::Step::NeedMore:
          if (!c->reader.started()) becomeIdle(c);  // only empty lines so far
          return;
        case RequestReader::Step::Failed: {
          const auto& error = c->reader.error();
          const auto message =
              error.status == 413 ? _options.payloadTooLargeMessage : error.message;
          return answer(c, error.status, error.code, message, {}, false);
        }
        case RequestReader::Step::HeadParsed:
          if (_stopping)
            return answer(c, 503, "SERVER_STOPPING", "ampd is stopping; retry later", {}, false);
          if (_admission) {
            std::optional<Rejection> rejection;
            try {
              rejection = c->rejection ? std::exchange(c->rejection, std::nullopt)
                                       : _admission(c->reader.request());
            } catch (const std::exception& e) {
              _logger.error("%s: admission check failed: %s", _options.name, std::string(e.what()));
              rejection = Rejection{500, "INTERNAL_ERROR", e.what(), {}};
            }
            if (rejection) {
              const bool keepAlive = !c->reader.hasBody() && c->reader.request().getKeepAlive();
              answer(c, rejection->status, rejection->errorCode, rejection->errorMessage,
                     rejection->headers, keepAlive);
              if (c->state == State::Lingering) return;
              c->reader.reset();
              becomeIdle(c);
              continue;
            }
          }
          if (c->reader.expectsContinue() &&
              !sendNow(c->fd, c->reader.request().getVersion() + " 100 Continue\r\n\r\n"))
            return close(c);
          continue;
        case RequestReader::Step::Complete:
          return dispatch(c);
      }
    }
  }

  void dispatch(Connection* c) {
    {
      std::lock_guard lock(_mutex);
      if (!_stopping && _queue.size() < _options.maxQueuedRequests) {
        ::epoll_ctl(_epoll, EPOLL_CTL_DEL, c->fd, nullptr);
        c->state = State::Working;
        c->queuedUntil = _options.queueTimeout.count() > 0 ? Clock::now() + _options.queueTimeout
                                                           : Clock::time_point::max();
        if (c->queuedUntil < _nextDeadline) _nextDeadline = c->queuedUntil;
        _queue.push_back(c);
        _queued.store(_queue.size());
        _workAvailable.notify_one();
        // No worker waits for work: one that lingers on its keep-alive connection gives it up.
        if (_waitingWorkers.load() == 0 && _lingeringWorkers.load() > 0) wakeLingering(1);
        return;
      }
    }
    if (_stopping)
      return answer(c, 503, "SERVER_STOPPING", "ampd is stopping; the request was not run", {},
                    false);
    answer(c, 503, "SERVER_BUSY",
           "every worker is busy and " + std::to_string(_options.maxQueuedRequests) +
               " requests are waiting; retry later",
           retryAfter(), false);
  }

  void takeReturns() {
    std::vector<Returned> returned;
    {
      std::lock_guard lock(_mutex);
      returned.swap(_returned);
    }
    for (const auto& [c, how] : returned) {
      if (how == Return::RejectStopping) {
        add(c->fd, c);
        answer(c, 503, "SERVER_STOPPING", "ampd is stopping; the request was not run", {}, false);
        continue;
      }
      if (how == Return::Close || _stopping) {
        close(c);
        continue;
      }
      ++c->served;
      c->reader.reset();
      if (c->input.capacity() > 65536 && c->input.size() < 4096) c->input.shrink_to_fit();
      add(c->fd, c);
      becomeIdle(c);
      process(c);  // a pipelined request may be buffered already
    }
  }

  void handleStop() {
    _stopHandled = true;
    if (!_acceptPaused) ::epoll_ctl(_epoll, EPOLL_CTL_DEL, _listenFd, nullptr);
    _listener.close();
    std::vector<Connection*> all;
    for (auto& [c, owned] : _connections) all.push_back(c);
    for (Connection* c : all) {
      char byte;
      const bool requestArrived =
          c->state == State::Idle &&
          (!c->input.empty() || ::recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0);
      if (requestArrived || c->state == State::Reading)
        answer(c, 503, "SERVER_STOPPING", "ampd is stopping; retry later", {}, false);
      else if (c->state == State::Idle || c->state == State::Lingering)
        close(c);
    }
  }

  void sweep(Clock::time_point now) {
    _nextDeadline = Clock::time_point::max();
    answerOverdueQueued(now);
    std::vector<Connection*> expired;
    for (auto& [c, owned] : _connections) {
      if (c->state == State::Working) continue;
      if (c->deadline <= now)
        expired.push_back(c);
      else if (c->deadline < _nextDeadline)
        _nextDeadline = c->deadline;
    }
    for (Connection* c : expired) {
      if (c->state == State::Reading) {
        answer(c, 408, "REQUEST_TIMEOUT",
               "the request was not received within " +
                   std::to_string(_options.requestTimeout.count()) +
                   " ms (http.request_timeout_ms)",
               {}, false);
      } else {
        close(c);
      }
    }
  }

  /// Takes the queued requests that waited longer than Options::queueTimeout off the queue
  /// (a worker takes a request under the same mutex, so each is either taken or answered here)
  /// and answers them 503 SERVER_BUSY; the rest set the next deadline.
  void answerOverdueQueued(Clock::time_point now) {
    std::vector<Connection*> overdue;
    {
      std::lock_guard lock(_mutex);
      for (auto it = _queue.begin(); it != _queue.end();) {
        if ((*it)->queuedUntil <= now) {
          overdue.push_back(*it);
          it = _queue.erase(it);
        } else {
          _nextDeadline = std::min(_nextDeadline, (*it)->queuedUntil);
          ++it;
        }
      }
      _queued.store(_queue.size());
    }
    for (Connection* c : overdue) {
      c->queuedUntil = Clock::time_point::max();
      add(c->fd, c);
      answer(c, 503, "SERVER_BUSY",
             "every worker stayed busy for " + std::to_string(_options.queueTimeout.count()) +
                 " ms (http.queue_timeout_ms); the request was not run, retry later",
             retryAfter(), false);
    }
  }

  // --- worker threads -------------------------------------------------------------------------
  void work() {
    for (;;) {
      Connection* c = nullptr;
      {
        std::unique_lock lock(_mutex);
        ++_waitingWorkers;
        _workAvailable.wait(lock, [&] { return !_queue.empty() || _stopping; });
        --_waitingWorkers;
        if (_queue.empty()) return;
        c = _queue.front();
        _queue.pop_front();
        _queued.store(_queue.size());
        _inFlight.insert(c);
      }
      auto how = serve(*c);
      while (how == Return::Done && takeNextRequest(*c)) how = serve(*c);
      {
        std::lock_guard lock(_mutex);
        _inFlight.erase(c);
        _returned.push_back({c, how});
        if (_inFlight.empty()) _drained.notify_all();
      }
      wake();
    }
  }

  /// The keep-alive fast path (Options::keepAliveLinger): the worker that answered waits a
  /// moment for the connection's next request and, when it is complete, admitted and plain (no
  /// 100-continue), serves it itself: no hand-off to the loop and back, no epoll re-arm. Anything
  /// else (a timeout, a request that needs the loop, queued work, stop) returns false with the
  /// connection's bytes untouched, and the loop takes it from the start as usual.
  bool takeNextRequest(Connection& c) {
    if (_options.keepAliveLinger.count() <= 0) return false;
    const auto until = Clock::now() + _options.keepAliveLinger;
    ++_lingeringWorkers;
    const bool taken = lingerFor(c, until);
    --_lingeringWorkers;
    if (taken) ++c.served;  // the loop counts a request when the connection comes back
    return taken;
  }

  bool lingerFor(Connection& c, Clock::time_point until) {
    for (;;) {
      if (_stopping || _queued.load() > 0) return false;
      if (!c.input.empty()) {
        const auto taken = tryTake(c);
        if (taken != Taken::NeedMore) return taken == Taken::Yes;
      }
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - Clock::now());
      if (left.count() <= 0) return false;
      pollfd fds[2] = {{c.fd, POLLIN, 0}, {_lingerWake, POLLIN, 0}};
      const timespec timeout{static_cast<time_t>(left.count() / 1000000000),
                             static_cast<long>(left.count() % 1000000000)};
      if (::ppoll(fds, 2, &timeout, nullptr) <= 0) return false;
      if (fds[1].revents != 0) {
        std::uint64_t one = 0;
        [[maybe_unused]] auto n = ::read(_lingerWake, &one, sizeof one);  // one token each
        return false;
      }
      char buffer[16384];
      const auto n = ::recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n <= 0) return false;  // EOF or an error: the loop sees it too and closes
      c.input.append(buffer, static_cast<std::size_t>(n));
    }
  }

  enum class Taken { Yes, NeedMore, No };

  /// Parses the buffered input as the next request; on anything but Yes, restores the input.
  Taken tryTake(Connection& c) {
    std::string saved = c.input;
    c.reader.reset();
    auto step = c.reader.advance(c.input);
    if (step == RequestReader::Step::HeadParsed) {
      bool plain = !c.reader.expectsContinue();
      if (plain && _admission) {
        try {
          c.rejection = _admission(c.reader.request());  // the loop answers a refusal
        } catch (const std::exception&) {
          plain = false;  // the loop runs the hook again and answers its error
        }
        plain = plain && !c.rejection;
      }
      step = plain ? c.reader.advance(c.input) : RequestReader::Step::Failed;
    }
    if (step == RequestReader::Step::Complete) return Taken::Yes;
    c.reader.reset();
    c.input = std::move(saved);
    return step == RequestReader::Step::NeedMore ? Taken::NeedMore : Taken::No;
  }

  void wakeLingering(std::uint64_t count) {
    [[maybe_unused]] auto n = ::write(_lingerWake, &count, sizeof count);
  }

  Return serve(Connection& c) {
    const auto& request = c.reader.request();
    const bool keepAlive =
        request.getKeepAlive() && !_stopping &&
        (_options.maxKeepAliveRequests <= 0 || c.served + 1 < _options.maxKeepAliveRequests);
    HttpExchange exchange(request, c.reader.body(), c.fd, _options.sendTimeout, keepAlive,
                          &_stopping);
    try {
      _handler(exchange);
    } catch (const std::exception& e) {
      _logger.error("%s: unexpected error answering %s %s: %s", _options.name, request.getMethod(),
                    request.getURI(), std::string(e.what()));
    }
    if (!exchange.started())
      exchange.sendError(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                         "the request failed without a response; see ampd's log");
    return exchange.complete() && exchange.keepAlive() ? Return::Done : Return::Close;
  }

  Poco::Net::ServerSocket _listener;
  const Options _options;
  const Handler _handler;
  const Admission _admission;
  Poco::Logger& _logger;
  int _listenFd = -1;
  int _epoll = -1;
  int _wake = -1;
  char _wakeTag = 0;
  char _listenTag = 0;

  // Loop thread only.
  std::unordered_map<Connection*, std::unique_ptr<Connection>> _connections;
  std::list<Connection*> _idle;  ///< idle connections, longest idle first
  Clock::time_point _nextDeadline = Clock::time_point::max();
  bool _acceptPaused = false;
  Clock::time_point _acceptResume;
  bool _stopHandled = false;

  // Shared, under _mutex.
  std::mutex _mutex;
  std::condition_variable _workAvailable;
  std::condition_variable _drained;
  std::deque<Connection*> _queue;
  std::unordered_set<Connection*> _inFlight;
  std::vector<Returned> _returned;
  int _lingerWake = -1;  ///< eventfd (semaphore): gives lingering workers queued work
  std::atomic<std::size_t> _queued{0};    ///< _queue.size(), readable without the mutex
  std::atomic<int> _waitingWorkers{0};    ///< workers waiting for work
  std::atomic<int> _lingeringWorkers{0};  ///< workers in takeNextRequest()
  std::atomic<bool> _stopping{false};
  std::atomic<bool> _exit{false};
  std::atomic<std::size_t> _connectionCount{0};  ///< written by the loop
  std::atomic<std::size_t> _idleCount{0};        ///< written by the loop

  std::thread _loop;
  std::vector<std::thread> _workers;
};

HttpServer::HttpServer(Poco::Net::ServerSocket socket, Options options, Handler handler,
                       Poco::Logger& logger, Admission admission)
    : _options(std::move(options)), _address(socket.address()) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    if (limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &limit);
      ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    const auto available = limit.rlim_cur > 256 ? limit.rlim_cur - 256 : 64;
    if (limit.rlim_cur != RLIM_INFINITY && _options.maxConnections > available) {
      logger.warning(
          "%s: http.max_connections = %z is more than the open-file limit allows; using %z"
          "\nHINT: raise the limit (ulimit -n) to serve more connections.",
          _options.name, _options.maxConnections, static_cast<std::size_t>(available));
      _options.maxConnections = static_cast<std::size_t>(available);
    }
  }
  _impl = std::make_unique<Impl>(std::move(socket), _options, std::move(handler), logger,
                                 std::move(admission));
}

HttpServer::~HttpServer() { stop(); }

HttpServer::Stats HttpServer::stats() const { return _impl ? _impl->stats() : Stats{}; }

void HttpServer::start() {
  if (_impl && !_started) {
    _impl->start();
    _started = true;
  }
}

void HttpServer::beginStop() noexcept {
  if (_impl && _started) _impl->beginStop();
}

void HttpServer::stop() noexcept {
  if (!_impl) return;
  if (_started) {
    try {
      _impl->stop();
    } catch (...) {
    }
  }
  _impl.reset();
}

}  // namespace ampd
