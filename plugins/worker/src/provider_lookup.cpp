#include "provider_lookup.h"

#include <toml++/toml.h>

#include <algorithm>
#include <vector>

namespace ampd::worker {

EvmProvider findEvmRpcProvider(const std::filesystem::path& providersDir,
                               const std::string& network) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(providersDir, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->path().extension() == ".toml") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    toml::table table;
    try {
      table = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
      throw ProviderLookupError("provider file " + file.string() +
                                " is not valid TOML: " + std::string(e.description()));
    }
    if (table["kind"].value_or(std::string()) != "evm-rpc") continue;
    if (table["network"].value_or(std::string()) != network) continue;
    const auto url = table["url"].value<std::string>();
    if (!url || url->empty())
      throw ProviderLookupError("provider file " + file.string() +
                                " has no `url`: add url = \"http://host:port\"");
    return {file.stem().string(), *url};
  }
  throw ProviderLookupError("no evm-rpc provider for network \"" + network + "\" in " +
                            providersDir.string() + (ec ? " (" + ec.message() + ")" : "") +
                            ": register one, e.g. POST /providers {\"name\":\"" + network +
                            "\",\"kind\":\"evm-rpc\",\"network\":\"" + network +
                            "\",\"url\":\"http://127.0.0.1:8545\"}");
}

}  // namespace ampd::worker
