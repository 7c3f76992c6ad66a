// The outcome of parsing untrusted codec bytes: a value, or a short reason it was rejected. Value type.
// The media hot path checks ok(); request boundaries turn error() into common::Error(BadRequest, ...).
#pragma once
#include <optional>
#include <string>
#include <utility>

namespace airclass::media::codec {

template <class T>
class ParseResult {
 public:
  static ParseResult success(T value) {
    ParseResult r;
    r.value_ = std::move(value);
    return r;
  }
  static ParseResult failure(std::string reason) {
    ParseResult r;
    r.error_ = std::move(reason);
    return r;
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const { return *value_; }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }
  const std::string& error() const { return error_; }

 private:
  ParseResult() = default;
  std::optional<T> value_;
  std::string error_;
};

}  // namespace airclass::media::codec
