// A small RAII wrapper over one sqlite3 connection with cached prepared statements. Owned and called by one
// thread (the store thread, or the opening thread before it starts).
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace airclass::signaling {

class SqliteDb;

// A prepared statement borrowed from the cache: bind, step, read; reset when the borrow ends.
class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bindNull(int index);
  Statement& bindOptional(int index, const std::optional<std::string>& value);
  bool step();  // true while a row is available; throws common::Error on failure
  void run();   // step to completion
  int64_t integer(int column) const;
  std::string text(int column) const;
  bool isNull(int column) const;

 private:
  friend class SqliteDb;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  explicit SqliteDb(const std::string& path);  // throws common::Error(Internal, "sqlite open: ...")
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const char* sql);      // throws on failure
  Statement prepare(const char* sql);  // cached by the SQL text's address: pass string literals

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::map<const char*, std::unique_ptr<sqlite3_stmt, StmtFinalizer>> cache_;
};

}  // namespace airclass::signaling
