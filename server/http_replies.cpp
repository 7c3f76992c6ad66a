#include "server/http_replies.hpp"

#include <nlohmann/json.hpp>

namespace airclass::server {

common::HttpResponse jsonResponse(int status, const nlohmann::json& body) {
  common::HttpResponse r = common::HttpResponse::text(status, body.dump());
  r.content_type = "application/json";
  return r;
}

common::HttpResponse jsonError(common::ErrorCode code, const std::string& message) {
  const nlohmann::json body = {{"error", {{"code", common::toString(code)}, {"message", message}}}};
  // dump() with `replace` so a message quoting bad client bytes stays valid JSON.
  common::HttpResponse r = common::HttpResponse::text(common::httpStatus(code),
                                                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  r.content_type = "application/json";
  return r;
}

}  // namespace airclass::server
