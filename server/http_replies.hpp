// Helpers that build the common replies: JSON bodies and the JSON error shape
// {"error":{"code":"not_found","message":"..."}}. Pure functions: any thread.
#pragma once
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/error.hpp"
#include "common/http_response.hpp"

namespace airclass::server {

common::HttpResponse jsonResponse(int status, const nlohmann::json& body);
common::HttpResponse jsonError(common::ErrorCode code, const std::string& message);

}  // namespace airclass::server
