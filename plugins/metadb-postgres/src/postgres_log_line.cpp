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
    for (const auto& tag : kServerTags)
      if (word == tag.name) return tag.continuation ? previous : tag.priority;
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
