#include <gtest/gtest.h>

#include <random>

#include "media/ingest/rtmp/amf0_reader.hpp"
#include "media/ingest/rtmp/amf0_writer.hpp"

namespace airclass::media::ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

Amf0Value roundTrip(const Amf0Value& v) {
  Amf0Writer w;
  w.value(v);
  Amf0Reader r(w.bytes());
  Amf0Value out;
  EXPECT_TRUE(r.read(out));
  EXPECT_TRUE(r.atEnd());
  return out;
}

TEST(Amf0, ScalarsRoundTrip) {
  for (const auto& v : {Amf0Value::makeNumber(3.5), Amf0Value::makeNumber(-1e300), Amf0Value::makeBoolean(true),
                        Amf0Value::makeBoolean(false), Amf0Value::makeString(""), Amf0Value::makeString("connect"),
                        Amf0Value::makeNull(), Amf0Value::makeUndefined()}) {
    EXPECT_EQ(roundTrip(v), v);
  }
  Amf0Value date;
  date.type = Amf0Value::Type::Date;
  date.number = 1.7e12;
  date.timezone = -60;
  EXPECT_EQ(roundTrip(date), date);
}

TEST(Amf0, LongStringRoundTrip) {
  const auto v = Amf0Value::makeString(std::string(70000, 'x'));
  Amf0Writer w;
  w.value(v);
  EXPECT_EQ(w.bytes()[0], 0x0C);  // long string marker
  EXPECT_EQ(roundTrip(v), v);
}

TEST(Amf0, NestedContainersRoundTrip) {
  Amf0Value strict;
  strict.type = Amf0Value::Type::StrictArray;
  strict.elements = {Amf0Value::makeNumber(1), Amf0Value::makeString("two"), Amf0Value::makeNull()};
  Amf0Value ecma;
  ecma.type = Amf0Value::Type::EcmaArray;
  ecma.properties = {{"duration", Amf0Value::makeNumber(0)}, {"list", strict}};
  const auto obj = Amf0Value::makeObject({{"app", Amf0Value::makeString("live")}, {"meta", ecma},
                                          {"inner", Amf0Value::makeObject({{"x", Amf0Value::makeBoolean(true)}})}});
  const auto back = roundTrip(obj);
  EXPECT_EQ(back, obj);
  ASSERT_NE(back.find("app"), nullptr);
  EXPECT_EQ(back.find("app")->string, "live");
  EXPECT_EQ(back.find("missing"), nullptr);
}

TEST(Amf0, ReadsASequenceLikeACommand) {
  Amf0Writer w;
  w.string("publish");
  w.number(5);
  w.null();
  w.string("room1?token=abc");
  w.string("live");
  Amf0Reader r(w.bytes());
  Amf0Value v;
  ASSERT_TRUE(r.read(v));
  EXPECT_EQ(v.string, "publish");
  ASSERT_TRUE(r.read(v));
  EXPECT_EQ(v.number, 5);
  ASSERT_TRUE(r.read(v));
  EXPECT_EQ(v.type, Amf0Value::Type::Null);
  ASSERT_TRUE(r.read(v));
  EXPECT_EQ(v.string, "room1?token=abc");
  ASSERT_TRUE(r.read(v));
  EXPECT_TRUE(r.atEnd());
  EXPECT_FALSE(r.read(v));
}

TEST(Amf0, TruncatedInputFailsCleanly) {
  Amf0Writer w;
  w.value(Amf0Value::makeObject({{"tcUrl", Amf0Value::makeString("rtmp://h/live")}, {"n", Amf0Value::makeNumber(2)}}));
  const Bytes full = w.bytes();
  for (size_t n = 0; n < full.size(); ++n) {
    Amf0Reader r(std::span<const uint8_t>(full.data(), n));
    Amf0Value v;
    EXPECT_FALSE(r.read(v)) << "prefix " << n;
  }
}

TEST(Amf0, RejectsUnknownMarkersAndStrayObjectEnd) {
  for (uint8_t marker : {0x04, 0x07, 0x09, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0xFF}) {
    Bytes b{marker, 0, 0, 0, 0, 0, 0, 0, 0};
    Amf0Reader r(b);
    Amf0Value v;
    EXPECT_FALSE(r.read(v)) << int(marker);
  }
}

TEST(Amf0, BoundsNestingDepth) {
  Bytes deep;
  for (int i = 0; i < 100; ++i) deep.insert(deep.end(), {0x03, 0x00, 0x01, 'k'});  // {k: {k: ...
  Amf0Reader r(deep);
  Amf0Value v;
  EXPECT_FALSE(r.read(v));

  Bytes ok;  // depth within the bound decodes
  for (int i = 0; i < 10; ++i) ok.insert(ok.end(), {0x03, 0x00, 0x01, 'k'});
  ok.push_back(0x05);
  for (int i = 0; i < 10; ++i) ok.insert(ok.end(), {0x00, 0x00, 0x09});
  Amf0Reader r2(ok);
  EXPECT_TRUE(r2.read(v));
  EXPECT_TRUE(r2.atEnd());
}

TEST(Amf0, BoundsStrictArrayCountAndValueCount) {
  Bytes huge{0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05};  // claims 4 billion elements
  Amf0Reader r(huge);
  Amf0Value v;
  EXPECT_FALSE(r.read(v));

  Bytes many{0x0A, 0x00, 0x01, 0x00, 0x00};  // 65536 nulls: past the value budget
  many.insert(many.end(), 65536, 0x05);
  Amf0Reader r2(many);
  EXPECT_FALSE(r2.read(v));
}

TEST(Amf0, RandomGarbageNeverCrashes) {
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    Bytes b(rng() % 64);
    for (auto& x : b) x = static_cast<uint8_t>(rng() % 14);  // mostly valid markers
    Amf0Reader r(b);
    Amf0Value v;
    while (r.read(v)) {
    }
  }
}

}  // namespace
}  // namespace airclass::media::ingest::rtmp
