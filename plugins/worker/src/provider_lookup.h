// Finds the JSON-RPC endpoint of a network: the provider TOML files in providers_dir (as the
// controller's provider store and Amp write them: `<name>.toml` with kind, network, url). The
// first file in name order whose kind is "evm-rpc" and whose network matches wins.
//
// Thread-safety: a free function; reads files only.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace ampd::worker {

/// No provider serves the network, or a provider file is unreadable; what() names the folder,
/// the network and how to add one.
class ProviderLookupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EvmProvider {
  std::string name;
  std::string url;
};

EvmProvider findEvmRpcProvider(const std::filesystem::path& providersDir,
                               const std::string& network);

}  // namespace ampd::worker
