#include "server/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <strings.h>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "server/http_metrics.hpp"
#include "server/http_replies.hpp"
#include "server/http_router.hpp"

namespace airclass::server {
namespace {

constexpr const char* kHttpProtocol = "airclass-http";
constexpr size_t kWriteChunk = 64 * 1024;  // bytes per HTTP_WRITEABLE turn
constexpr int kHeaderBuffer = 4096;        // response headers

// The request headers the routes may read (lws keeps them in a fixed table; we copy these few).
struct HeaderToken {
  lws_token_indexes token;
  const char* name;
};
constexpr HeaderToken kHeaders[] = {
    {WSI_TOKEN_HOST, "host"},
    {WSI_TOKEN_ORIGIN, "origin"},
    {WSI_TOKEN_HTTP_AUTHORIZATION, "authorization"},
    {WSI_TOKEN_HTTP_CONTENT_TYPE, "content-type"},
    {WSI_TOKEN_HTTP_CONTENT_LENGTH, "content-length"},
    {WSI_TOKEN_HTTP_ACCEPT, "accept"},
    {WSI_TOKEN_HTTP_IF_NONE_MATCH, "if-none-match"},
    {WSI_TOKEN_HTTP_IF_MATCH, "if-match"},
    {WSI_TOKEN_HTTP_USER_AGENT, "user-agent"},
};

HttpMethod toMethod(int lws_method) {
  switch (lws_method) {
    case LWSHUMETH_GET: return HttpMethod::Get;
    case LWSHUMETH_HEAD: return HttpMethod::Head;
    case LWSHUMETH_POST: return HttpMethod::Post;
    case LWSHUMETH_PUT: return HttpMethod::Put;
    case LWSHUMETH_PATCH: return HttpMethod::Patch;
    case LWSHUMETH_DELETE: return HttpMethod::Delete;
    case LWSHUMETH_OPTIONS: return HttpMethod::Options;
    default: return HttpMethod::Other;
  }
}

bool hasBody(HttpMethod m) { return m == HttpMethod::Post || m == HttpMethod::Put || m == HttpMethod::Patch; }

std::string copyHeader(lws* wsi, lws_token_indexes token) {
  const int n = lws_hdr_total_length(wsi, token);
  if (n <= 0) return {};
  std::string value(static_cast<size_t>(n) + 1, '\0');
  const int got = lws_hdr_copy(wsi, value.data(), n + 1, token);
  value.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return value;
}

// One request in flight on a connection (HTTP/1.1: at most one at a time).
struct Transaction {
  enum class State { ReadingBody, Parked, Writing };
  State state = State::Writing;
  HttpRequest request;
  bool too_large = false;   // body over the bound: answered 413, rest of the body ignored
  bool close_after = false;
  bool parked_once = false;
  common::HttpResponse response;
  bool headers_sent = false;
  size_t offset = 0;  // body bytes written
};

}  // namespace

struct HttpServer::Impl {
  Impl(Settings s, const HttpRouter& r, HttpMetrics& m) : settings(std::move(s)), router(r), metrics(m) {}

  Settings settings;
  const HttpRouter& router;
  HttpMetrics& metrics;

  std::vector<lws_protocols> protocols;             // ours first, then the extra ones, then the terminator
  std::vector<lws_callback_function*> extra_callbacks;  // the extra protocols' own callbacks, by index
  lws_protocol_vhost_options default_option{nullptr, nullptr, "default", ""};
  lws_protocol_vhost_options ws_pvo{nullptr, &default_option, nullptr, ""};
  bool has_ws = false;

  lws_context* context = nullptr;
  lws_vhost* vhost = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};
  int listen_port = 0;
  struct TickTimer {  // an lws timer that finds its owner (standard layout: `sul` first)
    lws_sorted_usec_list_t sul;
    Impl* owner;
  } tick_timer{};

  std::mutex tasks_mutex;
  std::vector<std::function<void()>> tasks;
  bool tasks_closed = false;

  // Service thread only.
  std::unordered_map<lws*, Transaction> transactions;
  uint64_t next_request_id = 0;
  std::unordered_set<lws*> parked;
  std::unordered_map<lws*, std::string> peer_of;
  std::unordered_map<std::string, int> per_ip;

