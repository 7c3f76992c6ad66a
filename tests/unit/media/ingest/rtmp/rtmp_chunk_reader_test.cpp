#include <gtest/gtest.h>

#include "media/ingest/rtmp/rtmp_chunk_reader.hpp"
#include "media/ingest/rtmp/rtmp_chunk_writer.hpp"

namespace airclass::media::ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

void be24(Bytes& b, uint32_t v) { b.insert(b.end(), {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}); }
void be32(Bytes& b, uint32_t v) { b.insert(b.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}); }
void le32(Bytes& b, uint32_t v) { b.insert(b.end(), {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}); }

// fmt 0 header on a 1-byte chunk stream id.
void fmt0(Bytes& b, uint8_t csid, uint32_t ts, uint32_t len, uint8_t type, uint32_t sid) {
  b.push_back(csid);
  be24(b, ts >= 0xFFFFFF ? 0xFFFFFF : ts);
  be24(b, len);
  b.push_back(type);
  le32(b, sid);
  if (ts >= 0xFFFFFF) be32(b, ts);
}
Bytes payload(size_t n, uint8_t seed = 0) {
  Bytes p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(seed + i);
  return p;
}
void append(Bytes& b, const Bytes& p, size_t from, size_t n) { b.insert(b.end(), p.begin() + from, p.begin() + from + n); }

std::vector<RtmpMessage> feedAll(RtmpChunkReader& r, const Bytes& b) {
  std::vector<RtmpMessage> out;
  EXPECT_TRUE(r.feed(b, out)) << r.error();
  return out;
}

TEST(RtmpChunkReader, Fmt0SingleChunk) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  const Bytes p = payload(100);
  fmt0(b, 3, 1000, 100, 20, 0);
  append(b, p, 0, 100);
  const auto m = feedAll(r, b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].chunk_stream_id, 3u);
  EXPECT_EQ(m[0].timestamp, 1000u);
  EXPECT_EQ(m[0].type, 20);
  EXPECT_EQ(m[0].payload, p);
}

TEST(RtmpChunkReader, Fmt3ContinuationsAndAllHeaderTypes) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  const Bytes p1 = payload(300, 1);
  fmt0(b, 6, 100, 300, 9, 1);  // 300 bytes in chunks of 128: fmt0 + fmt3 + fmt3
  append(b, p1, 0, 128);
  b.push_back(0xC6);
  append(b, p1, 128, 128);
  b.push_back(0xC6);
  append(b, p1, 256, 44);
  // fmt 1: delta 33, new length and type, same stream id
  b.push_back(0x46);
  be24(b, 33);
  be24(b, 10);
  b.push_back(8);
  const Bytes p2 = payload(10, 2);
  append(b, p2, 0, 10);
  // fmt 2: delta 20, same length/type
  b.push_back(0x86);
  be24(b, 20);
  const Bytes p3 = payload(10, 3);
  append(b, p3, 0, 10);
  // fmt 3 starting a new message: repeats delta 20
  b.push_back(0xC6);
  const Bytes p4 = payload(10, 4);
  append(b, p4, 0, 10);

  const auto m = feedAll(r, b);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].payload, p1);
  EXPECT_EQ(m[0].timestamp, 100u);
  EXPECT_EQ(m[0].stream_id, 1u);
  EXPECT_EQ(m[1].timestamp, 133u);
  EXPECT_EQ(m[1].type, 8);
  EXPECT_EQ(m[1].stream_id, 1u);
  EXPECT_EQ(m[1].payload, p2);
  EXPECT_EQ(m[2].timestamp, 153u);
  EXPECT_EQ(m[2].payload, p3);
  EXPECT_EQ(m[3].timestamp, 173u);
  EXPECT_EQ(m[3].payload, p4);
}

