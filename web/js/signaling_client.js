// A client for the classroom websocket (/ws, docs/protocol.md), shared by the student, teacher and admin pages.
// It authenticates with the page's token, joins one room, sends a heartbeat ping every 10 s, and when the
// connection drops it reconnects with a growing delay and resumes the session with the resume token and the
// last Q&A sequence seen (or joins afresh when the server no longer knows the session).
//
// Events (CustomEvent, the server message in `detail`): `state` ({state, message}), `joined` (a fresh join's
// snapshot), `resumed`, `presence`, `qna`, `questions`, `broadcast_started`, `broadcast_stopped`, `stats`,
// `qna_state` (an admin closed or reopened the Q&A), `server-error` (an error that answers no request, e.g.
// rate_limited for a flood).
// States: connecting, joined, reconnecting, failed (the token was refused: the page needs a new one), stopped.

const PING_MS = 10000;          // heartbeat; the server drops a connection silent for 30 s
const PONG_TIMEOUT_MS = 20000;  // no answer this long: the connection is dead, reconnect
const REQUEST_TIMEOUT_MS = 10000;
const RETRY_MIN_MS = 1000;      // 1 s, 2 s, 4 s ... 15 s, with jitter
const RETRY_MAX_MS = 15000;

export class SignalingError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function websocketUrl(path = '/ws') {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
}

export class SignalingClient extends EventTarget {
  // room: the room to join (null: authenticate only, e.g. an admin watching stats).
  constructor({ token, room, url = websocketUrl() }) {
    super();
    this.token = token;
    this.room = room;
    this.url = url;
    this.state = 'stopped';
    this.user = null;          // auth_ok: {user, name, role, room}
    this.resumeToken = null;
    this.lastSeq = 0;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();  // request id -> {resolve, reject, timer}
    this.retryAttempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastPong = 0;
    this.resumes = 0;          // sessions resumed after a drop (for the status line and the tests)
  }

  start() {
    if (this.state !== 'stopped') return;
    this.connect();
  }

  stop() {
    this.setState('stopped');
    clearTimeout(this.retryTimer);
    this.teardown();
  }

  get joined() {
    return this.state === 'joined';
  }

  // Sends a request and resolves with its reply, or rejects with a SignalingError (the server's code, or
  // `offline` / `timeout` / `disconnected`).
  request(type, fields = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new SignalingError('offline', 'Not connected to the class; trying again…'));
    }
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalingError('timeout', 'The server did not answer in time.'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ v: 1, type, id, ...fields }));
    });
  }

  // ---- connection lifecycle ------------------------------------------------------------------------------

  setState(state, message = '') {
    if (this.state === state && !message) return;
    this.state = state;
    this.emit('state', { state, message });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.setState(this.resumeToken ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.onOpen(ws);
    ws.onmessage = (ev) => this.onMessage(ws, ev.data);
    ws.onclose = (ev) => this.onClose(ws, ev);
    ws.onerror = () => { /* onclose follows */ };
  }

  teardown() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(1000); } catch { /* already closed */ }
    }
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SignalingError('disconnected', 'The connection to the class was lost.'));
    }
    this.pending.clear();
  }

  scheduleReconnect() {
    this.teardown();
    if (this.state === 'stopped' || this.state === 'failed') return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.retryAttempt) * (0.8 + Math.random() * 0.4);
    this.retryAttempt = Math.min(this.retryAttempt + 1, 10);
    this.setState('reconnecting', 'Connection lost; reconnecting in ' + Math.round(delay / 1000) + ' s…');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  async onOpen(ws) {
    if (ws !== this.ws) return;
    try {
      this.user = await this.request('auth', { token: this.token });
    } catch (err) {
      if (ws !== this.ws) return;
      if (err.code === 'unauthorized') {
        this.teardown();
        this.setState('failed', err.message);
      }
      return;  // anything else: the close that follows reconnects
    }
    this.lastPong = Date.now();
    this.pingTimer = setInterval(() => this.heartbeat(ws), PING_MS);
    if (!this.room) {
      this.retryAttempt = 0;
      this.setState('joined');
      return;
    }
    try {
      if (this.resumeToken) {
        try {
          const resumed = await this.request('resume', { resume_token: this.resumeToken, last_seq: this.lastSeq });
          this.resumeToken = resumed.resume_token;
          this.resumes += 1;
          this.retryAttempt = 0;
          this.setState('joined');
          this.emit('resumed', resumed);
          return;
        } catch (err) {
          if (err.code !== 'not_found') throw err;
          this.resumeToken = null;  // the session expired: join afresh below
        }
      }
      const joined = await this.request('join', { room: this.room });
      this.resumeToken = joined.resume_token;
      this.lastSeq = Number(joined.last_seq) || 0;
      this.retryAttempt = 0;
      this.setState('joined');
      this.emit('joined', joined);
    } catch (err) {
      if (ws !== this.ws) return;
      if (err.code === 'forbidden' || err.code === 'unauthorized' || err.code === 'bad_request') {
        this.teardown();
        this.setState('failed', err.message);
      } else {
        this.scheduleReconnect();
      }
    }
  }

  heartbeat(ws) {
    if (ws !== this.ws) return;
    if (Date.now() - this.lastPong > PONG_TIMEOUT_MS) {
      this.scheduleReconnect();  // half-open: the server would have answered by now
      return;
    }
    this.request('ping').then(() => { this.lastPong = Date.now(); }, () => {});
  }

  onMessage(ws, data) {
    if (ws !== this.ws) return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    this.lastPong = Date.now();  // anything from the server proves the connection alive
    if (typeof msg.re === 'string' && this.pending.has(msg.re)) {
      const p = this.pending.get(msg.re);
      this.pending.delete(msg.re);
      clearTimeout(p.timer);
      if (msg.type === 'error') p.reject(new SignalingError(msg.code, msg.message));
      else p.resolve(msg);
      if (msg.type === 'questions') this.noteSeq(msg.last_seq);
      return;
    }
    switch (msg.type) {
      case 'qna':
        this.noteSeq(msg.seq);
        this.emit('qna', msg);
        break;
      case 'questions':
        this.noteSeq(msg.last_seq);
        this.emit('questions', msg);
        break;
      case 'error':
        this.emit('server-error', msg);
        break;
      case 'presence': case 'broadcast_started': case 'broadcast_stopped': case 'stats': case 'qna_state':
        this.emit(msg.type, msg);
        break;
      default:
        break;
    }
  }

  noteSeq(seq) {
    const n = Number(seq);
    if (Number.isFinite(n) && n > this.lastSeq) this.lastSeq = n;
  }

  onClose(ws, ev) {
    if (ws !== this.ws) return;
    if (this.state === 'failed' || this.state === 'stopped') {
      this.teardown();
      return;
    }
    if (ev.code === 1000 && /replaced/.test(ev.reason || '')) {
      this.teardown();
      this.setState('failed', 'This class was opened again elsewhere.');
      return;
    }
    if (ev.code === 4003) {  // removed by an admin: no resume, no rejoin this session
      this.teardown();
      this.setState('failed', 'you were removed from the class');
      return;
    }
    this.scheduleReconnect();
  }
}
