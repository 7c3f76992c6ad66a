// Content types of the files the server sends, by file extension. Pure function: any thread.
#pragma once
#include <string_view>

namespace airclass::server {

// "application/octet-stream" for an unknown extension.
std::string_view mimeType(std::string_view path);

}  // namespace airclass::server