TEST(RtmpChunkReader, TwoAndThreeByteChunkStreamIds) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  // 2-byte form: csid 64 + 10 = 74
  b.insert(b.end(), {0x00, 10});
  be24(b, 5);
  be24(b, 3);
  b.push_back(20);
  le32(b, 0);
  b.insert(b.end(), {1, 2, 3});
  // 3-byte form: csid 64 + 0x0102 = 322
  b.insert(b.end(), {0x01, 0x02, 0x01});
  be24(b, 6);
  be24(b, 2);
  b.push_back(20);
  le32(b, 0);
  b.insert(b.end(), {4, 5});
  const auto m = feedAll(r, b);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].chunk_stream_id, 74u);
  EXPECT_EQ(m[0].payload, (Bytes{1, 2, 3}));
  EXPECT_EQ(m[1].chunk_stream_id, 322u);
  EXPECT_EQ(m[1].timestamp, 6u);
}

TEST(RtmpChunkReader, ExtendedTimestampIncludingFmt3Continuations) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  const uint32_t ts = 0x01000000;  // past 24 bits
  const Bytes p = payload(200);
  fmt0(b, 4, ts, 200, 9, 1);
  append(b, p, 0, 128);
  b.push_back(0xC4);
  be32(b, ts);  // the extended timestamp is repeated on the continuation
  append(b, p, 128, 72);
  // fmt 1 with an extended delta
  b.push_back(0x44);
  be24(b, 0xFFFFFF);
  be24(b, 1);
  b.push_back(9);
  be32(b, 0x01000000);
  b.push_back(7);
  const auto m = feedAll(r, b);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].timestamp, ts);
  EXPECT_EQ(m[0].payload, p);
  EXPECT_EQ(m[1].timestamp, ts + 0x01000000u);
  EXPECT_EQ(m[1].payload, Bytes{7});
}

TEST(RtmpChunkReader, InterleavedChunkStreams) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  const Bytes video = payload(200, 10);
  const Bytes audio = payload(150, 20);
  fmt0(b, 6, 40, 200, 9, 1);
  append(b, video, 0, 128);
  fmt0(b, 4, 41, 150, 8, 1);
  append(b, audio, 0, 128);
  b.push_back(0xC6);
  append(b, video, 128, 72);
  b.push_back(0xC4);
  append(b, audio, 128, 22);
  const auto m = feedAll(r, b);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].type, 9);
  EXPECT_EQ(m[0].payload, video);
  EXPECT_EQ(m[1].type, 8);
  EXPECT_EQ(m[1].payload, audio);
}

TEST(RtmpChunkReader, SetChunkSizeMidStreamAndByteByByteInput) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  fmt0(b, 2, 0, 4, 1, 0);  // Set Chunk Size 4096
  be32(b, 4096);
  const Bytes p = payload(5000, 7);
  fmt0(b, 6, 0, 5000, 9, 1);
  append(b, p, 0, 4096);
  b.push_back(0xC6);
  append(b, p, 4096, 904);
  std::vector<RtmpMessage> out;
  for (uint8_t byte : b) ASSERT_TRUE(r.feed(std::span<const uint8_t>(&byte, 1), out)) << r.error();
  EXPECT_EQ(r.chunkSize(), 4096u);
  ASSERT_EQ(out.size(), 1u);  // Set Chunk Size is applied, not returned
  EXPECT_EQ(out[0].payload, p);
  EXPECT_EQ(r.bytesReceived(), b.size());
}

TEST(RtmpChunkReader, ChunkSizeBounds) {
  for (uint32_t bad : {0u, 65537u, 0x7FFFFFFFu}) {
    RtmpChunkReader r(1 << 20);
    Bytes b;
    fmt0(b, 2, 0, 4, 1, 0);
    be32(b, bad);
    std::vector<RtmpMessage> out;
    EXPECT_FALSE(r.feed(b, out)) << bad;
    EXPECT_NE(r.error().find("chunk size"), std::string::npos);
  }
  RtmpChunkReader r(1 << 20);
  Bytes b;
  fmt0(b, 2, 0, 4, 1, 0);
  be32(b, 65536);
  std::vector<RtmpMessage> out;
  EXPECT_TRUE(r.feed(b, out));
  EXPECT_EQ(r.chunkSize(), 65536u);
}