  static Impl* from(lws* wsi) { return static_cast<Impl*>(lws_context_user(lws_get_context(wsi))); }
  static int httpCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
  static int extraCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

  void run();
  void drainTasks();
  void scheduleTick();
  static void onTick(lws_sorted_usec_list_t* sul);

  // Per-IP connection accounting; returns the peer's current number of connections.
  int trackPeer(lws* wsi);
  void untrackPeer(lws* wsi);
  bool allowUpgrade(lws* wsi, const char* upgrade);

  int onRequest(lws* wsi);
  void dispatch(lws* wsi, Transaction& t);
  void respond(lws* wsi, Transaction& t, common::HttpResponse response);
  int onWriteable(lws* wsi);
  void retryParked(bool deadline_for_all);
  void unpark(lws* wsi);
};

// ---- lws callbacks ----------------------------------------------------------------------------------------

int HttpServer::Impl::httpCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  Impl* self = from(wsi);
  if (!self) return 0;
  switch (reason) {
    case LWS_CALLBACK_HTTP:
      return self->onRequest(wsi);
    case LWS_CALLBACK_HTTP_BODY: {
      auto it = self->transactions.find(wsi);
      if (it == self->transactions.end() || it->second.state != Transaction::State::ReadingBody) return 0;
      Transaction& t = it->second;
      if (t.request.body.size() + len > self->settings.max_body_bytes) {
        t.close_after = true;
        common::HttpResponse r = jsonError(common::ErrorCode::TooLarge, "request body too large");
        r.status = 413;
        self->respond(wsi, t, std::move(r));
        return 0;
      }
      t.request.body.append(static_cast<const char*>(in), len);
      return 0;
    }
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
      auto it = self->transactions.find(wsi);
      if (it != self->transactions.end() && it->second.state == Transaction::State::ReadingBody) {
        self->dispatch(wsi, it->second);
      }
      return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return self->onWriteable(wsi);
    case LWS_CALLBACK_TIMER: {
      auto it = self->transactions.find(wsi);
      if (it != self->transactions.end() && it->second.state == Transaction::State::Parked) {
        self->parked.erase(wsi);
        it->second.request.deadline_passed = true;
        self->dispatch(wsi, it->second);
      }
      return 0;
    }
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      self->drainTasks();
      self->retryParked(false);
      return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
      return self->allowUpgrade(wsi, static_cast<const char*>(in)) ? 0 : -1;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return -1;  // a websocket that asked for our HTTP protocol by name
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
      self->parked.erase(wsi);  // lws drops the connection's timer itself
      self->transactions.erase(wsi);
      return 0;
    case LWS_CALLBACK_WSI_DESTROY:
      self->parked.erase(wsi);
      self->transactions.erase(wsi);
      self->untrackPeer(wsi);
      return 0;
    default:
      break;
  }
  (void)user;
  return 0;
}

// Every extra protocol's callback goes through here: we decide which upgrades are allowed (path, per-IP
// limit), everything else goes to the protocol's own callback.
int HttpServer::Impl::extraCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  Impl* self = from(wsi);
  const lws_protocols* p = lws_get_protocol(wsi);
  if (!self || !p || !p->name) return 0;
  lws_callback_function* original = nullptr;
  for (size_t i = 0; i < self->extra_callbacks.size(); ++i) {
    if (std::strcmp(self->protocols[i + 1].name, p->name) == 0) original = self->extra_callbacks[i];
  }
  if (!original) return 0;
  if (reason == LWS_CALLBACK_HTTP_CONFIRM_UPGRADE && !self->allowUpgrade(wsi, static_cast<const char*>(in))) {
    return -1;
  }
  return original(wsi, reason, user, in, len);
}

// ---- connection accounting ----------------------------------------------------------------------------------

int HttpServer::Impl::trackPeer(lws* wsi) {
  auto it = peer_of.find(wsi);
  if (it != peer_of.end()) return per_ip[it->second];
  char name[128] = {0};
  const char* got = lws_get_peer_simple(wsi, name, sizeof(name));
  std::string ip = got ? got : "unknown";
  const int n = ++per_ip[ip];
  peer_of.emplace(wsi, std::move(ip));
  return n;
}

