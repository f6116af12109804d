#include "json_text.h"

namespace ampd::server {

std::string jsonErrorObject(std::string_view code, std::string_view message) {
  std::string out = "{\"error_code\":";
  appendJsonString(out, code);
  out += ",\"error_message\":";
  appendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace ampd::server
