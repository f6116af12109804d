// Runs a list of admin operations through Amp's published TypeScript client
// (@edgeandnode/amp, Admin.layer) against an admin API and prints one JSON line per operation.
//
//   node admin_ops.mjs <admin url> <ops.json> <results.jsonl>
//
// ops.json is a JSON array of {"op": <Admin method>, "args": [...]}; manifests and schema
// requests are decoded with the client's own schemas first, as the amp CLI does. The op
// "buildManifest" (args: [dataset config]) runs the client's ManifestBuilder, which asks
// POST /schema for the tables' schemas, as `amp register` does for a derived dataset. Each line of
// results.jsonl is one of:
//   {"ok": <the decoded answer, re-encoded with the client's schema>}
//   {"fail": {"tag": ..., "code": ..., "message": ...}}   an error the client decoded
//   {"defect": "..."}                                     the client could not decode the answer
import * as Admin from "@edgeandnode/amp/api/Admin";
import * as ManifestBuilder from "@edgeandnode/amp/ManifestBuilder";
import * as Model from "@edgeandnode/amp/Model";
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Schema from "effect/Schema";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const [url, opsFile, resultsFile] = process.argv.slice(2);
if (!resultsFile) {
  console.error("usage: node admin_ops.mjs <admin url> <ops.json> <results.jsonl>");
  process.exit(2);
}
const ops = JSON.parse(readFileSync(opsFile, "utf8"));
writeFileSync(resultsFile, "");

const decodeManifest = Schema.decodeUnknownSync(Model.DatasetManifest);
const decodeConfig = Schema.decodeUnknownSync(Model.DatasetConfig);
const decodeSchemaRequest = Schema.decodeUnknownSync(Admin.GetOutputSchemaPayload);

// Arguments as the client's methods take them.
function clientArgs(op, args) {
  switch (op) {
    case "registerDataset":
      return [args[0], args[1], decodeManifest(args[2]), args[3]];
    case "getOutputSchema":
      return [decodeSchemaRequest(args[0])];
    default:
      return args;
  }
}

// A decoded success as JSON: encoded back with the client's schema when it has one.
function encodeSuccess(op, value) {
  const schemas = {
    getDatasets: Admin.GetDatasetsResponse,
    getDatasetVersions: Admin.GetDatasetVersionsResponse,
    getDatasetVersion: Admin.GetDatasetVersionResponse,
    deployDataset: Admin.DeployDatasetResponse,
    getDatasetManifest: Model.DatasetManifest,
    getJobById: Model.JobInfo,
    getOutputSchema: Admin.GetOutputSchemaResponse,
    buildManifest: ManifestBuilder.ManifestBuildResult,
  };
  if (value === undefined) return null;
  return schemas[op] ? Schema.encodeSync(schemas[op])(value) : value;
}

function describeFailure(error) {
  return {
    tag: error?._tag ?? String(error),
    code: error?.code ?? null,
    message: error?.message ?? null,
    status: error?.response?.status ?? null,
  };
}

const program = Effect.gen(function* () {
  const admin = yield* Admin.Admin;
  const builder = yield* ManifestBuilder.ManifestBuilder;
  const call = (op, args) =>
    op === "buildManifest" ? builder.build(decodeConfig(args[0])) : admin[op](...clientArgs(op, args));
  for (const { op, args = [] } of ops) {
    const exit = yield* Effect.exit(
      Effect.suspend(() => call(op, args)),
    );
    let line;
    if (Exit.isSuccess(exit)) {
      line = { ok: encodeSuccess(op, exit.value) };
    } else {
      const failure = Cause.failureOption(exit.cause);
      line =
        failure._tag === "Some"
          ? { fail: describeFailure(failure.value) }
          : { defect: Cause.pretty(exit.cause) };
    }
    appendFileSync(resultsFile, JSON.stringify(line) + "\n");
  }
}).pipe(
  Effect.provide(ManifestBuilder.ManifestBuilder.Default),
  Effect.provide(Admin.layer(url)),
);

Effect.runPromise(program).catch((error) => {
  console.error(error);
  process.exit(1);
});
