// PgPool: a bounded pool of libpq connections to one URL, shared by the threads of a plugin.
//
// Contract:
// - Thread-safe: acquire() may be called from any thread. At most `size` connections exist.
// - Connections are opened lazily, on demand. A lease returns its connection on destruction;
//   a connection whose status is bad (server restarted, broken socket) is dropped, not reused.
//   Call Lease::discard() to drop one explicitly (e.g. after a cancelled query).
// - acquire() waits up to `timeout` for a free slot, then throws PgError("connection pool
//   exhausted ..."). Connecting errors propagate as PgError (URL password masked).
// - close() drops idle connections and makes later acquire() calls throw; connections still
//   leased are closed when returned. The destructor closes too; every lease must be gone first.
#pragma once

#include <ampd/pq.h>

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

  PgPool(std::string url, std::size_t size) : _url(std::move(url)), _size(size == 0 ? 1 : size) {}
  ~PgPool() { close(); }
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  const std::string& url() const { return _url; }
  std::size_t size() const { return _size; }

  Lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(_mutex);
    if (!_available.wait_for(lock, timeout,
                             [&] { return _closed || !_idle.empty() || _open < _size; })) {
      throw PgError("connection pool exhausted: all " + std::to_string(_size) + " connections to " +
                    maskPassword(_url) + " stayed busy for " + std::to_string(timeout.count()) +
                    " ms");
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
      return Lease(this, std::make_unique<PgConnection>(_url));
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
  std::mutex _mutex;
  std::condition_variable _available;
  std::vector<std::unique_ptr<PgConnection>> _idle;
  std::size_t _open = 0;
  bool _closed = false;
};

}  // namespace ampd
