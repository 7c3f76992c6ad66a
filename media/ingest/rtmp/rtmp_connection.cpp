#include "media/ingest/rtmp/rtmp_connection.hpp"

#include <exception>
#include <string_view>

#include "common/error.hpp"
#include "common/log.hpp"
#include "media/ingest/rtmp/amf0_reader.hpp"
#include "media/ingest/rtmp/amf0_writer.hpp"

namespace airclass::media::ingest::rtmp {

namespace {
constexpr uint32_t kCsidControl = 2;
constexpr uint32_t kCsidCommand = 3;
constexpr uint32_t kCsidStatus = 5;

void putBe32(uint32_t v, std::vector<uint8_t>& out) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
uint32_t getBe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// The value of `key` in a "a=b&c=d" query string, or empty.
std::string queryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) return std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string_view afterQuestionMark(std::string_view s) {
  const size_t q = s.find('?');
  return q == std::string_view::npos ? std::string_view{} : s.substr(q + 1);
}
}  // namespace

RtmpConnection::RtmpConnection(Settings settings, PublishGate& gate)
    : settings_(std::move(settings)), gate_(gate), reader_(settings_.max_message_bytes) {}

RtmpConnection::~RtmpConnection() { endPublish("connection closed"); }

void RtmpConnection::endPublish(std::string_view why) {
  if (!publication_) return;
  publication_.reset();
  common::log::info("media", "rtmp", "publish ended", {{"room", room_}, {"peer", settings_.peer}, {"why", why}});
}

bool RtmpConnection::close(std::string reason) {
  if (close_reason_.empty()) close_reason_ = std::move(reason);
  endPublish(close_reason_);
  return false;
}

bool RtmpConnection::onBytes(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  if (!close_reason_.empty()) return false;
  if (!handshake_.done()) {
    const size_t used = handshake_.feed(in, out);
    if (handshake_.failed()) return close(handshake_.error());
    in = in.subspan(used);
    if (!handshake_.done()) return true;
  }
  std::vector<RtmpMessage> messages;
  const bool ok = reader_.feed(in, messages);
  for (auto& message : messages) {
    if (!onMessage(message, out)) return false;
  }
  if (!ok) return close(reader_.error());
  if (peer_window_ > 0 && reader_.bytesReceived() - last_ack_ >= peer_window_) {
    last_ack_ = reader_.bytesReceived();
    std::vector<uint8_t> payload;
    putBe32(static_cast<uint32_t>(last_ack_), payload);
    sendControl(RtmpType::Acknowledgement, payload, out);
  }
  return true;
}

bool RtmpConnection::onMessage(RtmpMessage& message, std::vector<uint8_t>& out) {
  const auto& p = message.payload;
  switch (static_cast<RtmpType>(message.type)) {
    case RtmpType::WindowAckSize:
      if (p.size() >= 4) peer_window_ = getBe32(p.data());
      return true;
    case RtmpType::UserControl:
      if (p.size() >= 6 && p[0] == 0 && p[1] == 6) {  // PingRequest -> PingResponse with the same time
        std::vector<uint8_t> reply{0, 7, p[2], p[3], p[4], p[5]};
        sendControl(RtmpType::UserControl, reply, out);
      }
      return true;
    case RtmpType::Acknowledgement:
    case RtmpType::SetPeerBandwidth:
      return true;
    case RtmpType::CommandAmf0:
      return onCommand(p, message.stream_id, out);
    case RtmpType::CommandAmf3:  // AMF3 command messages start with a format byte, then AMF0
      if (p.empty()) return true;
      return onCommand(std::span<const uint8_t>(p).subspan(1), message.stream_id, out);
    case RtmpType::DataAmf0:
    case RtmpType::DataAmf3:
      return true;  // @setDataFrame / onMetaData: the room reads what it needs from the streams
    case RtmpType::Audio:
    case RtmpType::Video:
      return onMedia(message, out);
    case RtmpType::Aggregate:
      return onAggregate(message, out);
    default:
      return true;
  }
}

