// Calls admin API routes and validates each answer against Amp's OpenAPI description
// (admin.spec.json) for its status code, with ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses).
//
//   node openapi_check.mjs <admin url> <admin.spec.json> <calls.json> <results.jsonl>
//
// calls.json is a JSON array of {"method", "path", "route", "body"?}: `route` is the spec's
// path template the call exercises. Each line of results.jsonl is
//   {"method","path","route","status","documented","valid","errors","body"}
// where `documented` says the status is one the spec lists for the route, and `valid` that the
// body matches the schema given for it (an empty body where the spec gives no content). A last
// line {"uncovered": [...]} lists the spec's operations no call exercised.
import Ajv2020 from "ajv/dist/2020.js";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const [url, specFile, callsFile, resultsFile] = process.argv.slice(2);
if (!resultsFile) {
  console.error("usage: node openapi_check.mjs <url> <admin.spec.json> <calls.json> <results.jsonl>");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const calls = JSON.parse(readFileSync(callsFile, "utf8"));
writeFileSync(resultsFile, "");

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...spec, $id: "openapi" });
const pointer = (...parts) => parts.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

const covered = new Set();
for (const call of calls) {
  const method = call.method.toLowerCase();
  const operation = spec.paths[call.route]?.[method];
  covered.add(`${call.method.toUpperCase()} ${call.route}`);
  const response = await fetch(url + call.path, {
    method: call.method.toUpperCase(),
    headers: call.body === undefined ? {} : { "content-type": "application/json" },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const text = await response.text();
  const result = { method: call.method, path: call.path, route: call.route, status: response.status };
  const documented = operation?.responses?.[String(response.status)];
  result.documented = documented !== undefined;
  result.valid = false;
  result.errors = [];
  if (!operation) {
    result.errors = ["the spec has no such operation"];
  } else if (documented) {
    const content = documented.content?.["application/json"]?.schema;
    if (content === undefined) {
      result.valid = text.length === 0;
      if (!result.valid) result.errors = ["the spec gives no content, the answer has a body"];
    } else {
      let body;
      try {
        body = JSON.parse(text);
      } catch (e) {
        result.errors = [`not JSON: ${e.message}`];
      }
      if (body !== undefined) {
        const ref = "openapi#/" + pointer("paths", call.route, method, "responses", response.status,
          "content", "application/json", "schema");
        const validate = ajv.getSchema(ref);
        result.valid = validate(body);
        result.errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
      }
    }
  }
  result.body = text.slice(0, 2000);
  appendFileSync(resultsFile, JSON.stringify(result) + "\n");
}
const uncovered = [];
for (const [route, methods] of Object.entries(spec.paths))
  for (const method of Object.keys(methods))
    if (!covered.has(`${method.toUpperCase()} ${route}`)) uncovered.push(`${method.toUpperCase()} ${route}`);
appendFileSync(resultsFile, JSON.stringify({ uncovered }) + "\n");
