// AMPD_EXPORT marks SDK types whose type identity must be shared between the host and plugins
// (exceptions thrown across the boundary, interfaces). Plugins are built with hidden visibility
// and loaded with RTLD_LOCAL; default visibility keeps typeinfo comparable by name, so the host's
// `catch (const ampd::PluginConfigError&)` matches an exception thrown inside a plugin.
#pragma once

#define AMPD_EXPORT __attribute__((visibility("default")))
