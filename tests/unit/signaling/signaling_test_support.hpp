// Shared helpers for the signaling unit tests: tokens, a temp data dir, a recording PeerSink. Test thread.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/auth.hpp"
#include "signaling/peer_sink.hpp"

namespace airclass::signaling::testing {

inline constexpr const char* kSecret = "test-secret-for-signaling";

inline std::string token(common::Role role, const std::string& room, const std::string& user,
                         const std::string& name = "", int64_t exp = 4'000'000'000) {
  common::Claims c;
  c.sub = user;
  c.name = name.empty() ? user : name;
  c.role = role;
  c.room = room;
  c.exp = exp;
  c.iat = 1'700'000'000;
  return common::mintToken(c, kSecret);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "airclass-sig-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct RecordingSink : PeerSink {
  std::map<PeerId, std::vector<nlohmann::json>> sent;
  std::map<PeerId, CloseCode> closed;
  std::vector<FramePtr> frames;  // every frame, to check sharing

  void send(PeerId peer, const FramePtr& frame) override {
    frames.push_back(frame);
    sent[peer].push_back(nlohmann::json::parse(frame->text()));
  }
  void close(PeerId peer, CloseCode code, std::string_view) override { closed[peer] = code; }

  // Messages of a type sent to the peer.
  std::vector<nlohmann::json> of(PeerId peer, const std::string& type) {
    std::vector<nlohmann::json> out;
    for (auto& m : sent[peer]) {
      if (m["type"] == type) out.push_back(m);
    }
    return out;
  }
  nlohmann::json last(PeerId peer) { return sent[peer].empty() ? nlohmann::json() : sent[peer].back(); }
  void clear() { sent.clear(); frames.clear(); }
};

}  // namespace airclass::signaling::testing
