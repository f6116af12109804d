// Every test process that links this file gets its own empty XDG_CACHE_HOME (a fresh folder under
// the temp dir, removed at exit), so the initdb template cache, on by default in ampd, never
// touches ~/.cache and no test finds a template another one made: a test that expects initdb to
// run gets an initdb. Tests of the cache itself set metadb_postgres.template_cache explicitly.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

class TestCacheHome {
 public:
  TestCacheHome() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ampd-test-cache-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) return;
    _dir = pattern;
    ::setenv("XDG_CACHE_HOME", _dir.c_str(), 1);
  }
  ~TestCacheHome() {
    std::error_code ec;
    if (!_dir.empty()) std::filesystem::remove_all(_dir, ec);
  }
  TestCacheHome(const TestCacheHome&) = delete;
  TestCacheHome& operator=(const TestCacheHome&) = delete;

 private:
  std::filesystem::path _dir;
};

const TestCacheHome testCacheHome;

}  // namespace
