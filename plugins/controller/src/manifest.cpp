#include "manifest.h"

#include "canonical_json.h"
#include "manifest_model.h"

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>

namespace ampd::controller {

std::string sha256Hex(std::string_view bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

Manifest parseManifest(std::string_view text) {
  Manifest m;
  m.canonical = canonicalManifest(text);
  Poco::JSON::Object::Ptr root;
  try {
    root = Poco::JSON::Parser().parse(m.canonical).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {  // valid JSON Poco cannot hold, e.g. a number like 1e999
    throw ManifestError("the manifest cannot be read: " + e.displayText());
  }

  const auto kind = root->get("kind");
  if (kind.isEmpty() || !kind.isString())
    throw ManifestError("the manifest has no \"kind\" string");
  m.kind = kind.toString();
  if (std::find(std::begin(kManifestKinds), std::end(kManifestKinds), m.kind) ==
      std::end(kManifestKinds)) {
    std::string known;
    for (const char* k : kManifestKinds) known += std::string(known.empty() ? "" : ", ") + k;
    throw ManifestError("unsupported manifest kind \"" + m.kind + "\" (supported: " + known + ")");
  }

  if (root->has("start_block")) {
    const auto v = root->get("start_block");
    if (!v.isInteger() || v.isEmpty())
      throw ManifestError("\"start_block\" must be a non-negative integer");
    if (v.isSigned()) {
      const auto n = v.convert<Poco::Int64>();
      if (n < 0) throw ManifestError("\"start_block\" must be a non-negative integer");
      m.startBlock = n;
    } else {
      const auto n = v.convert<Poco::UInt64>();
      if (n > static_cast<Poco::UInt64>(INT64_MAX))
        throw ManifestError("\"start_block\" is out of range");
      m.startBlock = static_cast<std::int64_t>(n);
    }
  }
  if (root->has("finalized_blocks_only")) {
    const auto v = root->get("finalized_blocks_only");
    if (!v.isBoolean()) throw ManifestError("\"finalized_blocks_only\" must be a boolean");
    m.finalizedBlocksOnly = v.convert<bool>();
  }
  if (root->has("tables")) {
    const auto tables = root->getObject("tables");
    if (!tables) throw ManifestError("\"tables\" must be an object");
    tables->getNames(m.tables);
    std::sort(m.tables.begin(), m.tables.end());
  }
  m.hash = sha256Hex(m.canonical);
  return m;
}

}  // namespace ampd::controller
