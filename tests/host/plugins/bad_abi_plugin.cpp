// test-bad-abi: a descriptor claiming ABI version 999. The host must refuse it before calling
// create(); create() aborts to make any such call visible.
#include <ampd/plugin.h>

#include <cstdlib>

namespace {
ampd::Plugin* create() { std::abort(); }
void destroy(ampd::Plugin*) { std::abort(); }
const char* const kNone[] = {nullptr};
const ampd::PluginDescriptor kDescriptor{999,     "test-bad-abi", "0.1.0", kNone, kNone,
                                         &create, &destroy,       nullptr, 0};
}  // namespace

extern "C" __attribute__((visibility("default"))) const ampd::PluginDescriptor*
ampd_plugin_descriptor() {
  return &kDescriptor;
}
