// StaticFiles on a temporary web root, directly and through a real HttpServer: MIME types, index.html for "/",
// 404, the vendor table, and path traversal refused (raw bytes on the socket too).
#include "server/static_files.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "server/deps.hpp"
#include "server/http_metrics.hpp"
#include "server/http_router.hpp"
#include "server/http_server.hpp"
#include "server/mime_types.hpp"
#include "server/static_routes.hpp"
#include "tests/unit/server/http_test_client.hpp"

namespace airclass::server {
namespace {

namespace fs = std::filesystem;

void writeFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("airclass-static-" + std::to_string(::getpid()));
    root_ = base_ / "web";
    writeFile(root_ / "index.html", "<h1>home</h1>");
    writeFile(root_ / "student.html", "<h1>student</h1>");
    writeFile(root_ / "js" / "app.js", "console.log(1)");
    writeFile(root_ / "css" / "site.css", "body{}");
    writeFile(root_ / "docs" / "index.html", "<p>docs</p>");
    writeFile(root_ / "node_modules" / "hls.js" / "dist" / "hls.min.js", "/*hls*/");
    writeFile(root_ / "node_modules" / "uplot" / "dist" / "uPlot.iife.min.js", "/*uplot*/");
    writeFile(root_ / "node_modules" / "uplot" / "dist" / "uPlot.min.css", ".uplot{}");
    writeFile(base_ / "secret.txt", "top secret");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypes) {
  StaticFiles files(root_);
  auto home = files.serve("/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(*home.body, "<h1>home</h1>");
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(files.serve("/js/app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(files.serve("/css/site.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(*files.serve("/docs/").body, "<p>docs</p>");
  EXPECT_EQ(*files.serve("/docs").body, "<p>docs</p>");
  EXPECT_EQ(files.serve("/missing.html").status, 404);
}

TEST_F(StaticFilesTest, VendorTableMapsIntoNodeModules) {
  StaticFiles files(root_);
  auto r = files.serve("/vendor/hls.min.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(*r.body, "/*hls*/");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  auto chart = files.serve("/vendor/uPlot.iife.min.js");
  EXPECT_EQ(chart.status, 200);
  EXPECT_EQ(*chart.body, "/*uplot*/");
  auto chart_css = files.serve("/vendor/uPlot.min.css");
  EXPECT_EQ(chart_css.status, 200);
  EXPECT_EQ(chart_css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(files.serve("/vendor/other.js").status, 404);
}

TEST_F(StaticFilesTest, RefusesTraversal) {
  StaticFiles files(root_);
  for (const char* path : {"/../secret.txt", "/js/../../secret.txt", "/./index.html", "//etc/passwd",
                           "/js\\..\\..\\secret.txt", "relative.html"}) {
    auto r = files.serve(path);
    EXPECT_NE(r.status, 200) << path;
    if (r.body) {
      EXPECT_EQ(r.body->find("top secret"), std::string::npos) << path;
    }
  }
}

TEST_F(StaticFilesTest, MimeTypes) {
  EXPECT_EQ(mimeType("/a/b.M3U8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(mimeType("x.m4s"), "video/iso.segment");
  EXPECT_EQ(mimeType("x.svg"), "image/svg+xml");
  EXPECT_EQ(mimeType("dir.v1/file"), "application/octet-stream");
  EXPECT_EQ(mimeType("noext"), "application/octet-stream");
}

TEST_F(StaticFilesTest, OverRealSockets) {
  routeLwsLogs(common::log::Level::Warn);
  HttpRouter router;
  addStaticRoutes(router, std::make_shared<StaticFiles>(root_));
  HttpMetrics metrics;
  HttpServer::Settings s;
  s.host = "127.0.0.1";
  s.port = 0;
  HttpServer server(s, router, metrics);
  server.start();
  test::HttpTestClient c(server.port());
  auto home = c.request("GET", "/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.body, "<h1>home</h1>");
  EXPECT_EQ(home.headers["content-type"], "text/html; charset=utf-8");
  auto js = c.request("GET", "/js/app.js");
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(c.request("GET", "/nope.css").status, 404);
  EXPECT_EQ(c.request("GET", "/vendor/hls.min.js").body, "/*hls*/");
  for (const char* target : {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/js/%2e%2e/%2e%2e/secret.txt"}) {
    test::HttpTestClient raw(server.port());
    auto r = raw.request("GET", target);
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
  }
  server.stop();
}

}  // namespace
}  // namespace airclass::server
