// ActiveQueries: the registry of queries in flight, so the server can cancel them all on stop.
//
// Each running query holds a Registration (RAII) with the libpq cancel handle of its
// connection and the client's socket descriptor. stopAll() closes the registry (later enter()
// calls return nothing) and sends PostgreSQL a cancel request for every registered query. It
// leaves the client sockets open, so a query cancelled before its response started can still
// answer 503 SERVER_STOPPING; the HTTP server shuts down the sockets of requests that outlive
// its drain bound (a handler blocked writing to a slow client then wakes up).
//
// Thread-safety: every method may be called from any thread. A Registration is used by the
// thread that owns it; its cancel() and the registry's stopAll() may race safely.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

namespace ampd::server {

class ActiveQueries {
  struct Entry {
    PGcancel* cancel = nullptr;
    int clientFd = -1;
    std::atomic<bool> stopRequested{false};
  };

 public:
  /// A query's place in the registry; leaves it on destruction.
  class Registration {
   public:
    Registration(Registration&& other) noexcept
        : _owner(other._owner), _entry(std::move(other._entry)) {
      other._owner = nullptr;
    }
    Registration& operator=(Registration&&) = delete;
    Registration(const Registration&) = delete;
    ~Registration();

    /// True once stopAll() ran: the query should end (it has been cancelled already).
    bool stopRequested() const { return _entry->stopRequested.load(); }
    /// Asks PostgreSQL to cancel the query running on this connection (e.g. the client left).
    /// Returns false with a reason in `error` when the request could not be sent.
    bool cancel(std::string& error);

   private:
    friend class ActiveQueries;
    Registration(ActiveQueries* owner, std::unique_ptr<Entry> entry)
        : _owner(owner), _entry(std::move(entry)) {}
    ActiveQueries* _owner;
    std::unique_ptr<Entry> _entry;
  };

  ActiveQueries() = default;
  ActiveQueries(const ActiveQueries&) = delete;
  ActiveQueries& operator=(const ActiveQueries&) = delete;
  /// Every Registration must be gone first.
  ~ActiveQueries() = default;

  /// Registers a query about to run on `conn` for the client on `clientFd` (-1: none).
  /// Returns nothing once stopAll() has run.
  std::optional<Registration> enter(PGconn* conn, int clientFd);

  /// Closes the registry and cancels every registered query (see above). Idempotent.
  /// Returns how many queries were cancelled.
  std::size_t stopAll();

  /// True once stopAll() has run.
  bool closed() const;

  /// Queries currently registered.
  std::size_t size() const;

 private:
  void leave(Entry* entry);

  mutable std::mutex _mutex;
  std::unordered_set<Entry*> _entries;
  bool _closed = false;
};

}  // namespace ampd::server