bool RtmpConnection::onCommand(std::span<const uint8_t> payload, uint32_t stream_id, std::vector<uint8_t>& out) {
  Amf0Reader amf(payload);
  Amf0Value name, txn_value;
  if (!amf.read(name) || !name.isString()) return close("rtmp: malformed command");
  double txn = 0;
  if (amf.read(txn_value) && txn_value.isNumber()) txn = txn_value.number;
  Amf0Value command_object;
  amf.read(command_object);  // Null for everything but connect
  std::vector<Amf0Value> args;
  for (Amf0Value arg; args.size() < 8 && amf.read(arg);) args.push_back(std::move(arg));
  const std::string& cmd = name.string;

  if (cmd == "connect") return onConnect(txn, command_object, out);
  if (!connected_) return close("rtmp: " + cmd + " before connect");
  if (cmd == "releaseStream" || cmd == "FCPublish") {
    Amf0Writer w;
    w.string("_result");
    w.number(txn);
    w.null();
    w.undefined();
    sendAmf(kCsidCommand, 0, w.take(), out);
    return true;
  }
  if (cmd == "createStream") {
    sendResult(txn, Amf0Value::makeNull(), Amf0Value::makeNumber(kPublishStreamId), out);
    return true;
  }
  if (cmd == "publish") {
    if (args.empty() || !args[0].isString()) return close("rtmp: publish without a stream key");
    return onPublish(txn, args[0].string, stream_id == 0 ? kPublishStreamId : stream_id, out);
  }
  if (cmd == "FCUnpublish" || cmd == "deleteStream" || cmd == "closeStream") {
    endPublish(cmd);
    return true;
  }
  if (cmd == "play") {
    sendStatus(stream_id, "error", "NetStream.Play.Failed", "rtmp: this server only takes publishers", out);
    return close("rtmp: play refused");
  }
  common::log::debug("media", "rtmp", "ignored command", {{"command", cmd}, {"room", room_}, {"peer", settings_.peer}});
  return true;
}

bool RtmpConnection::onConnect(double txn, const Amf0Value& command_object, std::vector<uint8_t>& out) {
  if (connected_) return close("rtmp: second connect");
  std::string app;
  if (const Amf0Value* v = command_object.find("app"); v && v->isString()) app = v->string;
  if (const Amf0Value* v = command_object.find("tcUrl"); v && v->isString()) tc_url_ = v->string;
  app_query_ = std::string(afterQuestionMark(app));
  app = app.substr(0, app.find('?'));
  while (!app.empty() && app.back() == '/') app.pop_back();
  if (app != "live") {
    Amf0Value info = Amf0Value::makeObject({
        {"level", Amf0Value::makeString("error")},
        {"code", Amf0Value::makeString("NetConnection.Connect.Rejected")},
        {"description", Amf0Value::makeString("rtmp: unknown app '" + app + "' (use rtmp://HOST/live)")},
    });
    sendResult(txn, Amf0Value::makeNull(), info, out, "_error");
    return close("rtmp: unknown app " + app);
  }
  std::vector<uint8_t> payload;
  putBe32(kWindowAckSize, payload);
  sendControl(RtmpType::WindowAckSize, payload, out);
  payload.push_back(2);  // Set Peer Bandwidth: same window, limit type dynamic
  sendControl(RtmpType::SetPeerBandwidth, payload, out);
  payload.clear();
  putBe32(kOutChunkSize, payload);
  sendControl(RtmpType::SetChunkSize, payload, out);
  writer_.setChunkSize(kOutChunkSize);

  Amf0Value properties = Amf0Value::makeObject({
      {"fmsVer", Amf0Value::makeString("FMS/3,0,1,123")},
      {"capabilities", Amf0Value::makeNumber(31)},
  });
  Amf0Value info = Amf0Value::makeObject({
      {"level", Amf0Value::makeString("status")},
      {"code", Amf0Value::makeString("NetConnection.Connect.Success")},
      {"description", Amf0Value::makeString("Connection succeeded.")},
      {"objectEncoding", Amf0Value::makeNumber(0)},
  });
  sendResult(txn, properties, info, out);
  connected_ = true;
  return true;
}

bool RtmpConnection::onPublish(double txn, const std::string& stream_key, uint32_t stream_id,
                               std::vector<uint8_t>& out) {
  (void)txn;  // publish is answered with onStatus, not _result
  publish_stream_id_ = stream_id;
  if (publication_) return failPublish("NetStream.Publish.BadName", "rtmp: already publishing", out);
  room_ = stream_key.substr(0, stream_key.find('?'));
  std::string token = queryParam(afterQuestionMark(stream_key), "token");
  if (token.empty()) token = queryParam(afterQuestionMark(tc_url_), "token");
  if (token.empty()) token = queryParam(app_query_, "token");
  if (room_.empty()) return failPublish("NetStream.Publish.BadName", "rtmp: empty stream key (use <room>?token=<JWT>)", out);

  try {
    publication_ = gate_.publish(PublishRequest{room_, token, "rtmp", settings_.peer});
  } catch (const common::Error& e) {
    const bool conflict = e.code() == common::ErrorCode::Conflict;
    common::log::warn("media", "rtmp", "publish refused",
                      {{"room", room_}, {"peer", settings_.peer}, {"code", common::toString(e.code())}, {"error", e.what()}});
    return failPublish(conflict ? "NetStream.Publish.BadName" : "NetStream.Publish.Rejected", e.what(), out);
  } catch (const std::exception& e) {
    common::log::error("media", "rtmp", "publish failed", {{"room", room_}, {"peer", settings_.peer}, {"error", e.what()}});
    return failPublish("NetStream.Publish.Rejected", e.what(), out);
  }
  if (!publication_) return failPublish("NetStream.Publish.Rejected", "rtmp: publish refused", out);

  std::vector<uint8_t> begin{0, 0};  // User Control: Stream Begin
  putBe32(stream_id, begin);
  sendControl(RtmpType::UserControl, begin, out);
  sendStatus(stream_id, "status", "NetStream.Publish.Start", room_ + " is now published.", out);
  common::log::info("media", "rtmp", "publish started", {{"room", room_}, {"peer", settings_.peer}});
  return true;
}

