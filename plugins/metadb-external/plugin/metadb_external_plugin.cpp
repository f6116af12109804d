// The metadb-external plugin: publishes "metadata-db" for a PostgreSQL that ampd does not run
// (metadata_db.url, a host key), once it has been proven reachable. Its own key:
// metadb_external.connect_timeout_ms (key table below).
#include "external_database.h"

#include <ampd/plugin.h>
#include <ampd_toolkit/pq.h>

#include <Poco/Logger.h>

namespace {

// The plugin's configuration keys (<ampd/settings.h>); `ampd config keys` lists them.
constexpr ampd::KeySpec kKeys[] = {
    ampd::durationMsKey("metadb_external.connect_timeout_ms", "10000", 0, 3600000,
                        "how long to retry reaching metadata_db.url before giving up, "
                        "milliseconds"),
};

class MetadbExternalPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    const auto& settings = context.settings();
    const auto url = settings.getString("metadata_db.url");
    if (url.empty())
      throw ampd::PluginConfigError(ampd::Diagnostic{
          "metadb-external needs metadata_db.url", "",
          "Set [metadata_db] url = \"postgresql://user:password@host/db\" in the config file or "
          "AMP_CONFIG_METADATA_DB__URL, or use the metadb-postgres plugin instead."});
    auto properties = ampd::metadb_external::probeDatabase(
        url, settings.getDuration("metadb_external.connect_timeout_ms"));
    context.logger().information("using external metadata database %s (PostgreSQL %s)",
                                 ampd::maskPassword(url), properties["server_version"]);
    _publication = ampd::ScopedPublication(context.registry(), ampd::kMetadataDbService,
                                           std::move(properties));
  }

  void stop() noexcept override { _publication.reset(); }

 private:
  ampd::ScopedPublication _publication;
};

}  // namespace

AMPD_PLUGIN_WITH_KEYS(MetadbExternalPlugin, "metadb-external", "0.1.0",
                      AMPD_SERVICES("metadata-db"), AMPD_SERVICES(), kKeys)
