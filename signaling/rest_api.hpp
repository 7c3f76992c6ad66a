// The signaling REST endpoints: GET /api/v1/rooms/<room>/sessions, .../sessions/<id>/attendance (JSON, or CSV
// with ?format=csv) for the room's teacher and admins (the admin endpoints: AdminApi). Lws service thread
// (reads wait for the store thread).
#pragma once
#include <string>
#include <string_view>

#include "common/http_response.hpp"
#include "signaling/classroom_service.hpp"
#include "signaling/clock.hpp"
#include "signaling/signaling_store.hpp"

namespace airclass::signaling {

class RestApi {
 public:
  RestApi(const ClassroomService& service, SignalingStore& store, std::string secret, const Clock& clock,
          double min_ratio);

  // Never throws: failures become JSON error responses {"error": {"code", "message"}}.
  common::HttpResponse handle(std::string_view method, std::string_view path, std::string_view query,
                              std::string_view authorization) const;

 private:
  common::HttpResponse route(std::string_view method, std::string_view path, std::string_view query,
                             std::string_view authorization) const;

  const ClassroomService& service_;
  SignalingStore& store_;
  std::string secret_;
  const Clock& clock_;
  double min_ratio_;
};

}  // namespace airclass::signaling