void HttpServer::Impl::untrackPeer(lws* wsi) {
  auto it = peer_of.find(wsi);
  if (it == peer_of.end()) return;
  auto ip = per_ip.find(it->second);
  if (ip != per_ip.end() && --ip->second <= 0) per_ip.erase(ip);
  peer_of.erase(it);
}

bool HttpServer::Impl::allowUpgrade(lws* wsi, const char* upgrade) {
  if (!has_ws || !upgrade || strcasecmp(upgrade, "websocket") != 0) return false;
  if (trackPeer(wsi) > settings.max_connections_per_ip) {
    common::log::warn("server", "http", "per-IP connection limit", {{"peer", peer_of[wsi]}});
    return false;
  }
  return copyHeader(wsi, WSI_TOKEN_GET_URI) == settings.ws_path;
}

// ---- requests -----------------------------------------------------------------------------------------------

int HttpServer::Impl::onRequest(lws* wsi) {
  unpark(wsi);
  Transaction& t = transactions[wsi];
  t = Transaction{};
  char* uri = nullptr;
  int uri_len = 0;
  const int method = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
  HttpRequest& req = t.request;
  req.id = ++next_request_id;
  req.method = toMethod(method);
  if (uri && uri_len > 0) req.path.assign(uri, static_cast<size_t>(uri_len));
  if (const size_t q = req.path.find('?'); q != std::string::npos) {
    req.query = req.path.substr(q + 1);
    req.path.resize(q);
  }
  char fragment[1024];
  for (int i = 0; lws_hdr_copy_fragment(wsi, fragment, sizeof(fragment), WSI_TOKEN_HTTP_URI_ARGS, i) > 0; ++i) {
    if (!req.query.empty()) req.query += '&';
    req.query += fragment;
  }
  for (const HeaderToken& h : kHeaders) {
    std::string value = copyHeader(wsi, h.token);
    if (!value.empty()) req.headers.emplace_back(h.name, std::move(value));
  }
  const int connections = trackPeer(wsi);
  req.peer = peer_of[wsi];

  if (connections > settings.max_connections_per_ip) {
    t.close_after = true;
    respond(wsi, t, jsonError(common::ErrorCode::Unavailable, "too many connections from this address"));
    return 0;
  }
  if (req.method == HttpMethod::Other) {
    common::HttpResponse r = jsonError(common::ErrorCode::BadRequest, "method not allowed");
    r.status = 405;
    respond(wsi, t, std::move(r));
    return 0;
  }
  if (req.path.size() + req.query.size() > settings.max_url_bytes) {
    common::HttpResponse r = jsonError(common::ErrorCode::TooLarge, "URL too long");
    r.status = 414;
    respond(wsi, t, std::move(r));
    return 0;
  }
  if (req.method == HttpMethod::Options) {  // CORS preflight, for every path
    common::HttpResponse r;
    r.status = 204;
    r.cache_control = "max-age=600";
    r.headers = {{"access-control-allow-methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
                 {"access-control-allow-headers", "Authorization, Content-Type, If-Match"},
                 {"access-control-max-age", "600"}};
    respond(wsi, t, std::move(r));
    return 0;
  }
  if (hasBody(req.method)) {
    const std::string_view length_text = req.header("content-length");
    size_t length = 0;
    for (char c : length_text) {
      if (c < '0' || c > '9' || length > settings.max_body_bytes) break;
      length = length * 10 + static_cast<size_t>(c - '0');
    }
    if (length > settings.max_body_bytes) {
      t.close_after = true;  // the client may still be sending the body we will not read
      t.too_large = true;
      common::HttpResponse r = jsonError(common::ErrorCode::TooLarge, "request body too large");
      r.status = 413;
      respond(wsi, t, std::move(r));
      return 0;
    }
    if (length > 0) {
      t.state = Transaction::State::ReadingBody;
      req.body.reserve(length);
      return 0;
    }
  }
  dispatch(wsi, t);
  return 0;
}

void HttpServer::Impl::dispatch(lws* wsi, Transaction& t) {
  HttpReply reply = router.route(t.request);
  if (reply.wait && !t.request.deadline_passed) {
    t.state = Transaction::State::Parked;
    parked.insert(wsi);
    if (!t.parked_once) {
      t.parked_once = true;
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(reply.deadline).count();
      lws_set_timer_usecs(wsi, std::max<lws_usec_t>(us, 1));
    }
    return;
  }
  if (reply.wait) {
    reply.response = jsonError(common::ErrorCode::Unavailable, "no answer before the deadline");
  }
  respond(wsi, t, std::move(reply.response));
}

void HttpServer::Impl::respond(lws* wsi, Transaction& t, common::HttpResponse response) {
  unpark(wsi);
  t.state = Transaction::State::Writing;
  t.response = std::move(response);
  t.headers_sent = false;
  t.offset = 0;
  metrics.count(t.response.status);
  lws_callback_on_writable(wsi);
}

void HttpServer::Impl::unpark(lws* wsi) {
  if (parked.erase(wsi) > 0) lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
}

void HttpServer::Impl::retryParked(bool deadline_for_all) {
  if (parked.empty()) return;
  const std::vector<lws*> waiting(parked.begin(), parked.end());
  for (lws* wsi : waiting) {
    auto it = transactions.find(wsi);
    if (it == transactions.end() || it->second.state != Transaction::State::Parked) {
      parked.erase(wsi);
      continue;
    }
    it->second.request.deadline_passed = deadline_for_all;
    dispatch(wsi, it->second);
  }
}

int HttpServer::Impl::onWriteable(lws* wsi) {
  auto it = transactions.find(wsi);
  if (it == transactions.end() || it->second.state != Transaction::State::Writing) return 0;
  Transaction& t = it->second;
  const common::HttpResponse& r = t.response;
  const bool head = t.request.method == HttpMethod::Head;
  const size_t body_size = r.body ? r.body->size() : 0;

  if (!t.headers_sent) {
    unsigned char buffer[LWS_PRE + kHeaderBuffer];
    unsigned char* start = buffer + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buffer + sizeof(buffer) - 1;
    auto add = [&](const char* name, const std::string& value) {
      return lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name),
                                         reinterpret_cast<const unsigned char*>(value.data()),
                                         static_cast<int>(value.size()), &p, end) == 0;
    };
    bool ok = lws_add_http_common_headers(wsi, static_cast<unsigned>(r.status), r.content_type.c_str(),
                                          static_cast<lws_filepos_t>(body_size), &p, end) == 0;
    ok = ok && add("cache-control:", r.cache_control);
    ok = ok && add("access-control-allow-origin:", "*");
    ok = ok && add("access-control-expose-headers:", "Location, Link, ETag");
    for (const auto& [name, value] : r.headers) ok = ok && add((name + ":").c_str(), value);
    if (t.close_after) ok = ok && add("connection:", "close");
    if (!ok || lws_finalize_write_http_header(wsi, start, &p, end) != 0) return -1;
    t.headers_sent = true;
    if (!head && body_size > 0) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  } else {
    const size_t n = std::min(kWriteChunk, body_size - t.offset);
    const bool last = t.offset + n >= body_size;
    // HTTP/1.1 writes do not touch the LWS_PRE area or the bytes (only ws framing and h2 do, and we refuse
    // both for plain HTTP), so the shared body is sent in place, never copied per chunk.
    auto* data = const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(r.body->data() + t.offset));
    if (lws_write(wsi, data, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < static_cast<int>(n)) return -1;
    t.offset += n;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  // The response is out.
  const bool close = t.close_after;
  transactions.erase(it);
  if (close) return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

// ---- the service thread -------------------------------------------------------------------------------------

void HttpServer::Impl::drainTasks() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(tasks_mutex);
    batch.swap(tasks);
  }
  for (auto& task : batch) task();
}

