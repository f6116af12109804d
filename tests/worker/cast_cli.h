// Foundry's `cast` CLI (from npm, beside anvil) for the worker's end-to-end tests.
#pragma once

#include "anvil_process.h"
#include "daemon_amp_dir.h"

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace ampd::test {

/// The private key of anvil's first dev account (anvil's well-known test mnemonic), for what
/// `--unlocked` cannot sign (EIP-7702 authorizations, blob transactions).
inline constexpr const char* kDevPrivateKey =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Runs `cast <command> --rpc-url <anvil> <args…>` (no --rpc-url for keccak, which needs no
/// node) in `dir` and returns its output without the trailing newline; a failed run fails the
/// test.
std::string cast(const DaemonAmpDir& dir, const AnvilProcess& anvil, std::vector<std::string> args);

/// `text` parsed as a JSON object (what `cast … --json` prints).
Poco::JSON::Object::Ptr jsonObject(const std::string& text);

}  // namespace ampd::test
