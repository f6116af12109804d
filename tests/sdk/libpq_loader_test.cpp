// ampd_toolkit/libpq_loader.h: the forwarding functions reach the real libpq, and no bundled
// plugin (nor ampd) names libpq as a needed library, so loading them does not load it.
#include <ampd_toolkit/libpq_loader.h>

#include <libpq-fe.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace {

/// The DT_NEEDED entries of an ELF file, from `readelf -d` (binutils, which the build needs).
std::string neededLibraries(const std::filesystem::path& file) {
  const auto command = "readelf -d '" + file.string() + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return "popen failed";
  std::string needed;
  std::array<char, 512> line{};
  bool any = false;
  while (std::fgets(line.data(), line.size(), pipe.get())) {
    const std::string text(line.data());
    any = any || text.find("Dynamic section") != std::string::npos;
    if (text.find("(NEEDED)") != std::string::npos) needed += text;
  }
  return any ? needed : "no dynamic section in " + file.string();
}

TEST(LibpqLoader, ForwardsToTheRealLibpq) {
  ASSERT_NO_THROW(ampd::loadLibpq());
  // The real libpq parses the conninfo: a bad one is refused without a connection attempt.
  EXPECT_EQ(PQping("this is not a conninfo"), PQPING_NO_ATTEMPT);
  EXPECT_EQ(PQping("host=/nonexistent-ampd-socket-dir port=1"), PQPING_NO_RESPONSE);
  PGconn* conn = PQconnectdb("host=/nonexistent-ampd-socket-dir port=1");
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(PQstatus(conn), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(conn)).find("nonexistent-ampd-socket-dir"),
            std::string::npos);
  PQfinish(conn);
}

TEST(LibpqLoader, NoPluginAndNotAmpdNeedsLibpq) {
  const std::filesystem::path dir(AMPD_PLUGIN_OUTPUT_DIR);
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".so") continue;
    const auto needed = neededLibraries(entry.path());
    EXPECT_NE(needed.find("libc.so"), std::string::npos) << entry.path() << ":\n" << needed;
    EXPECT_EQ(needed.find("libpq"), std::string::npos) << entry.path() << ":\n" << needed;
    ++checked;
  }
  EXPECT_GE(checked, 4) << "bundled plugins in " << dir;
  const auto ampd = neededLibraries(AMPD_EXECUTABLE_PATH);
  EXPECT_NE(ampd.find("libc.so"), std::string::npos) << ampd;
  EXPECT_EQ(ampd.find("libpq"), std::string::npos) << ampd;
}

}  // namespace