TEST(RtmpChunkReader, AbortDropsPartialMessage) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  const Bytes p = payload(200);
  fmt0(b, 6, 0, 200, 9, 1);
  append(b, p, 0, 128);
  fmt0(b, 2, 0, 4, 2, 0);  // Abort chunk stream 6
  be32(b, 6);
  fmt0(b, 6, 10, 3, 9, 1);  // a fresh small message on the same chunk stream
  b.insert(b.end(), {9, 9, 9});
  const auto m = feedAll(r, b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].payload, (Bytes{9, 9, 9}));
  EXPECT_EQ(r.bufferedBytes(), 0u);
}

TEST(RtmpChunkReader, OversizedMessageRejected) {
  RtmpChunkReader r(1000);
  Bytes b;
  fmt0(b, 6, 0, 1001, 9, 1);
  std::vector<RtmpMessage> out;
  EXPECT_FALSE(r.feed(b, out));
  EXPECT_NE(r.error().find("max_message_bytes"), std::string::npos);
  EXPECT_FALSE(r.feed(Bytes{1}, out));  // spent
}

TEST(RtmpChunkReader, TooManyChunkStreamsRejected) {
  RtmpChunkReader r(1 << 20, 4);
  Bytes b;
  for (uint8_t csid = 3; csid < 8; ++csid) {
    fmt0(b, csid, 0, 1, 9, 1);
    b.push_back(0);
  }
  std::vector<RtmpMessage> out;
  EXPECT_FALSE(r.feed(b, out));
  EXPECT_EQ(out.size(), 4u);
}

TEST(RtmpChunkReader, NonType0StartRejected) {
  RtmpChunkReader r(1 << 20);
  std::vector<RtmpMessage> out;
  EXPECT_FALSE(r.feed(Bytes{0xC5, 1, 2, 3}, out));
}

TEST(RtmpChunkReader, TruncatedInputWaitsForMore) {
  RtmpChunkReader r(1 << 20);
  Bytes b;
  const Bytes p = payload(50);
  fmt0(b, 3, 1, 50, 20, 0);
  append(b, p, 0, 50);
  for (size_t cut = 0; cut < b.size(); ++cut) {
    RtmpChunkReader rr(1 << 20);
    std::vector<RtmpMessage> out;
    ASSERT_TRUE(rr.feed(std::span<const uint8_t>(b.data(), cut), out));
    EXPECT_TRUE(out.empty());
    ASSERT_TRUE(rr.feed(std::span<const uint8_t>(b.data() + cut, b.size() - cut), out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].payload, p);
  }
}

TEST(RtmpChunkReader, ReadsWhatTheWriterWrites) {
  RtmpChunkWriter w;
  w.setChunkSize(100);
  RtmpChunkReader r(1 << 20);
  Bytes b;
  fmt0(b, 2, 0, 4, 1, 0);
  be32(b, 100);
  std::vector<RtmpMessage> sent;
  for (uint32_t i = 0; i < 5; ++i) {
    RtmpMessage m;
    m.chunk_stream_id = i == 4 ? 400 : 3 + i;  // 400: the 3-byte id form
    m.type = 9;
    m.stream_id = 1;
    m.timestamp = i == 2 ? 0x12345678 : i * 1000;
    m.payload = payload(i * 150, static_cast<uint8_t>(i));
    w.write(m, b);
    sent.push_back(m);
  }
  const auto got = feedAll(r, b);
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].chunk_stream_id, sent[i].chunk_stream_id);
    EXPECT_EQ(got[i].timestamp, sent[i].timestamp);
    EXPECT_EQ(got[i].payload, sent[i].payload);
  }
}

}  // namespace
}  // namespace airclass::media::ingest::rtmp
