// JSON codec for the signaling protocol (protocol.hpp): bounded decoding of untrusted client text, encoding of
// server messages. Pure functions: any thread.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "signaling/protocol.hpp"

namespace airclass::signaling::protocol {

struct DecodeError {
  common::ErrorCode code = common::ErrorCode::BadRequest;
  std::string message;
  std::string id;  // the request id when it could be read, so the error reply can carry it
};

using DecodeResult = std::variant<ClientMessage, DecodeError>;

// Decodes one client message. Rejects (with a typed error, never an exception) text over max_bytes, invalid
// JSON or UTF-8, nesting deeper than kMaxJsonDepth, a wrong "v", unknown types, missing or mistyped fields.
DecodeResult decodeClient(std::string_view text, size_t max_bytes);

std::string encodeClient(const ClientMessage& message);  // for clients and tests
std::string encodeServer(const ServerMessage& message);

std::string_view toString(QuestionOrder order);
std::string_view toString(QuestionState state);
std::string_view typeName(const ClientBody& body);
std::string_view typeName(const ServerBody& body);

}  // namespace airclass::signaling::protocol
