// LoggingPlugin: base of the test plugins. Logs "start <name>" and "stop <name>" (once) through
// the context's logger, so end-to-end tests can assert the order from ampd's output.
//
// Thread-safety: driven by the host one call at a time, as the plugin contract says.
#pragma once

#include <Poco/Logger.h>
#include <ampd/plugin.h>

#include <string>

namespace ampd::test {

class LoggingPlugin : public ampd::Plugin {
 public:
  explicit LoggingPlugin(std::string name) : _name(std::move(name)) {}

  void start(ampd::PluginContext& context) override {
    _context = &context;
    context.logger().information("start " + _name);
    onStart(context);
  }

  void stop() noexcept override {
    if (_context == nullptr || _stopped) return;
    _stopped = true;
    onStop();
    _context->logger().information("stop " + _name);
  }

 protected:
  /// Plugin-specific start work (after the "start" line).
  virtual void onStart(ampd::PluginContext& /*context*/) {}
  /// Plugin-specific stop work (before the "stop" line).
  virtual void onStop() noexcept {}

  ampd::PluginContext* _context = nullptr;

 private:
  std::string _name;
  bool _stopped = false;
};

}  // namespace ampd::test
