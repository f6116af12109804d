// Amp's canonical manifest form, per kind, as a typed model.
//
// Amp names a manifest by the SHA-256 of its canonical form: the manifest parsed into its kind's
// Rust struct and written back with serde_json (`parse_and_canonicalize_raw_dataset_manifest`
// and `..._derived_...` in Amp's admin-api handlers/common.rs). This model rebuilds that form:
//
// - keys in struct field order;
// - every BTreeMap (tables, dependencies, functions, Arrow field metadata) sorted by key bytes;
// - `#[serde(default)]` fields written out when absent (start_block 0,
//   finalized_blocks_only false; derived dependencies/tables/functions {});
// - keys a struct does not know are dropped (none of Amp's manifest structs denies unknown
//   fields; serde ignores them and the re-serialization loses them);
// - Arrow data types are values written the way arrow-rs serializes them: unit types as
//   strings, others as {"Variant": value}; an Arrow field inside a type (List, Struct, ...) is
//   written in arrow-rs' field order: name, data_type, nullable, dict_id, dict_is_ordered,
//   metadata (the last three default to 0, false, {} when absent).
//
// Kinds and their structs (field order):
//   raw (evm-rpc, firehose, solana; eth-beacon uses the same struct):
//     kind, network, start_block, finalized_blocks_only,
//     tables{<name>: {schema: {arrow: {fields: [{name, type, nullable}]}}, network}}
//   derived (manifest):
//     kind, dependencies{<alias>: "ns/name@revision"},
//     tables{<name>: {input: {sql}, schema: {arrow: {fields}}}},
//     functions{<name>: {inputTypes: [type], outputType: type, source: {source, filename}}}
//
// Thread-safety: free functions without shared state.
#pragma once

#include "manifest.h"

#include <string>
#include <string_view>

namespace ampd::controller {

/// Returns the canonical form of the manifest `text`. Throws JsonSyntaxError for text that is
/// not JSON, ManifestError for a manifest that does not fit its kind; what() then starts with
/// "failed to deserialize manifest: " and names the path of the offending key
/// (e.g. `tables.blocks.schema.arrow.fields[2].nullable`).
std::string canonicalManifest(std::string_view text);

}  // namespace ampd::controller
