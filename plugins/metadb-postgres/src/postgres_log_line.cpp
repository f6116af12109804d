#include <managed_postgres/postgres_log_line.h>

#include <array>
#include <string>

namespace managed_postgres {

namespace {

using Priority = Poco::Message::Priority;

struct Tag {
  std::string_view name;
  bool continuation;
  Priority priority;
};

constexpr std::array<Tag, 17> kServerTags{{
    {"DEBUG1", false, Priority::PRIO_DEBUG},
    {"DEBUG2", false, Priority::PRIO_DEBUG},
    {"DEBUG3", false, Priority::PRIO_DEBUG},
    {"DEBUG4", false, Priority::PRIO_DEBUG},
    {"DEBUG5", false, Priority::PRIO_DEBUG},
    {"LOG", false, Priority::PRIO_INFORMATION},
    {"INFO", false, Priority::PRIO_INFORMATION},
    {"NOTICE", false, Priority::PRIO_INFORMATION},
    {"WARNING", false, Priority::PRIO_WARNING},
    {"ERROR", false, Priority::PRIO_ERROR},
    {"FATAL", false, Priority::PRIO_ERROR},
    {"PANIC", false, Priority::PRIO_ERROR},
    {"DETAIL", true, Priority::PRIO_INFORMATION},
    {"HINT", true, Priority::PRIO_INFORMATION},
    {"CONTEXT", true, Priority::PRIO_INFORMATION},
    {"STATEMENT", true, Priority::PRIO_INFORMATION},
    {"LOCATION", true, Priority::PRIO_INFORMATION},
}};

// Client tools (initdb) since PostgreSQL 12: "initdb: warning: ...", "initdb: hint: ...".
constexpr std::array<Tag, 5> kToolTags{{
    {"error", false, Priority::PRIO_ERROR},
    {"fatal", false, Priority::PRIO_ERROR},
    {"warning", false, Priority::PRIO_WARNING},
    {"detail", true, Priority::PRIO_INFORMATION},
    {"hint", true, Priority::PRIO_INFORMATION},
}};

// Messages that are routine, not failures, though postgres tags them ERROR, FATAL or LOG: a
// client that hung up or cancelled (the query API cancels a statement when its client
// disconnects or its timeout passes), and the launcher every shutdown ends. They go to debug,
// and their continuation lines (STATEMENT, DETAIL, CONTEXT: the whole statement) with them.
// "terminating connection because of crash of another server process" is not among them: it
// reports a real crash.
constexpr std::array<std::string_view, 5> kRoutineMessages{{
    "canceling statement due to user request",
    "canceling statement due to statement timeout",
    "could not send data to client",
    "connection to client lost",
    "background worker \"logical replication launcher\"",
}};

bool isRoutine(std::string_view message) {
  for (const auto routine : kRoutineMessages)
    if (message.substr(0, routine.size()) == routine) return true;
  return false;
}

bool isWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Priority classifyPostgresLine(std::string_view line, Priority previous) {
  if (!line.empty() && line.front() == '\t') return previous;
  // The server writes "<prefix><TAG>:  <message>" (two spaces). Take the first such tag, at a
  // word boundary, wherever log_line_prefix ends.
  for (std::size_t pos = line.find(":  "); pos != std::string_view::npos;
       pos = line.find(":  ", pos + 1)) {
    std::size_t start = pos;
    while (start > 0 && isWordChar(line[start - 1])) --start;
    const auto word = line.substr(start, pos - start);
    for (const auto& tag : kServerTags) {
      if (word != tag.name) continue;
      if (tag.continuation) return previous;
      return isRoutine(line.substr(pos + 3)) ? Priority::PRIO_DEBUG : tag.priority;
    }
  }
  // "<tool>: <tag>: <message>".
  const auto colon = line.find(": ");
  if (colon != std::string_view::npos && line.find(' ') >= colon) {
    const auto rest = line.substr(colon + 2);
    for (const auto& tag : kToolTags) {
      if (rest.size() > tag.name.size() && rest.substr(0, tag.name.size()) == tag.name &&
          rest[tag.name.size()] == ':')
        return tag.continuation ? previous : tag.priority;
    }
  }
  return Priority::PRIO_INFORMATION;
}

}  // namespace managed_postgres
