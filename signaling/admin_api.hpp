// The admin REST endpoints: GET /api/v1/stats, /api/v1/stats/history, /api/v1/audit and the actions
// POST /api/v1/rooms/<room>/end | kick | qna, each recorded in the audit log. Admin tokens only (403 otherwise);
// unknown rooms 404. Media-side actions go through hooks the server sets. Lws service thread.
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "common/auth.hpp"
#include "common/http_response.hpp"
#include "signaling/admin_stats.hpp"
#include "signaling/classroom_service.hpp"
#include "signaling/clock.hpp"
#include "signaling/signaling_store.hpp"

namespace airclass::signaling {

// Media-side actions, called on the lws service thread; each must only post work to the media side.
struct AdminHooks {
  std::function<bool(const std::string& room)> end_broadcast;  // false: the room has no broadcast
  std::function<int(const std::string& room, const std::string& user)> kick_webrtc;  // WebRTC sessions closed
};

class AdminApi {
 public:
  AdminApi(ClassroomService& service, AdminStats& stats, SignalingStore& store, std::string secret,
           const Clock& clock);

  void setHooks(AdminHooks hooks) { hooks_ = std::move(hooks); }
  // Whether (path) is one of these endpoints.
  static bool handles(std::string_view path);
  // Never throws: failures become JSON error responses.
  common::HttpResponse handle(std::string_view method, std::string_view path, std::string_view query,
                              std::string_view authorization, std::string_view body);

 private:
  common::HttpResponse route(std::string_view method, std::string_view path, std::string_view query,
                             std::string_view authorization, std::string_view body);
  common::HttpResponse action(const common::Claims& admin, const std::string& room, std::string_view verb,
                              std::string_view body);
  void audit(const common::Claims& admin, const char* action, const std::string& room, const std::string& target);

  ClassroomService& service_;
  AdminStats& stats_;
  SignalingStore& store_;
  std::string secret_;
  const Clock& clock_;
  AdminHooks hooks_;
};

}  // namespace airclass::signaling
