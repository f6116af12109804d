#include "node_client.h"

#include "child_process.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ampd::test {

ClientOps& ClientOps::add(const std::string& op, Poco::JSON::Array::Ptr arguments) {
  Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
  entry->set("op", op);
  entry->set("args", arguments);
  _ops.add(entry);
  return *this;
}

std::vector<ClientResult> ClientOps::run(const std::string& adminUrl,
                                         const std::filesystem::path& workDir) const {
  static int counter = 0;
  const auto stem = workDir / ("client-ops-" + std::to_string(++counter));
  const auto opsFile = stem.string() + ".json";
  const auto resultsFile = stem.string() + ".jsonl";
  {
    std::ofstream out(opsFile);
    Poco::JSON::Stringifier::stringify(_ops, out);
  }
  SpawnOptions options;
  options.args = {AMPD_COMPAT_DIR "/admin_ops.mjs", adminUrl, opsFile, resultsFile};
  options.cwd = workDir;
  const auto [code, output] =
      ChildProcess::run(AMPD_NODE_EXECUTABLE, std::move(options), std::chrono::seconds(60));
  if (code != 0)
    throw std::runtime_error("node admin_ops.mjs exited " + std::to_string(code) + ":\n" + output);

  std::vector<ClientResult> results;
  std::ifstream in(resultsFile);
  for (std::string line; std::getline(in, line);) {
    ClientResult result;
    result.text = line;
    const auto object = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
    if (object->has("ok")) {
      result.ok = true;
      result.value = object->get("ok");
    } else if (object->has("fail")) {
      const auto fail = object->getObject("fail");
      result.failTag = fail->optValue<std::string>("tag", "");
      result.failCode = fail->optValue<std::string>("code", "");
      result.failMessage = fail->optValue<std::string>("message", "");
    } else {
      result.defect = object->optValue<std::string>("defect", line);
    }
    results.push_back(std::move(result));
  }
  if (results.size() != _ops.size())
    throw std::runtime_error("node admin_ops.mjs answered " + std::to_string(results.size()) +
                             " of " + std::to_string(_ops.size()) + " operations:\n" + output);
  return results;
}

Poco::JSON::Array::Ptr args(std::initializer_list<Poco::Dynamic::Var> values) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& v : values) array->add(v);
  return array;
}

Poco::Dynamic::Var parseJson(const std::string& text) { return Poco::JSON::Parser().parse(text); }

std::string toJson(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str();
}

}  // namespace ampd::test
