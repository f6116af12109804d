// DaemonAmpDir: a fresh project directory per test, with the amp dir at <root>/.amp.
// Removed when the fixture is destroyed, unless TESTS_KEEP_TEMP_DIRS=1 (then its path is printed).
#pragma once

#include <filesystem>
#include <string>

namespace ampd::test {

class DaemonAmpDir {
 public:
  /// Creates <TMPDIR or /tmp>/ampd-<label>-XXXXXX. `label` defaults to the current test's name.
  explicit DaemonAmpDir(const std::string& label = {});
  ~DaemonAmpDir();
  DaemonAmpDir(const DaemonAmpDir&) = delete;
  DaemonAmpDir& operator=(const DaemonAmpDir&) = delete;

  /// The project directory (what a developer would `cd` into).
  const std::filesystem::path& root() const { return _root; }
  /// The amp dir ampd uses by default from root(): root()/.amp (not created here).
  std::filesystem::path ampDir() const { return _root / ".amp"; }
  /// Writes `text` to root()/relative (creating folders) and returns the absolute path.
  std::filesystem::path writeFile(const std::filesystem::path& relative,
                                  const std::string& text) const;

 private:
  std::filesystem::path _root;
};

}  // namespace ampd::test
