// How a provider URL is shown in logs, job errors and events: hosted nodes carry the API key in
// the URL (Alchemy `/v2/<key>`, Infura `/v3/<key>`, QuickNode `/<token>/`, `?apikey=<key>`,
// `user:password@`), and job errors are stored in the metadata database and served by the admin
// API, so the secret parts are masked with `***` while the scheme, host, port and the short path
// words that tell endpoints apart (`v2`, `rpc`, `mainnet`) stay readable.
//
// Masked: a password in the user info; a path segment that looks like a key (16 characters or
// more, or 8 or more with a digit); a query value whose name contains key, token, secret, auth,
// pass or sig, or that looks like a key; the fragment. Everything else is kept as written.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

namespace ampd::worker {

/// `url` with its secret-looking parts replaced by `***` (see above). Never throws; text without
/// a scheme is read as host, path and query the same way.
std::string redactedUrl(const std::string& url);

}  // namespace ampd::worker
