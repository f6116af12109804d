// libpq, loaded when first needed instead of when a plugin is loaded.
//
// Why: libpq.so.5 and the libraries it needs (libssl, libcrypto, Kerberos, LDAP, GnuTLS: about
// 20) take 6-12 ms to map and relocate on the machines ampd runs on. Linked normally, every
// plugin that uses libpq would load them when the host dlopens it, before metadb-postgres can
// spawn postgres; loaded here, they are mapped while postgres starts (metadb-postgres calls
// loadLibpq() right after the spawn), off the start's critical path.
//
// How: the toolkit defines every libpq function ampd calls (libpq_loader.cpp); each forwards to
// the real one, resolved with dlsym from dlopen("libpq.so.5") on the first call. Nothing links
// libpq itself, so a plugin has no DT_NEEDED on it. Code keeps calling PQexec() etc. as before; a
// function not yet listed there fails to link (add it to the list).
//
// Thread-safety: loadLibpq() and the forwarding functions may be called from any thread; the
// library is loaded once (a function-local static).
#pragma once

#include <stdexcept>

namespace ampd {

/// libpq.so.5 could not be loaded or lacks a function; what() names the library, the dynamic
/// loader's error and the fix.
class LibpqLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Loads libpq now (a no-op once loaded). Throws LibpqLoadError. A PQ* call before it loads it
/// the same way (and throws the same error).
void loadLibpq();

}  // namespace ampd
