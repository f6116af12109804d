// test-abi2: a plugin as built against ABI version 2 (its descriptor has no key table). The host
// must refuse it naming both versions, before reading past abiVersion or calling create().
#include <cstdint>
#include <cstdlib>

namespace {

/// The ABI 2 descriptor layout, reproduced (ABI 3 appended keys and keyCount).
struct Abi2Descriptor {
  std::uint32_t abiVersion;
  const char* name;
  const char* version;
  const char* const* providedServices;
  const char* const* requiredServices;
  void* (*create)();
  void (*destroy)(void*);
};

void* create() { std::abort(); }
void destroy(void*) { std::abort(); }
const char* const kNone[] = {nullptr};
const Abi2Descriptor kDescriptor{2, "test-abi2", "0.1.0", kNone, kNone, &create, &destroy};

}  // namespace

extern "C" __attribute__((visibility("default"))) const void* ampd_plugin_descriptor() {
  return &kDescriptor;
}
