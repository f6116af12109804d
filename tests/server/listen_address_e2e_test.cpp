// End-to-end: an HTTP plugin whose address is taken refuses to start (exit 2, naming the key,
// the address and the fix) instead of sharing the port with whoever holds it. Poco's
// ServerSocket::bind(address, true) also sets SO_REUSEPORT, which let a second ampd listen on
// the first one's port and take part of its connections.
#include <child_process.h>
#include <daemon_amp_dir.h>
#include <gtest/gtest.h>

#include <Poco/Net/ServerSocket.h>

#include <ostream>
#include <string>

namespace ampd::test {
namespace {

struct Case {
  const char* plugins;  // TOML array body
  const char* key;      // the address key under test
  const char* envName;  // its AMP_CONFIG_* spelling
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.key; }

class ListenAddressE2E : public ::testing::TestWithParam<Case> {};

TEST_P(ListenAddressE2E, APortInUseIsRefusedNamingTheKeyAndTheFix) {
  const auto& c = GetParam();
  // Held the way another ampd holds it: SO_REUSEADDR and SO_REUSEPORT both set.
  Poco::Net::ServerSocket taken;
  taken.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true, true);
  taken.listen();
  const auto address = taken.address().toString();

  DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", std::string("plugins = [") + c.plugins + "]\n");
  SpawnOptions options;
  options.args = {"solo"};
  options.cwd = dir.root();
  options.env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0";
  options.env["AMP_CONFIG_JSONL_ADDR"] = "127.0.0.1:0";
  options.env[std::string("AMP_CONFIG_") + c.envName] = address;  // the one under test
  const auto [code, out] =
      ChildProcess::run(ampdExecutable(), std::move(options), std::chrono::seconds(30));
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(std::string("cannot listen on ") + c.key + " " + address), std::string::npos)
      << out;
  EXPECT_NE(out.find(std::string("AMP_CONFIG_") + c.envName), std::string::npos) << out;
  EXPECT_NE(out.find("port 0 picks one"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(HttpPlugins, ListenAddressE2E,
                         ::testing::Values(Case{R"("metadb-postgres", "controller")",
                                                "admin_api_addr", "ADMIN_API_ADDR"},
                                           Case{R"("metadb-postgres", "server")", "jsonl_addr",
                                                "JSONL_ADDR"}),
                         [](const auto& info) { return std::string(info.param.key); });

}  // namespace
}  // namespace ampd::test
