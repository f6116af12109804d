// A manifest as the controller stores it: canonical text, content hash and the facts the admin
// API reports (kind, start_block, finalized_blocks_only, table names).
//
// Thread-safety: free functions and value types without shared state.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ampd::controller {

/// Raised by parseManifest() for a manifest that is valid JSON but not a manifest this
/// controller accepts (answered 400 INVALID_MANIFEST). what() says which field is wrong.
class ManifestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The manifest kinds Amp registers (legacy SQL datasets are not supported, as in Amp).
inline constexpr const char* kManifestKinds[] = {"manifest", "evm-rpc", "firehose", "solana",
                                                 "eth-beacon"};

struct Manifest {
  std::string canonical;             ///< Amp's canonical form (see manifest_model.h)
  std::string hash;                  ///< lower-case hex SHA-256 of `canonical`
  std::string kind;                  ///< "kind"
  std::int64_t startBlock = 0;       ///< "start_block", default 0
  bool finalizedBlocksOnly = false;  ///< "finalized_blocks_only", default false
  std::vector<std::string> tables;   ///< keys of "tables", sorted; default none
};

/// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(std::string_view bytes);

/// Canonicalizes `text` and extracts the facts. Throws JsonSyntaxError (not JSON) or
/// ManifestError (not an object, no string `kind`, unsupported kind, a `start_block` that is
/// not a non-negative integer, a `finalized_blocks_only` that is not a boolean, `tables` that
/// is not an object).
Manifest parseManifest(std::string_view text);

}  // namespace ampd::controller
