#include "admin_test_support.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ampd::test {

HttpClient::HttpClient(int port) : _session("127.0.0.1", static_cast<Poco::UInt16>(port)) {
  _session.setKeepAlive(true);
  _session.setTimeout(Poco::Timespan(30, 0));
}

HttpReply HttpClient::request(const std::string& method, const std::string& path,
                              const std::string& body) {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(true);
  if (!body.empty() || method == "POST") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  auto& out = _session.sendRequest(request);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  Poco::Net::HTTPResponse response;
  auto& in = _session.receiveResponse(response);
  HttpReply reply;
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.status = static_cast<int>(response.getStatus());
  reply.contentType = response.getContentType();
  reply.allow = response.get("Allow", "");
  return reply;
}

AdminDaemon::AdminDaemon(SpawnOptions options) {
  options.env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0";
  _process = std::make_unique<ChildProcess>(ChildProcess::ampd(std::move(options)));
  const auto port =
      _process->waitForOutput(R"(admin API listening on 127\.0\.0\.1:(\d+))", kStartTimeout);
  if (!port)
    throw std::runtime_error("ampd did not start the admin API; its output:\n" +
                             _process->output());
  _port = std::stoi(*port);
  _client = std::make_unique<HttpClient>(_port);
}

AdminDaemon AdminDaemon::solo(const DaemonAmpDir& dir, std::map<std::string, std::string> env) {
  if (!std::filesystem::exists(dir.ampDir() / "config.toml")) writeSoloConfig(dir);
  SpawnOptions options;
  options.args = {"solo"};
  options.cwd = dir.root();
  options.env = std::move(env);
  return AdminDaemon(std::move(options));
}

AdminDaemon AdminDaemon::withConfig(const DaemonAmpDir& dir, const std::filesystem::path& config,
                                    std::map<std::string, std::string> env) {
  SpawnOptions options;
  options.args = {"--config", config.string()};
  options.cwd = dir.root();
  options.env = std::move(env);
  return AdminDaemon(std::move(options));
}

int AdminDaemon::stop(int sig) {
  _client.reset();
  _process->signal(sig);
  const auto code = _process->waitExit(std::chrono::seconds(30));
  if (!code) {
    ADD_FAILURE() << "ampd did not exit after signal " << sig;
    return -1;
  }
  return *code;
}

void writeSoloConfig(const DaemonAmpDir& dir, const std::string& extra) {
  dir.writeFile(".amp/config.toml", "plugins = [\"metadb-postgres\", \"controller\"]\n" + extra);
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path ampReferenceDir() { return AMPD_AMP_REFERENCE_DIR; }

std::string jsonField(const std::string& json, const std::string& key) {
  const auto needle = "\"" + key + "\":";
  const auto at = json.find(needle);
  if (at == std::string::npos) return {};
  auto pos = at + needle.size();
  const auto start = pos;
  int depth = 0;
  bool inString = false;
  for (; pos < json.size(); ++pos) {
    const char c = json[pos];
    if (inString) {
      if (c == '\\')
        ++pos;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '{' || c == '[')
      ++depth;
    else if (c == '}' || c == ']') {
      if (depth == 0) break;
      --depth;
    } else if (c == ',' && depth == 0)
      break;
  }
  return json.substr(start, pos - start);
}

}  // namespace ampd::test
