// The metadb-external plugin: publishes "metadata-db" for a PostgreSQL that ampd does not run
// (metadata_db.url), once it has been proven reachable. Optional key:
// metadb_external.connect_timeout_ms (default 10000).
#include "external_database.h"

#include <ampd/plugin.h>
#include <ampd/pq.h>

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Util/AbstractConfiguration.h>

namespace {

class MetadbExternalPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    _context = &context;
    const auto& config = context.config();
    const auto url = config.getString("metadata_db.url", "");
    if (url.empty())
      throw ampd::PluginConfigError(
          "metadb-external needs metadata_db.url\nHINT: set [metadata_db] url = "
          "\"postgresql://user:password@host/db\" in the config file or "
          "AMP_CONFIG_METADATA_DB__URL, or use the metadb-postgres plugin instead.");
    Poco::Int64 timeoutMs = 10000;
    try {
      timeoutMs = config.getInt64("metadb_external.connect_timeout_ms", timeoutMs);
    } catch (const Poco::Exception& e) {
      throw ampd::PluginConfigError("invalid metadb_external.connect_timeout_ms: " +
                                    e.displayText());
    }
    if (timeoutMs < 0)
      throw ampd::PluginConfigError("invalid metadb_external.connect_timeout_ms: must be >= 0");
    auto properties =
        ampd::metadb_external::probeDatabase(url, std::chrono::milliseconds(timeoutMs));
    context.logger().information("using external metadata database %s (PostgreSQL %s)",
                                 ampd::maskPassword(url), properties["server_version"]);
    context.registry().publish(ampd::kMetadataDbService, std::move(properties));
    _published = true;
  }

  void stop() noexcept override {
    if (!_published) return;
    try {
      _context->registry().unpublish(ampd::kMetadataDbService);
    } catch (...) {
    }
    _published = false;
  }

 private:
  ampd::PluginContext* _context = nullptr;
  bool _published = false;
};

}  // namespace

AMPD_PLUGIN(MetadbExternalPlugin, "metadb-external", "0.1.0", AMPD_SERVICES("metadata-db"),
            AMPD_SERVICES())
