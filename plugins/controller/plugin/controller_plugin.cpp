// The controller plugin: a thin shell over Controller (controller.h). Requires "metadata-db"
// (properties: url, and reader_role when the provider keeps one), provides "admin-api" (properties:
// address "host:port", url "http://host:port"). Its configuration keys are in the table below.
#include "controller.h"

#include <ampd/plugin.h>

#include <Poco/Logger.h>

#include <optional>

namespace {

// The plugin's configuration keys (<ampd/settings.h>); `ampd config keys` lists them. The
// controller also reads the host's providers_dir, metadata_db.* and http.* keys.
constexpr ampd::KeySpec kKeys[] = {
    ampd::listenAddressKey("admin_api_addr", "127.0.0.1:1610", "address of the admin API"),
    ampd::intKey("controller.max_body_bytes", "10485760", 1, std::int64_t{1} << 30,
                 "largest accepted request body, bytes"),
    ampd::intKey("controller.threads", "8", 1, 1024, "worker threads of the admin API"),
    ampd::durationMsKey("controller.statement_timeout_ms", "5000", 1, 3600000,
                        "client-side deadline of each admin API statement, milliseconds (then "
                        "503)"),
};

class ControllerPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    const auto settings = ampd::controller::ControllerSettings::fromSettings(context.settings());
    const auto database = ampd::requireService(
        context, ampd::kMetadataDbService,
        "List a metadata-db plugin (metadb-postgres or metadb-external) in `plugins`.");
    const auto reader = database.find("reader_role");
    _controller.emplace(
        settings, database.at("url"), context.logger(),
        reader != database.end() ? reader->second : ampd::controller::kDefaultReaderRole);
    const bool migrateOnly = context.runMode() == ampd::RunMode::Migrate;
    _controller->migrate(migrateOnly);
    if (migrateOnly) return;  // `ampd migrate`: nothing to serve
    _controller->serve();
    const auto address = _controller->address().toString();
    _publication = ampd::ScopedPublication(context.registry(), ampd::kAdminApiService,
                                           {{"address", address}, {"url", "http://" + address}});
  }

  void stop() noexcept override {
    _publication.reset();
    if (_controller) _controller->stop();
    _controller.reset();
  }

 private:
  std::optional<ampd::controller::Controller> _controller;
  ampd::ScopedPublication _publication;
};

}  // namespace

AMPD_PLUGIN_WITH_KEYS(ControllerPlugin, "controller", "0.1.0", AMPD_SERVICES("admin-api"),
                      AMPD_SERVICES("metadata-db"), kKeys)
