// PgPool: a bounded pool of libpq connections to one URL, shared by the threads of a plugin.
//
// Contract:
// - Thread-safe: acquire() may be called from any thread. At most `size` connections exist.
// - Connections are opened lazily, on demand. A lease returns its connection on destruction;
//   a connection whose status is bad (server restarted, broken socket) is dropped, not reused.
//   Call Lease::discard() to drop one explicitly (e.g. after a cancelled query).
// - acquire() has one deadline (`timeout`, default options.acquireTimeout) for the whole wait:
//   for a free slot, then for connecting. Every slot busy until the deadline throws
//   PgUnavailableError(Busy) ("DATABASE_BUSY"). A new connection gets libpq's connect_timeout
//   of min(options.connectTimeout, time left), in whole seconds rounded up (at least 2 s, libpq's
//   minimum); failing to connect throws PgUnavailableError(Unavailable). Other connecting errors
//   propagate as PgError (URL password masked).
// - Connections get options.statementDeadline as their exec() deadline (see ampd_toolkit/pq.h).
// - close() drops idle connections and makes later acquire() calls throw; connections still
//   leased are closed when returned. The destructor closes too; every lease must be gone first.
#pragma once

#include <ampd_toolkit/pq.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ampd {

class PgPool {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept : _pool(other._pool), _conn(std::move(other._conn)) {
      other._pool = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (_pool != nullptr) _pool->giveBack(std::move(_conn));
    }
    PgConnection& operator*() const { return *_conn; }
    PgConnection* operator->() const { return _conn.get(); }
    /// Drop this connection instead of returning it to the pool.
    void discard() { _conn.reset(); }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : _pool(pool), _conn(std::move(conn)) {}
    PgPool* _pool;
    std::unique_ptr<PgConnection> _conn;
  };

  struct Options {
    std::size_t size = 10;
    std::chrono::milliseconds acquireTimeout{5000};  ///< metadata_db.acquire_timeout_ms
    std::chrono::milliseconds connectTimeout{5000};  ///< metadata_db.connect_timeout_ms
    std::chrono::milliseconds statementDeadline{0};  ///< exec() deadline; zero: none
  };

  PgPool(std::string url, std::size_t size) : PgPool(std::move(url), Options{.size = size}) {}
  PgPool(std::string url, Options options)
      : _url(std::move(url)), _size(options.size == 0 ? 1 : options.size), _options(options) {}
  ~PgPool() { close(); }
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  const std::string& url() const { return _url; }
  std::size_t size() const { return _size; }

  const Options& options() const { return _options; }

  /// A connection within options().acquireTimeout.
  Lease acquire() { return acquire(_options.acquireTimeout); }

  /// A connection within `timeout` (see the contract above).
  Lease acquire(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(_mutex);
    if (!_available.wait_until(lock, deadline,
                               [&] { return _closed || !_idle.empty() || _open < _size; })) {
      throw PgUnavailableError(PgUnavailableError::Reason::Busy,
                               "waiting for a database connection timed out after " +
                                   std::to_string(timeout.count()) + " ms: all " +
                                   std::to_string(_size) + " pooled connections stayed busy" +
                                   "\nHINT: Try again later, or raise metadata_db.pool_size or "
                                   "metadata_db.acquire_timeout_ms.",
                               1);
    }
    if (_closed) throw PgError("connection pool to " + maskPassword(_url) + " is closed");
    if (!_idle.empty()) {
      auto conn = std::move(_idle.back());
      _idle.pop_back();
      return Lease(this, std::move(conn));
    }
    ++_open;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    try {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      const auto connectTimeout =
          _options.connectTimeout.count() > 0
              ? std::max(std::chrono::milliseconds(1), std::min(_options.connectTimeout, left))
              : _options.connectTimeout;
      return Lease(this, std::make_unique<PgConnection>(
                             _url, PgConnectOptions{connectTimeout, _options.statementDeadline}));
    } catch (...) {
      lock.lock();
      --_open;
      _available.notify_one();
      throw;
    }
  }

  void close() {
    std::vector<std::unique_ptr<PgConnection>> idle;
    {
      std::lock_guard lock(_mutex);
      _closed = true;
      _open -= _idle.size();
      idle.swap(_idle);
    }
    _available.notify_all();
  }

 private:
  void giveBack(std::unique_ptr<PgConnection> conn) {
    {
      std::lock_guard lock(_mutex);
      if (conn && conn->ok() && !_closed && PQtransactionStatus(conn->get()) == PQTRANS_IDLE) {
        _idle.push_back(std::move(conn));
      } else {
        --_open;
        conn.reset();
      }
    }
    _available.notify_one();
  }

  const std::string _url;
  const std::size_t _size;
  const Options _options;
  std::mutex _mutex;
  std::condition_variable _available;
  std::vector<std::unique_ptr<PgConnection>> _idle;
  std::size_t _open = 0;
  bool _closed = false;
};

}  // namespace ampd
