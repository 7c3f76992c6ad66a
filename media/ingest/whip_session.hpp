// One WHIP publisher (RFC 9725): a GStreamer webrtcbin that answers the browser's offer and feeds what it
// receives into the room's Publication. H.264 is depayloaded and parsed into AVCC access units (no re-encode);
// VP8 is decoded and encoded to H.264 (x264 zerolatency, the source size); Opus is decoded and encoded to AAC.
// A keyframe is asked of the publisher (PLI, or x264's own for VP8) every [transcode] keyframe_interval_s so the
// source rendition can cut segments. webrtcbin's ICE agent (libnice) gathers host candidates on ports the
// kernel picks: the fan-out's [webrtc] port is ICE-lite and send-only, this is a full ICE agent per teacher.
// A trickling publisher's candidates (PATCH) are handed to that agent as they come.
// Media loop only: GStreamer's threads post to it.
#pragma once
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "common/config.hpp"
#include "common/error.hpp"
#include "media/ingest/publication.hpp"
#include "media/ingest/trickle_fragment.hpp"
#include "media/ingest/whip_offer.hpp"

namespace airclass::media::ingest {

class WhipSession {
 public:
  // The SDP answer (complete: ICE gathering is over, the candidates are in it), or why there is none.
  using AnswerHandler = std::function<void(std::variant<std::string, common::Error>)>;
  // The session ended on its own (ICE or DTLS failed, the publisher went silent, a pipeline error).
  using EndHandler = std::function<void()>;

  static constexpr int kAnswerTimeoutMs = 5000;  // negotiation and ICE gathering, at most

  WhipSession(boost::asio::io_context& loop, const common::Config& config, std::string room,
              std::unique_ptr<Publication> publication, WhipOffer offer);
  ~WhipSession();  // stop()
  WhipSession(const WhipSession&) = delete;
  WhipSession& operator=(const WhipSession&) = delete;

  // Builds the pipeline and starts negotiating. `on_answer` runs once; `on_end` at most once, later (never
  // after stop()). Either may destroy this session only by posting (never from inside the call).
  void start(const std::string& offer_sdp, AnswerHandler on_answer, EndHandler on_end);
  // Trickle ICE (RFC 9725 4.3.2): hands the fragment's candidates (and end-of-candidates) to webrtcbin, each at
  // the m-line index of its a=mid in the offer. False, with nothing added, when the fragment carries other ICE
  // credentials than the offer's (an ICE restart, not supported). Throws common::Error(BadRequest) for a mid the
  // offer does not have. After the answer only.
  bool trickle(const TrickleFragment& fragment);
  // Stops the pipeline and ends the publication (the room then waits out its reconnect grace window).
  // Idempotent.
  void stop();

  struct Impl;  // implementation detail: the loop-side state the posted work sees

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace airclass::media::ingest
