#include <managed_postgres/postgres_command.h>

#include <Poco/URI.h>

#include <algorithm>
#include <stdexcept>

namespace managed_postgres {

std::string docsUrl(const std::string& page) {
  return std::string("https://www.postgresql.org/docs/") + kPostgresDocsVersion + "/" + page;
}

bool inTestedRange(const std::string& major) {
  try {
    std::size_t used = 0;
    const int value = std::stoi(major, &used);
    return used == major.size() && value >= kTestedMajorVersionMin &&
           value <= kTestedMajorVersionMax;
  } catch (const std::exception&) {
    return false;
  }
}

const ParamList& devModeDefaults() {
  static const ParamList defaults{{"fsync", "off"},
                                  {"synchronous_commit", "off"},
                                  {"full_page_writes", "off"},
                                  {"autovacuum", "off"},
                                  {"log_line_prefix", "[%p] "}};
  return defaults;
}

ParamList mergeServerParams(const ParamList& overrides) {
  ParamList merged;
  auto set = [&merged](const std::string& name, const std::string& value) {
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&name](const auto& entry) { return entry.first == name; });
    if (it != merged.end())
      it->second = value;
    else
      merged.emplace_back(name, value);
  };
  for (const auto& [name, value] : devModeDefaults()) set(name, value);
  for (const auto& [name, value] : overrides) set(name, value);
  return merged;
}

std::vector<std::string> initdbExtraArgs(const ParamList& initdbArgs) {
  std::vector<std::string> args;
  for (const auto& [key, value] : initdbArgs) {
    std::string flag = key.rfind('-', 0) == 0 ? key : "--" + key;
    args.push_back(value.empty() ? flag : flag + "=" + value);
  }
  return args;
}

std::vector<std::string> initdbArgs(const std::filesystem::path& dataDir, const std::string& locale,
                                    const std::string& encoding, const ParamList& initdbArgs) {
  std::vector<std::string> args{"-D",
                                dataDir.string(),
                                "-U",
                                kSuperuser,
                                "--auth=trust",
                                "--locale=" + locale,
                                "--encoding=" + encoding,
                                "--no-sync"};
  for (auto& extra : initdbExtraArgs(initdbArgs)) args.push_back(std::move(extra));
  return args;
}

std::vector<std::string> postgresArgs(const std::filesystem::path& dataDir,
                                      const std::filesystem::path& socketDir,
                                      const ParamList& configParams) {
  std::vector<std::string> args{
      "-D", dataDir.string(),   "-k", socketDir.string(), "-p", std::to_string(kSocketPort),
      "-c", "listen_addresses="};
  for (const auto& [name, value] : mergeServerParams(configParams)) {
    args.push_back("-c");
    args.push_back(name + "=" + value);
  }
  return args;
}

std::vector<std::string> versionArgs() { return {"--version"}; }

std::vector<std::string> pgConfigBindirArgs() { return {"--bindir"}; }

std::string connectionUrl(const std::filesystem::path& socketDir) {
  std::string host;
  // Everything but unreserved characters is encoded, '/' included.
  Poco::URI::encode(socketDir.string(), "/?#[]@!$&'()*+,;=:% ", host);
  return std::string("postgresql://") + kSuperuser + "@/postgres?host=" + host +
         "&port=" + std::to_string(kSocketPort);
}

}  // namespace managed_postgres
