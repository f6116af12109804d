#include "provider_store.h"

#include "json_writer.h"
#include "names.h"

#include <Poco/JSON/Array.h>
#include <Poco/Logger.h>
#include <toml++/toml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ampd::controller {
namespace {

namespace fs = std::filesystem;

toml::array toTomlArray(const Poco::JSON::Array& array, const std::string& path);
toml::table toTomlTable(const Poco::JSON::Object& object, const std::string& path, bool skipName);

/// Calls `insert(value)` with the TOML form of `v`.
template <class Insert>
void convertValue(const Poco::Dynamic::Var& v, const std::string& path, Insert&& insert) {
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    insert(toTomlTable(*v.extract<Poco::JSON::Object::Ptr>(), path, false));
  } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    insert(toTomlArray(*v.extract<Poco::JSON::Array::Ptr>(), path));
  } else if (v.isEmpty()) {
    throw ProviderConversionError("\"" + path + "\" is null, which TOML cannot express");
  } else if (v.isBoolean()) {
    insert(v.convert<bool>());
  } else if (v.isString()) {
    insert(v.convert<std::string>());
  } else if (v.isInteger()) {
    if (!v.isSigned() && v.convert<Poco::UInt64>() > static_cast<Poco::UInt64>(INT64_MAX))
      throw ProviderConversionError("\"" + path + "\" is larger than a TOML integer allows");
    insert(v.convert<std::int64_t>());
  } else if (v.isNumeric()) {
    insert(v.convert<double>());
  } else {
    throw ProviderConversionError("\"" + path + "\" has a type TOML cannot express");
  }
}

toml::array toTomlArray(const Poco::JSON::Array& array, const std::string& path) {
  toml::array result;
  for (std::size_t i = 0; i < array.size(); ++i) {
    convertValue(array.get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]",
                 [&](auto&& value) { result.push_back(std::forward<decltype(value)>(value)); });
  }
  return result;
}

toml::table toTomlTable(const Poco::JSON::Object& object, const std::string& path, bool skipName) {
  toml::table result;
  for (const auto& [key, value] : object) {
    if (skipName && key == "name") continue;
    const auto memberPath = path.empty() ? key : path + "." + key;
    convertValue(value, memberPath,
                 [&](auto&& v) { result.insert_or_assign(key, std::forward<decltype(v)>(v)); });
  }
  return result;
}

void writeJson(JsonWriter& w, const toml::node& node, const std::string& path) {
  if (const auto* table = node.as_table()) {
    w.beginObject();
    for (const auto& [key, value] : *table) {
      w.key(key.str());
      writeJson(w, value, path + "." + std::string(key.str()));
    }
    w.endObject();
  } else if (const auto* array = node.as_array()) {
    w.beginArray();
    for (const auto& value : *array) writeJson(w, value, path + "[]");
    w.endArray();
  } else if (const auto* s = node.as_string()) {
    w.value(s->get());
  } else if (const auto* i = node.as_integer()) {
    w.value(static_cast<std::int64_t>(i->get()));
  } else if (const auto* f = node.as_floating_point()) {
    const double d = f->get();
    if (!std::isfinite(d)) throw ProviderConversionError("\"" + path + "\" is not a finite number");
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
    std::string text(buffer, end);
    if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    w.raw(text);
  } else if (const auto* b = node.as_boolean()) {
    w.value(b->get());
  } else {
    std::ostringstream text;  // dates and times: their TOML text
    node.visit([&](const auto& n) { text << n; });
    w.value(text.str());
  }
}

}  // namespace

ProviderStore::ProviderStore(fs::path dir, Poco::Logger& logger)
    : _dir(std::move(dir)), _logger(logger) {
  std::error_code ec;
  fs::create_directories(_dir, ec);
  if (ec)
    throw ProviderStoreError("cannot create providers_dir " + _dir.string() + ": " + ec.message());
}

fs::path ProviderStore::fileFor(const std::string& name) const { return _dir / (name + ".toml"); }

void ProviderStore::put(const Poco::JSON::Object& provider) {
  const auto name = provider.getValue<std::string>("name");
  const auto table = toTomlTable(provider, "", true);
  std::ostringstream text;
  text << toml::toml_formatter(table) << "\n";
  const auto content = text.str();

  std::lock_guard lock(_writeMutex);
  const auto target = fileFor(name);
  auto temp = _dir / ("." + name + ".toml.XXXXXX");
  std::string tempName = temp.string();
  const int fd = ::mkstemp(tempName.data());
  if (fd < 0)
    throw ProviderStoreError("cannot create a temporary file in " + _dir.string() + ": " +
                             std::strerror(errno));
  bool ok = true;
  std::size_t written = 0;
  while (ok && written < content.size()) {
    const auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else
      written += static_cast<std::size_t>(n);
  }
  const int savedErrno = errno;
  ok = ok && ::fsync(fd) == 0;
  ::fchmod(fd, 0644);
  ::close(fd);
  if (!ok || ::rename(tempName.c_str(), target.c_str()) != 0) {
    const int error = ok ? errno : savedErrno;
    ::unlink(tempName.c_str());
    throw ProviderStoreError("cannot write provider file " + target.string() + ": " +
                             std::strerror(error));
  }
}

std::string ProviderStore::readAsJson(const fs::path& file, const std::string& name) const {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ProviderStoreError("cannot read provider file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  toml::table table;
  try {
    table = toml::parse(text.str(), file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << "provider file " << file.string() << " is not valid TOML: " << e.description()
            << " (line " << e.source().begin.line << ")";
    throw ProviderConversionError(message.str());
  }
  JsonWriter w;
  w.beginObject();
  w.key("name").value(name);
  for (const auto& [key, value] : table) {
    if (key.str() == "name") continue;
    w.key(key.str());
    writeJson(w, value, std::string(key.str()));
  }
  w.endObject();
  return w.take();
}

std::optional<std::string> ProviderStore::get(const std::string& name) const {
  const auto file = fileFor(name);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  return readAsJson(file, name);
}

std::vector<std::string> ProviderStore::list() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(_dir, ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".toml" || !entry.is_regular_file()) continue;
    const auto name = path.stem().string();
    if (isValidProviderName(name)) names.push_back(name);
  }
  if (ec)
    throw ProviderStoreError("cannot list providers_dir " + _dir.string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  std::vector<std::string> result;
  for (const auto& name : names) {
    try {
      result.push_back(readAsJson(fileFor(name), name));
    } catch (const std::exception& e) {
      _logger.warning("skipping provider %s: %s", name, std::string(e.what()));
    }
  }
  return result;
}

void ProviderStore::remove(const std::string& name) {
  std::lock_guard lock(_writeMutex);
  const auto file = fileFor(name);
  std::error_code ec;
  fs::remove(file, ec);
  if (ec)
    throw ProviderStoreError("cannot remove provider file " + file.string() + ": " + ec.message());
}

}  // namespace ampd::controller
