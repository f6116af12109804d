#include "guarded_api.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <stdexcept>

namespace ampd::test {

const ApiUnderTest kAdminApi{"admin",          R"("metadb-postgres", "controller")",
                             "admin_api_addr", "ADMIN_API_ADDR",
                             "admin API",      "GET",
                             "/healthz",       ""};
const ApiUnderTest kQueryApi{"query",      R"("metadb-postgres", "server")",
                             "jsonl_addr", "JSONL_ADDR",
                             "query API",  "POST",
                             "/",          "SELECT 1 AS one"};

std::string RawReply::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

RawReply sendRequest(int port, const std::string& method, const std::string& path,
                     const std::string& body, const Headers& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!headers.contains("Host")) request.setHost("127.0.0.1", static_cast<Poco::UInt16>(port));
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST") {
    if (!headers.contains("Content-Type")) request.setContentType("text/plain");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  auto& in = session.receiveResponse(response);
  RawReply reply;
  reply.status = static_cast<int>(response.getStatus());
  for (const auto& [name, value] : response) reply.headers[name] = value;
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

SpawnOptions apiSpawnOptions(const ApiUnderTest& api, const DaemonAmpDir& dir,
                             const std::string& address, std::map<std::string, std::string> env) {
  dir.writeFile(".amp/config.toml", std::string("plugins = [") + api.plugins + "]\n");
  env[std::string("AMP_CONFIG_") + api.envName] = address;
  SpawnOptions options;
  options.args = {"solo"};
  options.cwd = dir.root();
  options.env = std::move(env);
  return options;
}

GuardedApi::GuardedApi(const ApiUnderTest& api, const DaemonAmpDir& dir, const std::string& address,
                       std::map<std::string, std::string> env)
    : _api(api) {
  _process.emplace(ChildProcess::ampd(apiSpawnOptions(api, dir, address, std::move(env))));
  const auto port = _process->waitForOutput(std::string(api.logName) + R"( listening on \S+:(\d+))",
                                            std::chrono::seconds(90));
  if (!port)
    throw std::runtime_error(std::string("ampd did not start the ") + api.logName +
                             "; its output:\n" + _process->output());
  _port = std::stoi(*port);
}

}  // namespace ampd::test
