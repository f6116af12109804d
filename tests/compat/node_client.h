// Runs Amp's published TypeScript client (tests/compat/admin_ops.mjs over npm
// @edgeandnode/amp) with node against an admin API, and parses what it decoded.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ampd::test {

/// One operation's outcome as the client saw it: exactly one of ok / fail / defect is set.
struct ClientResult {
  bool ok = false;           ///< the client decoded a success
  Poco::Dynamic::Var value;  ///< the decoded success (re-encoded), when ok
  std::string failTag;       ///< the client's error class (_tag), e.g. "SchedulerError"
  std::string failCode;      ///< its error_code
  std::string failMessage;   ///< its error_message
  std::string defect;        ///< the client could not decode the answer (why)
  std::string text;          ///< the whole result line, for failure messages
};

/// A list of client calls: {"op": <Admin method>, "args": [...]}.
class ClientOps {
 public:
  ClientOps& add(const std::string& op, Poco::JSON::Array::Ptr args = new Poco::JSON::Array);
  /// Runs every op in order with `node admin_ops.mjs <url>`, files in `workDir`. Throws when
  /// node fails as a whole (not when an operation fails: that is a result).
  std::vector<ClientResult> run(const std::string& adminUrl,
                                const std::filesystem::path& workDir) const;

 private:
  Poco::JSON::Array _ops;
};

/// Builds a JSON array of the given values (strings, numbers, parsed JSON).
Poco::JSON::Array::Ptr args(std::initializer_list<Poco::Dynamic::Var> values);
/// Parses JSON text (a manifest) into a value to pass as an argument.
Poco::Dynamic::Var parseJson(const std::string& text);
/// The compact JSON text of a value.
std::string toJson(const Poco::Dynamic::Var& value);

}  // namespace ampd::test