bool RtmpConnection::onMedia(const RtmpMessage& message, std::vector<uint8_t>& out) {
  if (!publication_) return true;  // before publish or after FCUnpublish: nothing to feed
  ++media_messages_;
  try {
    if (message.type == static_cast<uint8_t>(RtmpType::Video)) {
      return deliver(flv_.parseVideo(message.timestamp, message.payload), out);
    }
    return deliver(flv_.parseAudio(message.timestamp, message.payload), out);
  } catch (const std::exception& e) {
    common::log::warn("media", "rtmp", "media refused", {{"room", room_}, {"peer", settings_.peer}, {"error", e.what()}});
    return failPublish("NetStream.Publish.Rejected", e.what(), out);
  }
}

// Hands a parsed tag to the publication; its exceptions propagate to onMedia.
bool RtmpConnection::deliver(FlvTagParser::Result result, std::vector<uint8_t>& out) {
  (void)out;
  if (auto* video = std::get_if<VideoConfig>(&result)) {
    publication_->onVideoConfig(*video);
  } else if (auto* audio = std::get_if<AudioConfig>(&result)) {
    publication_->onAudioConfig(*audio);
  } else if (auto* frame = std::get_if<EncodedFrame>(&result)) {
    publication_->onFrame(*frame);
  }
  return true;
}

// An aggregate message: FLV tags back to back (11-byte header, body, 4-byte previous tag size), their
// timestamps relative to the first one.
bool RtmpConnection::onAggregate(const RtmpMessage& message, std::vector<uint8_t>& out) {
  const auto& p = message.payload;
  size_t pos = 0;
  bool first = true;
  uint32_t base = 0;
  while (p.size() - pos >= 11) {
    const uint8_t type = p[pos];
    const size_t size = static_cast<size_t>(p[pos + 1]) << 16 | static_cast<size_t>(p[pos + 2]) << 8 | p[pos + 3];
    const uint32_t ts = static_cast<uint32_t>(p[pos + 7]) << 24 | static_cast<uint32_t>(p[pos + 4]) << 16 |
                        static_cast<uint32_t>(p[pos + 5]) << 8 | p[pos + 6];
    pos += 11;
    if (size > p.size() - pos) return close("rtmp: malformed aggregate message");
    if (first) base = ts;
    first = false;
    RtmpMessage sub;
    sub.type = type;
    sub.stream_id = message.stream_id;
    sub.timestamp = message.timestamp + (ts - base);
    sub.payload.assign(p.begin() + static_cast<std::ptrdiff_t>(pos), p.begin() + static_cast<std::ptrdiff_t>(pos + size));
    pos += size + std::min<size_t>(4, p.size() - pos - size);
    if ((type == static_cast<uint8_t>(RtmpType::Audio) || type == static_cast<uint8_t>(RtmpType::Video)) &&
        !onMedia(sub, out)) {
      return false;
    }
  }
  return true;
}

bool RtmpConnection::failPublish(const std::string& code, const std::string& description, std::vector<uint8_t>& out) {
  sendStatus(publish_stream_id_, "error", code, description, out);
  return close(description);
}

void RtmpConnection::sendControl(RtmpType type, std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  RtmpMessage m;
  m.chunk_stream_id = kCsidControl;
  m.type = static_cast<uint8_t>(type);
  m.payload.assign(payload.begin(), payload.end());
  writer_.write(m, out);
}

void RtmpConnection::sendAmf(uint32_t csid, uint32_t stream_id, std::vector<uint8_t> payload, std::vector<uint8_t>& out) {
  RtmpMessage m;
  m.chunk_stream_id = csid;
  m.type = static_cast<uint8_t>(RtmpType::CommandAmf0);
  m.stream_id = stream_id;
  m.payload = std::move(payload);
  writer_.write(m, out);
}

void RtmpConnection::sendResult(double txn, const Amf0Value& properties, const Amf0Value& info,
                                std::vector<uint8_t>& out, const char* name) {
  Amf0Writer w;
  w.string(name);
  w.number(txn);
  w.value(properties);
  w.value(info);
  sendAmf(kCsidCommand, 0, w.take(), out);
}

void RtmpConnection::sendStatus(uint32_t stream_id, const std::string& level, const std::string& code,
                                const std::string& description, std::vector<uint8_t>& out) {
  Amf0Writer w;
  w.string("onStatus");
  w.number(0);
  w.null();
  w.value(Amf0Value::makeObject({
      {"level", Amf0Value::makeString(level)},
      {"code", Amf0Value::makeString(code)},
      {"description", Amf0Value::makeString(description)},
  }));
  sendAmf(kCsidStatus, stream_id, w.take(), out);
}

}  // namespace airclass::media::ingest::rtmp
