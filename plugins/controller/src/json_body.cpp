#include "json_body.h"

#include "api.h"
#include "canonical_json.h"

#include <ampd_toolkit/utf8.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <cstdint>
#include <cstdio>

namespace ampd::controller {

void requireUtf8Body(const std::string& body, const char* code) {
  const auto offset = firstInvalidUtf8(body);
  if (offset == std::string::npos) return;
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X",
                static_cast<unsigned>(static_cast<std::uint8_t>(body[offset])));
  throw ApiError(400, code,
                 "the request body is not valid UTF-8: byte " + std::string(byte) + " at offset " +
                     std::to_string(offset) + " is not part of a UTF-8 character");
}

Poco::JSON::Object::Ptr parseJsonObjectBody(const std::string& body, const char* code) {
  requireUtf8Body(body, code);
  std::string canonical;
  try {
    canonical = canonicalJson(body);
  } catch (const JsonSyntaxError& e) {
    throw ApiError(400, code, std::string("the request body is not JSON: ") + e.what());
  }
  if (canonical.front() != '{') throw ApiError(400, code, "the request body must be a JSON object");
  try {
    return Poco::JSON::Parser().parse(canonical).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw ApiError(400, code, "the request body is not JSON: " + e.displayText());
  }
}

}  // namespace ampd::controller
