#include "server/static_files.hpp"

#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include "server/http_replies.hpp"
#include "server/mime_types.hpp"

namespace airclass::server {
namespace fs = std::filesystem;
namespace {

constexpr uintmax_t kMaxFileBytes = 64 * 1024 * 1024;

// A relative path made of plain segments only: no "..", ".", empty segments, backslashes or NULs.
bool safeRelative(std::string_view rel) {
  if (rel.empty()) return false;
  size_t pos = 0;
  while (pos <= rel.size()) {
    const size_t slash = rel.find('/', pos);
    const std::string_view seg = rel.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos) return false;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return true;
}

bool readFile(const fs::path& path, std::string& out) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.resize(static_cast<size_t>(size));
  in.read(out.data(), static_cast<std::streamsize>(size));
  return static_cast<uintmax_t>(in.gcount()) == size;
}

}  // namespace

StaticFiles::VendorTable StaticFiles::defaultVendors() {
  return {{"/vendor/hls.min.js", "node_modules/hls.js/dist/hls.min.js"},
          {"/vendor/uPlot.iife.min.js", "node_modules/uplot/dist/uPlot.iife.min.js"},
          {"/vendor/uPlot.min.css", "node_modules/uplot/dist/uPlot.min.css"}};
}

StaticFiles::StaticFiles(fs::path root, VendorTable vendors) : root_(std::move(root)), vendors_(std::move(vendors)) {}

common::HttpResponse StaticFiles::serve(std::string_view url_path) const {
  std::string rel;
  bool vendor = false;
  for (const auto& [url, file] : vendors_) {
    if (url == url_path) {
      rel = file;
      vendor = true;
    }
  }
  if (!vendor) {
    if (url_path.empty() || url_path.front() != '/') return jsonError(common::ErrorCode::BadRequest, "bad path");
    rel = std::string(url_path.substr(1));
    if (rel.empty() || rel.back() == '/') rel += "index.html";
    if (!safeRelative(rel)) return jsonError(common::ErrorCode::BadRequest, "bad path");
  }
  if (root_.empty()) return jsonError(common::ErrorCode::NotFound, "no web root");
  fs::path path = root_ / rel;
  std::error_code ec;
  if (!vendor && fs::is_directory(path, ec)) path /= "index.html";
  std::string body;
  if (!readFile(path, body)) return jsonError(common::ErrorCode::NotFound, "not found: " + std::string(url_path));
  common::HttpResponse r = common::HttpResponse::text(200, std::move(body));
  r.content_type = std::string(mimeType(path.string()));
  r.cache_control = path.extension() == ".html" ? "no-cache" : "public, max-age=300";
  return r;
}

fs::path StaticFiles::findWebRoot(const std::string& configured) {
  if (!configured.empty()) return fs::path(configured);
  std::error_code ec;
  std::vector<fs::path> candidates;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "web");
    candidates.push_back(exe.parent_path() / "web");
  }
  const fs::path cwd = fs::current_path(ec);
  if (!ec) candidates.push_back(cwd / "web");
  for (const fs::path& c : candidates) {
    if (fs::is_regular_file(c / "index.html", ec)) return c;
  }
  for (const fs::path& c : candidates) {
    if (fs::is_directory(c, ec)) return c;
  }
  return {};
}

}  // namespace airclass::server
