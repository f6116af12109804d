// The controller plugin: a thin shell over Controller (controller.h). Requires "metadata-db"
// (properties: url, and reader_role when the provider keeps one), provides "admin-api" (properties:
// address "host:port", url "http://host:port").
#include "controller.h"

#include <ampd/plugin.h>

#include <Poco/Logger.h>

#include <optional>

namespace {

using namespace std::chrono_literals;

class ControllerPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    _context = &context;
    const auto settings =
        ampd::controller::ControllerSettings::fromConfig(context.config(), context.ampDir());
    const auto database = context.registry().waitFor(ampd::kMetadataDbService, 60s);
    if (!database || !database->contains("url"))
      throw std::runtime_error(
          "the controller needs the metadata-db service, which was not published within 60 s"
          "\nHINT: list a metadata-db plugin (metadb-postgres or metadb-external) in `plugins`.");
    const auto reader = database->find("reader_role");
    _controller.emplace(
        settings, database->at("url"), context.logger(),
        reader != database->end() ? reader->second : ampd::controller::kDefaultReaderRole);
    const bool migrateOnly = context.runMode() == ampd::RunMode::Migrate;
    _controller->migrate(migrateOnly);
    if (migrateOnly) return;  // `ampd migrate`: nothing to serve
    _controller->serve();
    const auto address = _controller->address().toString();
    context.registry().publish(ampd::kAdminApiService,
                               {{"address", address}, {"url", "http://" + address}});
    _published = true;
  }

  void stop() noexcept override {
    if (_published) {
      try {
        _context->registry().unpublish(ampd::kAdminApiService);
      } catch (...) {
      }
      _published = false;
    }
    if (_controller) _controller->stop();
    _controller.reset();
  }

 private:
  ampd::PluginContext* _context = nullptr;
  std::optional<ampd::controller::Controller> _controller;
  bool _published = false;
};

}  // namespace

AMPD_PLUGIN(ControllerPlugin, "controller", "0.1.0", AMPD_SERVICES("admin-api"),
            AMPD_SERVICES("metadata-db"))