void HttpServer::Impl::scheduleTick() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(settings.tick_interval).count();
  lws_sul_schedule(context, 0, &tick_timer.sul, &Impl::onTick, std::max<lws_usec_t>(us, 1000));
}

void HttpServer::Impl::onTick(lws_sorted_usec_list_t* sul) {
  Impl* self = reinterpret_cast<TickTimer*>(sul)->owner;
  if (self->stopping.load()) return;
  self->settings.on_tick();
  self->scheduleTick();
}

void HttpServer::Impl::run() {
  tick_timer.owner = this;
  if (settings.on_tick) scheduleTick();
  while (!stopping.load()) {
    if (lws_service(context, 0) < 0) break;
  }
  lws_sul_cancel(&tick_timer.sul);
  if (settings.on_stop) settings.on_stop();
  {
    std::lock_guard lock(tasks_mutex);
    tasks_closed = true;
    tasks.clear();
  }
  lws_context_destroy(context);
}

// ---- HttpServer ---------------------------------------------------------------------------------------------

HttpServer::HttpServer(Settings settings, const HttpRouter& router, HttpMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(settings), router, metrics)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Impl& s = *impl_;
  s.protocols.clear();
  s.protocols.push_back(lws_protocols{kHttpProtocol, &Impl::httpCallback, 0, 0, 0, nullptr, 0});
  for (const lws_protocols& p : s.settings.protocols) {
    lws_protocols wrapped = p;
    s.extra_callbacks.push_back(p.callback);
    wrapped.callback = &Impl::extraCallback;
    s.protocols.push_back(wrapped);
    if (p.name && s.settings.ws_protocol == p.name) s.has_ws = true;
  }
  s.protocols.push_back(lws_protocols{nullptr, nullptr, 0, 0, 0, nullptr, 0});
  s.ws_pvo.name = s.settings.ws_protocol.c_str();

  lws_context_creation_info info;
  std::memset(&info, 0, sizeof(info));
  info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  info.user = &s;
  s.context = lws_create_context(&info);
  if (!s.context) throw common::Error(common::ErrorCode::Unavailable, "http: cannot create the lws context");

  const std::string& host = s.settings.host;
  const bool any = host.empty() || host == "0.0.0.0";
  info.vhost_name = "airclass";
  info.port = s.settings.port;
  info.iface = any ? nullptr : host.c_str();
  if (host.find(':') == std::string::npos) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.protocols = s.protocols.data();
  info.pvo = s.has_ws ? &s.ws_pvo : nullptr;
  info.max_http_header_data = static_cast<unsigned short>(std::min(s.settings.max_header_bytes, 65535u));
  info.keepalive_timeout = 30;
  info.timeout_secs = 20;
  // No lws validity (idle ping / hang-up) timers: the signaling heartbeat already times out a vanished client.
  // lws keeps those timers on one sorted list and re-inserts a connection's on every message it receives, a
  // walk over every connection: 39 % of the server's CPU in a join storm at 19,000 students.
  static const lws_retry_bo_t kNoIdleTimers{};
  info.retry_and_idle_policy = &kNoIdleTimers;
  s.vhost = lws_create_vhost(s.context, &info);
  if (!s.vhost) {
    lws_context_destroy(s.context);
    s.context = nullptr;
    throw common::Error(common::ErrorCode::Unavailable,
                        "http: cannot listen on " + (any ? std::string("*") : host) + ":" +
                            std::to_string(s.settings.port));
  }
  s.listen_port = lws_get_vhost_listen_port(s.vhost);
  s.stopping = false;
  {
    std::lock_guard lock(s.tasks_mutex);
    s.tasks_closed = false;
  }
  s.thread = std::thread([&s] { s.run(); });
  common::log::info("server", "http", "listening",
                    {{"host", any ? "*" : host}, {"port", std::to_string(s.listen_port)}});
}

int HttpServer::port() const { return impl_->listen_port; }

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  s.stopping = true;
  wake();
  s.thread.join();
  s.context = nullptr;
  s.vhost = nullptr;
  common::log::info("server", "http", "stopped");
}

void HttpServer::wake() {
  // Under the lock: the service thread closes `tasks` before it destroys the context.
  std::lock_guard lock(impl_->tasks_mutex);
  if (impl_->context && !impl_->tasks_closed) lws_cancel_service(impl_->context);
}

void HttpServer::post(std::function<void()> task) {
  {
    std::lock_guard lock(impl_->tasks_mutex);
    if (impl_->tasks_closed || !impl_->context) return;
    impl_->tasks.push_back(std::move(task));
    lws_cancel_service(impl_->context);
  }
}

}  // namespace airclass::server
