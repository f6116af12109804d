#include "cast_cli.h"

#include "child_process.h"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

namespace ampd::test {

std::string cast(const DaemonAmpDir& dir, const AnvilProcess& anvil,
                 std::vector<std::string> args) {
  if (args.front() != "keccak") args.insert(args.begin() + 1, {"--rpc-url", anvil.url()});
  SpawnOptions options;
  options.args = std::move(args);
  options.cwd = dir.root();
  options.logFile = dir.root() / "cast.log";
  auto [code, output] = ChildProcess::run(AMPD_CAST_EXECUTABLE, std::move(options));
  EXPECT_EQ(code, 0) << output;
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

Poco::JSON::Object::Ptr jsonObject(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace ampd::test
