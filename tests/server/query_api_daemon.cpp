#include "query_api_daemon.h"

#include <ampd_toolkit/pq.h>

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <csignal>
#include <sstream>
#include <stdexcept>

namespace ampd::test {

QueryApiDaemon::QueryApiDaemon(std::map<std::string, std::string> env) : _env(std::move(env)) {
  _dir.writeFile(".amp/config.toml", "plugins = [\"metadb-postgres\", \"server\"]\n");
  _env["AMP_CONFIG_JSONL_ADDR"] = "127.0.0.1:0";
  start();
}

void QueryApiDaemon::restart() {
  _ampd->signal(SIGTERM);
  const auto code = _ampd->waitExit(std::chrono::seconds(30));
  if (code != 0)
    throw std::runtime_error("ampd did not stop cleanly for the restart; output:\n" +
                             _ampd->output());
  _ampd.reset();
  start();
}

void QueryApiDaemon::start() {
  SpawnOptions options;
  options.args = {"solo"};
  options.env = _env;
  options.cwd = _dir.root();
  _ampd.emplace(ChildProcess::ampd(std::move(options)));
  const auto port = _ampd->waitForOutput(R"(query API listening on 127\.0\.0\.1:(\d+))",
                                         std::chrono::seconds(90));
  if (!port)
    throw std::runtime_error("ampd did not start its query API; output:\n" + _ampd->output());
  _port = std::stoi(*port);
  // The query API may listen before plugins started beside it (the controller) are done.
  if (!_ampd->waitForOutput("ampd ready", std::chrono::seconds(90)))
    throw std::runtime_error("ampd did not become ready; output:\n" + _ampd->output());
  const auto url = _ampd->waitForOutput(R"(metadata-db ready at (\S+))", std::chrono::seconds(5));
  if (!url) throw std::runtime_error("no metadata-db line in ampd's output:\n" + _ampd->output());
  _databaseUrl = *url;
}

std::unique_ptr<Poco::Net::HTTPClientSession> QueryApiDaemon::session() const {
  auto session =
      std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", static_cast<Poco::UInt16>(_port));
  session->setTimeout(Poco::Timespan(60, 0));
  return session;
}

HttpReply QueryApiDaemon::request(const std::string& method, const std::string& path,
                                  const std::string& body) const {
  auto client = session();
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (method == "POST" || !body.empty()) {
    request.setContentType("text/plain");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  client->sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  auto& in = client->receiveResponse(response);
  HttpReply reply;
  reply.status = static_cast<int>(response.getStatus());
  reply.contentType = response.getContentType();
  reply.chunked = response.getChunkedTransferEncoding();
  std::ostringstream text;
  Poco::StreamCopier::copyStream(in, text);
  reply.body = text.str();
  return reply;
}

int QueryApiDaemon::activeQueriesWith(const std::string& marker) const {
  PgConnection conn(_databaseUrl);
  const auto result = conn.exec(
      "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
      "AND state = 'active' AND strpos(query, $1) > 0",
      {marker});
  return std::stoi(result.value(0, 0));
}

}  // namespace ampd::test
