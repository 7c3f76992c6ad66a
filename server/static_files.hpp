// Serves the web pages from the web root: MIME types, index.html for directories, path traversal refused, and a
// small table of vendor URLs mapped to files inside node_modules. Read-only after construction: any thread.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_response.hpp"

namespace airclass::server {

class StaticFiles {
 public:
  // (URL path, file relative to the web root)
  using VendorTable = std::vector<std::pair<std::string, std::string>>;
  static VendorTable defaultVendors();

  explicit StaticFiles(std::filesystem::path root, VendorTable vendors = defaultVendors());

  // `url_path` as decoded by the server ("/student.html"). 404 JSON error when absent, 400 on traversal.
  common::HttpResponse serve(std::string_view url_path) const;
  const std::filesystem::path& root() const { return root_; }

  // The web root to use: `configured` when set, else the first `web/` with an index.html next to the
  // executable (build/airclass -> ../web), beside it, or in the working directory. Empty when none.
  static std::filesystem::path findWebRoot(const std::string& configured);

 private:
  std::filesystem::path root_;
  VendorTable vendors_;
};

}  // namespace airclass::server
