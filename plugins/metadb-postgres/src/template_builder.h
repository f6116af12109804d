// TemplateBuilder: makes an initdb template in the background, on a thread it owns, after the
// first start of a new cluster (internal). The first start does not wait for the template: it
// runs initdb for its own cluster and starts it; this thread then runs a second initdb with the
// same arguments, niced, into the cache's temp dir, and TemplateCache::make() renames it into
// place under the template's lock (see template_cache.h).
//
// Runs, directly (never through a shell), in its own process group, at nice +10:
//
// ```text
// initdb -D <root>/.<key>.tmp-<pid>/cluster -U postgres --auth=trust --locale=... ...
// ```
//
// with exactly the arguments of the cluster's own initdb (postgres_command.h, initdbArgs()).
//
// Stopping (stop() or the destructor) SIGKILLs initdb's process group (initdb and its `postgres
// --boot`/`--single` child) and joins the thread; the temp dir is removed, or, if ampd itself is
// killed, left for the next run to remove. Nothing half made ever becomes a template.
//
// Thread-safety: construct and stop from one owner thread.
#pragma once

#include <Poco/Logger.h>

#include <filesystem>
#include <string>
#include <thread>

#include <managed_postgres/postgres_command.h>
#include <managed_postgres/process_identity.h>
#include <managed_postgres/template_cache.h>

namespace managed_postgres::detail {

class TemplateBuilder {
 public:
  struct Spec {
    std::filesystem::path cacheRoot;
    TemplateKey key;
    std::filesystem::path initdb;  ///< the binary
    std::string locale;
    std::string encoding;
    ParamList extraArgs;  ///< PostgresBuilder::initdbArg()s
    ProcessIdentity identity;
    Poco::Logger* logger = nullptr;  ///< library messages
    Poco::Logger* output = nullptr;  ///< initdb's output (at debug)
  };

  /// Starts the thread at once.
  explicit TemplateBuilder(Spec spec);
  /// stop().
  ~TemplateBuilder();
  TemplateBuilder(const TemplateBuilder&) = delete;
  TemplateBuilder& operator=(const TemplateBuilder&) = delete;

  /// Interrupts a build still running (SIGKILL to initdb's group) and joins the thread.
  void stop();

 private:
  void run(std::stop_token stop);
  void runInitdb(const std::filesystem::path& target, std::stop_token stop);

  Spec _spec;
  std::jthread _thread;  ///< last: started after everything it uses
};

}  // namespace managed_postgres::detail
