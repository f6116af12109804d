// contains(): whether a text (a command's output, an error message) has a part, for the tests'
// EXPECT_TRUE(contains(out, "...")) << out.
#pragma once

#include <string>

namespace ampd::test {

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace ampd::test
