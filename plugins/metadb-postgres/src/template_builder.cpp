#include "template_builder.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stop_token>

#include "child_process.h"
#include "progress_ticker.h"

namespace managed_postgres::detail {

namespace fs = std::filesystem;

namespace {

/// Lower priority than the running server and the plugins starting on it.
constexpr int kNiceness = 10;

/// initdb as a switched user (runAs) writes into a folder that user owns.
void handOver(const fs::path& dir, const ProcessIdentity& identity) {
  if (identity.kind != ProcessIdentity::Kind::SwitchUser) return;
  if (::chown(dir.c_str(), identity.uid, identity.gid) != 0)
    throw TemplateCacheError("cannot give " + dir.string() + " to user " + identity.userName +
                             ": " + std::strerror(errno));
}

/// Thrown out of TemplateCache::make() when stop() interrupted initdb.
struct Interrupted {};

std::string joinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "\n  " + line;
  return text;
}

}  // namespace

TemplateBuilder::TemplateBuilder(Spec spec)
    : _spec(std::move(spec)), _thread([this](std::stop_token stop) { run(stop); }) {}

TemplateBuilder::~TemplateBuilder() { stop(); }

void TemplateBuilder::stop() {
  if (!_thread.joinable()) return;
  _thread.request_stop();
  _thread.join();
}

void TemplateBuilder::run(std::stop_token stop) {
  auto& log = *_spec.logger;
  TemplateCache cache(_spec.cacheRoot, log);
  const auto where = (_spec.cacheRoot / _spec.key.name).string();
  try {
    log.information("making the initdb template " + where + " in the background");
    const auto begin = std::chrono::steady_clock::now();
    {
      const ProgressTicker progress(log, "the template build");  // on a terminal only
      cache.make(_spec.key, [&](const fs::path& dir) { runInitdb(dir, stop); });
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - begin)
                        .count();
    log.information("the template build finished in " + std::to_string(ms) + " ms");
  } catch (const Interrupted&) {
    log.information("making template " + (_spec.cacheRoot / _spec.key.name).string() +
                    " was interrupted by stop; nothing was kept (the next run makes it)");
  } catch (const std::exception& e) {
    log.warning("the initdb template " + (_spec.cacheRoot / _spec.key.name).string() +
                " was not made: " + e.what() + "\nThe next new cluster runs initdb again.");
  }
}

void TemplateBuilder::runInitdb(const fs::path& target, std::stop_token stop) {
  if (stop.stop_requested()) throw Interrupted{};
  handOver(target, _spec.identity);
  SpawnSpec spec{_spec.initdb,   initdbArgs(target, _spec.locale, _spec.encoding, _spec.extraArgs),
                 _spec.identity,
                 SIGKILL,  // this thread outlives initdb: it dies with ampd
                 kNiceness,      true};
  ChildProcess child(spec, OutputPump::Options{_spec.output, 20, false, Poco::Message::PRIO_DEBUG});
  std::stop_callback interrupt(stop, [&child] { child.signal(SIGKILL); });
  const auto status = child.wait();
  child.finishOutput(std::chrono::milliseconds(500));
  if (stop.stop_requested()) throw Interrupted{};
  if (!status.success())
    throw TemplateCacheError("initdb failed (" + status.describe() + ") for " + target.string() +
                             "; last lines:" + joinLines(child.lastLines()));
}

}  // namespace managed_postgres::detail
