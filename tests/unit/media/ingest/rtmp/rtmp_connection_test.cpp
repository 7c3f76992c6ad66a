#include <gtest/gtest.h>

#include <algorithm>

#include "media/ingest/rtmp/rtmp_connection.hpp"
#include "tests/unit/media/ingest/rtmp/rtmp_test_support.hpp"

namespace airclass::media::ingest::rtmp {
namespace {

using test::Bytes;
using test::ClientScript;
using test::RecordingGate;
using test::ServerOutput;

const Bytes kAvcc{0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F,
                  0x01, 0x00, 0x04, 0x68, 0xEE, 0x3C, 0x80};

struct Harness {
  RecordingGate gate;
  RtmpConnection conn{RtmpConnection::Settings{1 << 20, "127.0.0.1:5000"}, gate};
  ClientScript client;
  ServerOutput server;

  bool send(const Bytes& b) {
    Bytes out;
    const bool ok = conn.onBytes(b, out);
    server.feed(out);
    return ok;
  }
  void publishUpTo(const std::string& key) {
    ASSERT_TRUE(send(ClientScript::handshake()));
    ASSERT_TRUE(send(client.connect()));
    ASSERT_TRUE(send(client.createStream()));
    send(client.publish(key));
  }
  bool has(const std::string& code) const {
    const auto codes = server.statusCodes();
    return std::find(codes.begin(), codes.end(), code) != codes.end();
  }
};

Bytes avcSeq() {
  Bytes b{0x17, 0, 0, 0, 0};
  for (uint8_t x : kAvcc) b.push_back(x);
  return b;
}

TEST(RtmpConnection, PublishFlowFeedsThePublication) {
  Harness h;
  h.publishUpTo("room1?token=abc");
  ASSERT_TRUE(h.server.ok());
  EXPECT_TRUE(h.has("NetConnection.Connect.Success"));
  EXPECT_TRUE(h.has("NetStream.Publish.Start"));
  EXPECT_TRUE(h.conn.publishing());
  // Window Ack Size, Set Peer Bandwidth and Set Chunk Size (applied by the reader, not listed) come before
  // the connect _result.
  ASSERT_GE(h.server.messages.size(), 3u);
  EXPECT_EQ(h.server.messages[0].type, 5);
  EXPECT_EQ(h.server.messages[1].type, 6);
  EXPECT_EQ(h.server.messages[2].type, 20);
  EXPECT_EQ(h.server.chunkSize(), RtmpConnection::kOutChunkSize);

  ASSERT_TRUE(h.send(h.client.media(9, 0, avcSeq())));
  ASSERT_TRUE(h.send(h.client.media(8, 0, Bytes{0xAF, 0x00, 0x12, 0x10})));
  ASSERT_TRUE(h.send(h.client.media(9, 33, Bytes{0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65})));
  ASSERT_TRUE(h.send(h.client.media(8, 21, Bytes{0xAF, 0x01, 0x21})));
  auto rec = h.gate.snapshot();
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_EQ(rec.requests[0].room, "room1");
  EXPECT_EQ(rec.requests[0].token, "abc");
  EXPECT_EQ(rec.requests[0].protocol, "rtmp");
  EXPECT_EQ(rec.requests[0].peer, "127.0.0.1:5000");
  ASSERT_EQ(rec.video_configs.size(), 1u);
  EXPECT_EQ(rec.video_configs[0].avcc, kAvcc);
  EXPECT_EQ(rec.audio_configs.size(), 1u);
  ASSERT_EQ(rec.video.size(), 1u);
  EXPECT_EQ(rec.video[0].dts_ns, 33'000'000);
  EXPECT_EQ(rec.audio.size(), 1u);

  // FCUnpublish ends the publication; the connection stays up.
  EXPECT_TRUE(h.send(h.client.command({Amf0Value::makeString("FCUnpublish"), Amf0Value::makeNumber(4),
                                       Amf0Value::makeNull(), Amf0Value::makeString("room1")})));
  EXPECT_FALSE(h.conn.publishing());
  EXPECT_EQ(h.gate.snapshot().publications_ended, 1);
}

TEST(RtmpConnection, TokenFromTcUrlQuery) {
  Harness h;
  ASSERT_TRUE(h.send(ClientScript::handshake()));
  ASSERT_TRUE(h.send(h.client.connect("live", "rtmp://127.0.0.1/live?token=fromurl")));
  ASSERT_TRUE(h.send(h.client.publish("room2")));
  auto rec = h.gate.snapshot();
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_EQ(rec.requests[0].room, "room2");
  EXPECT_EQ(rec.requests[0].token, "fromurl");
}

TEST(RtmpConnection, ConflictIsBadNameAndCloses) {
  Harness h;
  h.gate.refuse = common::ErrorCode::Conflict;
  h.publishUpTo("room1?token=abc");
  EXPECT_TRUE(h.has("NetStream.Publish.BadName"));
  EXPECT_FALSE(h.conn.closeReason().empty());
  EXPECT_FALSE(h.send(Bytes{0}));
}

TEST(RtmpConnection, UnauthorizedIsRejected) {
  Harness h;
  h.gate.refuse = common::ErrorCode::Unauthorized;
  h.publishUpTo("room1?token=bad");
  EXPECT_TRUE(h.has("NetStream.Publish.Rejected"));
  EXPECT_FALSE(h.has("NetStream.Publish.Start"));
}

TEST(RtmpConnection, WrongAppIsRefused) {
  Harness h;
  ASSERT_TRUE(h.send(ClientScript::handshake()));
  EXPECT_FALSE(h.send(h.client.connect("vod")));
  EXPECT_TRUE(h.has("NetConnection.Connect.Rejected"));
}

TEST(RtmpConnection, HevcIsRefusedAndPublicationEnds) {
  Harness h;
  h.publishUpTo("room1?token=abc");
  ASSERT_TRUE(h.conn.publishing());
  Bytes hevc{0x1C, 0x00, 0, 0, 0, 1, 2, 3};  // FLV codec id 12
  EXPECT_FALSE(h.send(h.client.media(9, 0, hevc)));
  EXPECT_NE(h.conn.closeReason().find("unsupported video codec"), std::string::npos);
  EXPECT_TRUE(h.has("NetStream.Publish.Rejected"));
  auto rec = h.gate.snapshot();
  EXPECT_EQ(rec.publications_alive, 0);
  EXPECT_TRUE(rec.video_configs.empty());
}

TEST(RtmpConnection, PublicationThrowingClosesWithError) {
  Harness h;
  h.gate.throw_on_video_config = true;
  h.publishUpTo("room1?token=abc");
  EXPECT_FALSE(h.send(h.client.media(9, 0, avcSeq())));
  EXPECT_TRUE(h.has("NetStream.Publish.Rejected"));
  EXPECT_EQ(h.gate.snapshot().publications_alive, 0);
}

TEST(RtmpConnection, PingAndAcknowledgements) {
  Harness h;
  h.publishUpTo("room1?token=abc");
  h.server.messages.clear();
  RtmpMessage ping;
  ping.chunk_stream_id = 2;
  ping.type = 4;
  ping.payload = {0, 6, 0, 0, 0x12, 0x34};
  ASSERT_TRUE(h.send(h.client.raw(ping)));
  RtmpMessage window;
  window.chunk_stream_id = 2;
  window.type = 5;
  window.payload = {0, 0, 0x10, 0};  // 4096 bytes
  ASSERT_TRUE(h.send(h.client.raw(window)));
  ASSERT_TRUE(h.send(h.client.media(18, 0, Bytes(5000, 0x05))));  // 5000 bytes of data message: past the window
  bool pong = false, ack = false;
  for (const auto& m : h.server.messages) {
    if (m.type == 4 && m.payload == Bytes({0, 7, 0, 0, 0x12, 0x34})) pong = true;
    if (m.type == 3) ack = true;
  }
  EXPECT_TRUE(pong);
  EXPECT_TRUE(ack);
}

TEST(RtmpConnection, CommandsBeforeConnectClose) {
  Harness h;
  ASSERT_TRUE(h.send(ClientScript::handshake()));
  EXPECT_FALSE(h.send(h.client.publish("room1?token=abc")));
  EXPECT_TRUE(h.gate.snapshot().requests.empty());
}

TEST(RtmpConnection, GarbageAfterHandshakeCloses) {
  Harness h;
  ASSERT_TRUE(h.send(ClientScript::handshake()));
  EXPECT_FALSE(h.send(Bytes{0x45, 1, 2, 3, 4, 5, 6, 7, 8}));  // fmt 1 on an unknown chunk stream
}

}  // namespace
}  // namespace airclass::media::ingest::rtmp
