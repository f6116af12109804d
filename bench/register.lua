-- wrk script of bench/admin_api.sh: every request registers a new dataset name (w<thread>_<n>,
-- version 1.0.0) with the same manifest, so each one writes (POST /datasets).
-- bench/admin_api.sh replaces @MANIFEST@ with the manifest's JSON.
local started = 0

function setup(thread)
  thread:set("id", started)
  started = started + 1
end

function init(args)
  counter = 0
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"namespace": "_", "name": "w%d_%d", "version": "1.0.0", "manifest": %s}',
    id, counter, [[@MANIFEST@]])
  return wrk.format("POST", "/datasets", {["Content-Type"] = "application/json"}, body)
end
