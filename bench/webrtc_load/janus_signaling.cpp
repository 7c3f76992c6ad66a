#include "bench/webrtc_load/janus_signaling.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace airclass::bench {
namespace {

using nlohmann::json;

json call(HttpClient& http, const std::string& path, json request, uint64_t& transaction) {
  request["transaction"] = "t" + std::to_string(++transaction);
  const auto response = http.request("POST", path, "application/json", request.dump());
  if (response.status != 200) throw std::runtime_error("janus: HTTP " + std::to_string(response.status));
  json reply = json::parse(response.body, nullptr, false);
  if (reply.is_discarded()) throw std::runtime_error("janus: reply is not JSON");
  const std::string kind = reply.value("janus", "");
  if (kind != "success" && kind != "ack") throw std::runtime_error("janus: " + reply.dump().substr(0, 300));
  return reply;
}

}  // namespace

JanusSignaling::JanusSignaling(const std::string& base, int mountpoint) : http_(base), mountpoint_(mountpoint) {}

SignaledSession JanusSignaling::open(const LocalDescription& local) {
  const auto session = call(http_, "/janus", {{"janus", "create"}}, transaction_)["data"]["id"].get<uint64_t>();
  const std::string session_path = "/janus/" + std::to_string(session);
  try {
    const auto handle = call(http_, session_path, {{"janus", "attach"}, {"plugin", "janus.plugin.streaming"}},
                             transaction_)["data"]["id"].get<uint64_t>();
    const std::string handle_path = session_path + "/" + std::to_string(handle);
    call(http_, handle_path, {{"janus", "message"}, {"body", {{"request", "watch"}, {"id", mountpoint_}}}},
         transaction_);
    std::string offer;
    for (int attempt = 0; attempt < 5 && offer.empty(); ++attempt) {
      const auto poll = http_.request("GET", session_path + "?maxev=1");
      const json event = json::parse(poll.body, nullptr, false);
      if (event.is_object() && event.contains("jsep")) offer = event["jsep"].value("sdp", "");
      if (event.is_object() && event.value("janus", "") == "event" && event.contains("plugindata") &&
          event["plugindata"]["data"].contains("error")) {
        throw std::runtime_error("janus: watch: " + event["plugindata"]["data"]["error"].dump());
      }
    }
    if (offer.empty()) throw std::runtime_error("janus: no offer after watch");
    SignaledSession result;
    result.id = std::to_string(session) + "/" + std::to_string(handle);
    result.remote = parseRemoteDescription(offer);
    const std::string answer = makeRecvOnlyAnswer(offer, local);
    call(http_, handle_path,
         {{"janus", "message"}, {"body", {{"request", "start"}}}, {"jsep", {{"type", "answer"}, {"sdp", answer}}}},
         transaction_);
    return result;
  } catch (...) {
    close(std::to_string(session) + "/0");
    throw;
  }
}

void JanusSignaling::keepalive(const std::string& id) {
  call(http_, "/janus/" + id.substr(0, id.find('/')), {{"janus", "keepalive"}}, transaction_);
}

void JanusSignaling::close(const std::string& id) {
  try {
    call(http_, "/janus/" + id.substr(0, id.find('/')), {{"janus", "destroy"}}, transaction_);
  } catch (const std::exception&) {
    // already gone
  }
}

}  // namespace airclass::bench
