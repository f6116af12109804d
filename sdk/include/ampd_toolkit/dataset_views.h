// Amp's names for extracted data: `"<ns>/<name>@<version>".<table>` for each version tag and
// `"<ns>/<name>".<table>` for the dataset, as schemas of views over the storage schemas of
// dataset_storage.h.
//
// Why views, not tables under these names: one copy of the rows per manifest however many tags
// point at it; a tag can move ("latest" after a registration) without moving data; and
// PostgreSQL inlines a `SELECT *` view into the query, so reading through it costs nothing extra.
//
// Which storage each schema shows:
// - "<ns>/<name>@<V>": the storage of the manifest tagged V (no schema while it has none);
// - "<ns>/<name>": the "latest" version's storage when it has one, else the "dev" revision's
//   (the manifest registered last), else the most recently created storage of the dataset.
//
// The views are owned by the connecting login (the database owner ampd's controller and worker
// use), so the reader role needs only USAGE on the view schemas and SELECT on the views: exactly
// what it gets (when it exists). View schemas are marked by their comment `ampd dataset views
// <ns>/<name> storage <schema>`; a schema without that comment is never dropped or changed, and a
// name over 63 bytes is not created (PostgreSQL would truncate it): both are reported in
// ViewRefresh::notes.
//
// Thread-safety: free functions; the connection is used by the calling thread only.
#pragma once

#include <ampd_toolkit/pq.h>

#include <map>
#include <string>
#include <vector>

namespace ampd::toolkit {

struct ViewRefresh {
  std::vector<std::string> created;  ///< view schemas (re)created by this call
  std::vector<std::string> dropped;  ///< view schemas no longer wanted, dropped
  std::vector<std::string> notes;    ///< what was skipped or adopted, and why (for a log)
};

/// Makes the dataset's view schemas match its tags and storage, in one transaction under the
/// dataset's lock. Throws PgError.
ViewRefresh refreshDatasetViews(PgConnection& db, const std::string& ns, const std::string& name,
                                const std::string& readerRole);

/// The same inside the caller's transaction (takes the dataset's lock, which is re-entrant).
ViewRefresh refreshDatasetViewsInTransaction(PgConnection& db, const std::string& ns,
                                             const std::string& name,
                                             const std::string& readerRole);

/// The dataset's view schemas (those marked by their comment), each with the storage schema it
/// shows, by name.
std::map<std::string, std::string> datasetViewSchemas(PgConnection& db, const std::string& ns,
                                                      const std::string& name);

}  // namespace ampd::toolkit
