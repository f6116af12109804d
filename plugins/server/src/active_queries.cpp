#include "active_queries.h"

#include <string>

namespace ampd::server {

ActiveQueries::Registration::~Registration() {
  if (_owner != nullptr && _entry) _owner->leave(_entry.get());
  if (_entry && _entry->cancel != nullptr) PQfreeCancel(_entry->cancel);
}

bool ActiveQueries::Registration::cancel(std::string& error) {
  if (_entry->cancel == nullptr) {
    error = "no cancel handle for this connection";
    return false;
  }
  char buffer[256] = {};
  // PQcancel is safe to call while another thread uses the connection; the registry mutex is
  // not needed because only this thread frees the handle (in the destructor).
  if (PQcancel(_entry->cancel, buffer, sizeof buffer) == 1) return true;
  error = buffer;
  return false;
}

std::optional<ActiveQueries::Registration> ActiveQueries::enter(PGconn* conn, int clientFd) {
  auto entry = std::make_unique<Entry>();
  entry->cancel = PQgetCancel(conn);
  entry->clientFd = clientFd;
  std::lock_guard lock(_mutex);
  if (_closed) {
    if (entry->cancel != nullptr) PQfreeCancel(entry->cancel);
    return std::nullopt;
  }
  _entries.insert(entry.get());
  return Registration(this, std::move(entry));
}

std::size_t ActiveQueries::stopAll() {
  std::lock_guard lock(_mutex);
  _closed = true;
  for (Entry* entry : _entries) {
    entry->stopRequested = true;
    if (entry->cancel != nullptr) {
      char buffer[256];
      PQcancel(entry->cancel, buffer, sizeof buffer);
    }
  }
  return _entries.size();
}

bool ActiveQueries::closed() const {
  std::lock_guard lock(_mutex);
  return _closed;
}

std::size_t ActiveQueries::size() const {
  std::lock_guard lock(_mutex);
  return _entries.size();
}

void ActiveQueries::leave(Entry* entry) {
  std::lock_guard lock(_mutex);
  _entries.erase(entry);
}

}  // namespace ampd::server
