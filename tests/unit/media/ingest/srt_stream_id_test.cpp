#include "media/ingest/srt_stream_id.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"

namespace airclass::media::ingest {
namespace {

using common::Error;
using common::ErrorCode;

constexpr const char* kJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2lnbmF0dXJl-_";

ErrorCode codeOf(const std::string& text) {
  try {
    SrtStreamId::parse(text);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("srt stream id"), std::string::npos) << e.what();
    return e.code();
  }
  ADD_FAILURE() << "accepted: " << text;
  return ErrorCode::Internal;
}

TEST(SrtStreamId, ParsesAccessControlSyntax) {
  const SrtStreamId id = SrtStreamId::parse(std::string("#!::r=room1,m=publish,s=") + kJwt);
  EXPECT_EQ(id.room, "room1");
  EXPECT_EQ(id.token, kJwt);
  EXPECT_EQ(id.user, "");
}

TEST(SrtStreamId, AccessControlKeysInAnyOrderWithUser) {
  const SrtStreamId id = SrtStreamId::parse(std::string("#!::u=alice,s=") + kJwt + ",m=publish,r=Math_101-b");
  EXPECT_EQ(id.room, "Math_101-b");
  EXPECT_EQ(id.token, kJwt);
  EXPECT_EQ(id.user, "alice");
}

TEST(SrtStreamId, AcceptsStandardHostAndStreamType) {
  const SrtStreamId id = SrtStreamId::parse(std::string("#!::h=example.org,t=stream,r=r,m=publish,s=") + kJwt);
  EXPECT_EQ(id.room, "r");
  EXPECT_EQ(codeOf(std::string("#!::t=file,r=r,m=publish,s=") + kJwt), ErrorCode::BadRequest);
}

TEST(SrtStreamId, ParsesShortForm) {
  const SrtStreamId id = SrtStreamId::parse(std::string("publish:room1:") + kJwt);
  EXPECT_EQ(id.room, "room1");
  EXPECT_EQ(id.token, kJwt);
}

TEST(SrtStreamId, RefusesPlayback) {
  EXPECT_EQ(codeOf(std::string("#!::r=room1,m=request,s=") + kJwt), ErrorCode::Unsupported);
  EXPECT_EQ(codeOf(std::string("#!::r=room1,s=") + kJwt), ErrorCode::Unsupported);  // default mode: request
  EXPECT_EQ(codeOf(std::string("#!::r=room1,m=bidirectional,s=") + kJwt), ErrorCode::Unsupported);
  EXPECT_EQ(codeOf(std::string("request:room1:") + kJwt), ErrorCode::Unsupported);
}

TEST(SrtStreamId, RefusesMissingOrBadFields) {
  EXPECT_EQ(codeOf("#!::m=publish,s=abc"), ErrorCode::BadRequest);            // no room
  EXPECT_EQ(codeOf("#!::r=room1,m=publish"), ErrorCode::BadRequest);          // no token
  EXPECT_EQ(codeOf("#!::r=room1,m=publish,s="), ErrorCode::BadRequest);       // empty token
  EXPECT_EQ(codeOf("#!::r=,m=publish,s=abc"), ErrorCode::BadRequest);         // empty room
  EXPECT_EQ(codeOf("#!::r=room 1,m=publish,s=abc"), ErrorCode::BadRequest);   // bad room char
  EXPECT_EQ(codeOf("#!::r=../etc,m=publish,s=abc"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("#!::r=room1,m=publish,s=a b"), ErrorCode::BadRequest);    // token not a JWT
  EXPECT_EQ(codeOf("#!::r=room1,r=room2,m=publish,s=abc"), ErrorCode::BadRequest);  // duplicate
  EXPECT_EQ(codeOf("#!::r=room1,m=publish,s=abc,x=1"), ErrorCode::BadRequest);      // unknown key
  EXPECT_EQ(codeOf("#!::r=room1,m=publish,s=abc,"), ErrorCode::BadRequest);         // trailing comma
  EXPECT_EQ(codeOf("#!::r=room1,,m=publish,s=abc"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("#!::room1"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("#!:{r=room1,m=publish,s=abc}"), ErrorCode::BadRequest);  // nested syntax
  EXPECT_EQ(codeOf("#!::u=a\x01,r=room1,m=publish,s=abc"), ErrorCode::BadRequest);
}

TEST(SrtStreamId, RefusesGarbage) {
  EXPECT_EQ(codeOf(""), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("room1"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("publish:room1"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("publish::abc"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("publish:room1:"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("publish:room1:abc:def"), ErrorCode::BadRequest);  // ':' is not in a JWT
  EXPECT_EQ(codeOf(std::string("#!::r=room1\0,m=publish,s=abc", 27)), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("\xff\xfe garbage"), ErrorCode::BadRequest);
}

TEST(SrtStreamId, RoomIdBounds) {
  EXPECT_EQ(SrtStreamId::parse("publish:" + std::string(64, 'a') + ":abc").room, std::string(64, 'a'));
  EXPECT_EQ(codeOf("publish:" + std::string(65, 'a') + ":abc"), ErrorCode::BadRequest);
  EXPECT_TRUE(SrtStreamId::isValidRoom("A-z_09"));
  EXPECT_FALSE(SrtStreamId::isValidRoom(""));
  EXPECT_FALSE(SrtStreamId::isValidRoom("a.b"));
}

TEST(SrtStreamId, RefusesOversized) {
  const std::string prefix = "#!::r=room1,m=publish,s=";
  const std::string fits = prefix + std::string(SrtStreamId::kMaxBytes - prefix.size(), 'x');
  EXPECT_EQ(SrtStreamId::parse(fits).token.size(), SrtStreamId::kMaxBytes - prefix.size());
  EXPECT_EQ(codeOf(fits + "x"), ErrorCode::TooLarge);
  EXPECT_EQ(codeOf(std::string(100000, '#')), ErrorCode::TooLarge);
}

}  // namespace
}  // namespace airclass::media::ingest
