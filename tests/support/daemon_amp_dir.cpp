#include "daemon_amp_dir.h"

#include <ampd_toolkit/retry.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace ampd::test {

namespace {
std::string currentTestLabel() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "test";
  std::string label = std::string(info->test_suite_name()) + "-" + info->name();
  for (auto& c : label)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  return label;
}
}  // namespace

DaemonAmpDir::DaemonAmpDir(const std::string& label) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ampd-" +
                        (label.empty() ? currentTestLabel() : label) + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr)
    throw std::runtime_error("cannot create temp dir " + pattern + ": " + std::strerror(errno));
  _root = std::filesystem::path(buffer.data());
}

DaemonAmpDir::~DaemonAmpDir() {
  const char* keep = std::getenv("TESTS_KEEP_TEMP_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "[DaemonAmpDir] kept " << _root << "\n";
    return;
  }
  // A process that is still shutting down (a postgres stopping after its owner was killed) may
  // add or remove files while the tree is removed; try again until it holds still.
  std::error_code ec;
  const bool removed = retryWithBackoff(
      {.initialDelay = std::chrono::milliseconds(5), .deadline = std::chrono::seconds(10)}, [&] {
        std::filesystem::remove_all(_root, ec);
        return !ec;
      });
  if (!removed)
    std::cerr << "[DaemonAmpDir] cannot remove " << _root << ": " << ec.message() << "\n";
}

std::filesystem::path DaemonAmpDir::writeFile(const std::filesystem::path& relative,
                                              const std::string& text) const {
  const auto path = relative.is_absolute() ? relative : _root / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << text;
  return path;
}

}  // namespace ampd::test
