// Admin console (admin.html): the live rooms table and the concurrent-viewers chart. Both follow the `stats`
// events that the server pushes every second over /ws (subscribe_stats); nothing is polled. The chart's past
// comes from GET /api/v1/stats/history once per range, its live tail from the events.
import { forgetToken, pageToken, tokenClaims } from './page_token.js';
import { SignalingClient } from './signaling_client.js';
import { ViewersChart } from './viewers_chart.js';
import {
  api, el, formatDuration, formatKbps, formatTime, loadAudit, num, showFatal,
} from './admin_common.js';

const main = document.getElementById('content');
const connEl = document.getElementById('conn');
const tbody = document.getElementById('rooms-body');
const roomsStatus = document.getElementById('rooms-status');
const filterInput = document.getElementById('filter');

let latest = null;          // the last stats message
let sortKey = 'viewers';
let sortDesc = true;
const rows = new Map();     // room -> { tr, cells: {key: td} }

// ---- columns --------------------------------------------------------------------------------------------

function uptimeMs(r, now) {
  return r.live && r.started_ms ? Math.max(0, now - r.started_ms) : -1;
}

function healthText(r) {
  const list = Array.isArray(r.renditions) ? r.renditions : [];
  if (!list.length) return { text: '–', ok: null };
  const bad = list.filter((x) => x && x.healthy === false);
  const text = list.map((x) => String(x.name || (x.height ? x.height + 'p' : '?')) +
    (x.healthy === false ? ' ✗' : ' ✓')).join(' ');
  return { text, ok: bad.length === 0, bad: bad.length };
}

// key -> [sort value, display text]
const COLUMNS = {
  room: (r) => [r.room, r.room],
  title: (r) => [r.title || '', r.title || '–'],
  teacher: (r) => [r.teacher || '', r.teacher || '–'],
  live: (r) => [r.live ? 1 : 0, r.live ? 'Live' : 'Offline'],
  uptime: (r, now) => { const u = uptimeMs(r, now); return [u, u < 0 ? '–' : formatDuration(u)]; },
  viewers: (r) => { const v = viewersOf(r); return [v, v]; },
  webrtc: (r) => [num(r.players && r.players.webrtc), r.players ? num(r.players.webrtc) : '–'],
  hls: (r) => [num(r.players && r.players.hls), r.players ? num(r.players.hls) : '–'],
  members: (r) => [num(r.counts && r.counts.total), num(r.counts && r.counts.total)],
  peak: (r) => [num(r.peak), num(r.peak)],
  bitrate: (r) => [num(r.ingest && r.ingest.bitrate_kbps), formatKbps(r.ingest && r.ingest.bitrate_kbps)],
  fps: (r) => { const f = r.ingest && r.ingest.fps; return [num(f), Number.isFinite(f) ? f.toFixed(f < 10 ? 1 : 0) : '–']; },
  dropped: (r) => [num(r.ingest && r.ingest.dropped_frames), r.ingest ? num(r.ingest.dropped_frames) : '–'],
  health: (r) => { const h = healthText(r); return [h.ok === null ? -1 : h.ok ? 1 : 0, h.text]; },
};
const NUMERIC = new Set(['uptime', 'viewers', 'webrtc', 'hls', 'members', 'peak', 'bitrate', 'fps', 'dropped']);

// De-duplicated students present; older servers only report the signaling students.
function viewersOf(r) {
  if (Number.isFinite(r.viewers)) return r.viewers;
  return num(r.counts && r.counts.student);
}

// ---- table ----------------------------------------------------------------------------------------------

function makeRow(room) {
  const tr = el('tr', { 'data-room': room });
  const cells = {};
  for (const key of Object.keys(COLUMNS)) {
    const td = el(key === 'room' ? 'th' : 'td', { class: NUMERIC.has(key) ? 'num' : undefined, 'data-key': key });
    if (key === 'room') {
      td.setAttribute('scope', 'row');
      const a = el('a', { href: 'admin_room.html?room=' + encodeURIComponent(room) }, room);
      td.append(a);
    }
    cells[key] = td;
    tr.append(td);
  }
  return { tr, cells };
}

function setCell(td, key, text, r) {
  const value = String(text);
  if (key === 'room') return;  // the link, fixed at creation
  if (key === 'live') {
    if (td.dataset.v === value) return;
    td.dataset.v = value;
    td.replaceChildren(el('span', { class: 'badge ' + (r.live ? 'live' : 'offline') }, value));
    return;
  }
  if (td.textContent !== value) td.textContent = value;
  if (key === 'peak') td.title = r.peak_ms ? 'at ' + formatTime(r.peak_ms) : '';
  if (key === 'health') {
    const h = healthText(r);
    td.className = h.ok === false ? 'unhealthy' : '';
  }
}

function matchesFilter(r, q) {
  if (!q) return true;
  return [r.room, r.title, r.teacher].some((s) => typeof s === 'string' && s.toLowerCase().includes(q));
}

function renderTable() {
  if (!latest) return;
  const now = num(latest.time_ms) || Date.now();
  const all = Array.isArray(latest.rooms) ? latest.rooms.filter((r) => r && typeof r.room === 'string') : [];
  const q = filterInput.value.trim().toLowerCase();
  const shown = all.filter((r) => matchesFilter(r, q));
  const key = sortKey;
  const dir = sortDesc ? -1 : 1;
  shown.sort((a, b) => {
    const va = COLUMNS[key](a, now)[0];
    const vb = COLUMNS[key](b, now)[0];
    const c = typeof va === 'string' ? va.localeCompare(vb) : va - vb;
    return c * dir || a.room.localeCompare(b.room);
  });

  const keep = new Set();
  const ordered = [];
  for (const r of shown) {
    let row = rows.get(r.room);
    if (!row) {
      row = makeRow(r.room);
      rows.set(r.room, row);
    }
    keep.add(r.room);
    row.tr.classList.toggle('offline', !r.live);
    for (const k of Object.keys(COLUMNS)) setCell(row.cells[k], k, COLUMNS[k](r, now)[1], r);
    ordered.push(row.tr);
  }
  for (const [room, row] of rows) {
    if (!keep.has(room)) {
      row.tr.remove();
      rows.delete(room);
    }
  }
  // Move rows only when the order changed (keeps focus and selection on a steady table).
  const current = Array.from(tbody.children);
  if (current.length !== ordered.length || current.some((tr, i) => tr !== ordered[i])) {
    tbody.replaceChildren(...ordered);
  }

  const live = all.filter((r) => r.live).length;
  roomsStatus.textContent = (all.length === 0 ? 'No rooms right now.' :
    shown.length + ' of ' + all.length + ' rooms shown, ' + live + ' live') + ' · updated ' + formatTime(now);
}

function setupSorting() {
  for (const th of document.querySelectorAll('#rooms-head th')) {
    const key = th.dataset.key;
    const button = el('button', { type: 'button', class: 'sort' }, th.textContent);
    th.replaceChildren(button);
    button.addEventListener('click', () => {
      if (sortKey === key) sortDesc = !sortDesc;
      else {
        sortKey = key;
        sortDesc = NUMERIC.has(key) || key === 'live';
      }
      showSort();
      renderTable();
    });
  }
  showSort();
}

function showSort() {
  for (const th of document.querySelectorAll('#rooms-head th')) {
    if (th.dataset.key === sortKey) th.setAttribute('aria-sort', sortDesc ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

// ---- totals ---------------------------------------------------------------------------------------------

function renderTotals(stats) {
  const t = stats.totals || {};
  const rooms = Array.isArray(stats.rooms) ? stats.rooms : [];
  const sum = (f) => rooms.reduce((acc, r) => acc + num(f(r)), 0);
  const set = (id, v) => { document.getElementById(id).textContent = String(v); };
  set('total-viewers', Number.isFinite(t.viewers) ? t.viewers : sum(viewersOf));
  set('total-webrtc', Number.isFinite(t.webrtc) ? t.webrtc : sum((r) => r.players && r.players.webrtc));
  set('total-hls', Number.isFinite(t.hls) ? t.hls : sum((r) => r.players && r.players.hls));
  set('total-members', Number.isFinite(t.members) ? t.members : num(t.total));
  set('total-live', Number.isFinite(t.rooms_live) ? t.rooms_live : rooms.filter((r) => r.live).length);
  set('total-peak', Number.isFinite(t.peak_today) ? t.peak_today : '–');
  set('total-peak-time', t.peak_today_ms ? 'at ' + formatTime(t.peak_today_ms) : '');
}

// ---- wiring ---------------------------------------------------------------------------------------------

function setConn(state, text) {
  connEl.dataset.state = state;
  connEl.textContent = text;
}

async function start() {
  const token = await pageToken('admin', '');
  if (!token) {
    setConn('fatal', 'No token');
    showFatal(main, 'This console needs an admin link',
      'Open admin.html?token=<an admin token> (mint one with: airclass token --role admin --user <you>).');
    return;
  }
  const claims = tokenClaims(token);
  if (claims.name || claims.sub) document.getElementById('who').textContent = 'Signed in as ' + (claims.name || claims.sub);

  setupSorting();
  filterInput.addEventListener('input', renderTable);

  const chart = new ViewersChart(document.getElementById('chart'), document.getElementById('chart-note'),
    (range, room) => api('/api/v1/stats/history?range=' + range + (room ? '&room=' + encodeURIComponent(room) : ''),
      token));
  for (const b of document.querySelectorAll('#ranges button')) {
    b.addEventListener('click', () => {
      for (const o of document.querySelectorAll('#ranges button')) o.setAttribute('aria-pressed', String(o === b));
      chart.setRange(b.dataset.range);
    });
  }

  // A full snapshot replaces the rooms; the per-second deltas carry only the changed fields of changed rooms
  // and the rooms that are gone (docs/protocol.md, stats).
  const byRoom = new Map();
  const onStats = (msg) => {
    if (msg.full !== false) byRoom.clear();
    for (const r of Array.isArray(msg.rooms) ? msg.rooms : []) {
      if (!r || typeof r.room !== 'string') continue;
      const merged = byRoom.get(r.room) || {};
      byRoom.set(r.room, Object.assign(merged, r));
    }
    for (const name of Array.isArray(msg.removed) ? msg.removed : []) byRoom.delete(name);
    latest = { time_ms: msg.time_ms, totals: msg.totals || {}, rooms: Array.from(byRoom.values()) };
    renderTotals(latest);
    renderTable();
    chart.addStats(latest, viewersOf);
  };

  const fatal = (err) => {
    setConn('fatal', 'Not allowed');
    forgetToken('admin', '');
    showFatal(main, err.code === 'forbidden' ? 'This token is not an admin\'s' : 'The token was refused',
      err.message + '. The console needs an admin token (airclass token --role admin --user <you>).');
  };
  const refreshAudit = () => loadAudit(token, document.getElementById('audit-body'),
    document.getElementById('audit-status'));
  document.getElementById('audit-refresh').addEventListener('click', refreshAudit);
  refreshAudit();

  const client = new SignalingClient({ token, room: null });
  client.addEventListener('stats', (e) => onStats(e.detail));
  client.addEventListener('state', async (e) => {
    const { state, message } = e.detail;
    if (state === 'joined') {  // authenticated (no room): (re)subscribe; the reply is a full snapshot
      setConn('open', 'Live');
      try {
        onStats(await client.request('subscribe_stats', { enabled: true }));
      } catch (err) {
        if (err.code === 'forbidden' || err.code === 'unauthorized') {
          client.stop();
          fatal(err);
        }
      }
    } else if (state === 'connecting') setConn('connecting', 'Connecting…');
    else if (state === 'reconnecting') setConn('closed', 'Reconnecting…');
    else if (state === 'failed') fatal({ code: 'unauthorized', message: message || 'the token was refused' });
  });
  client.start();

  window.airclassAdmin = {
    get stats() { return latest; },
    get chartPoints() { return chart.pointCount(); },
    get chartSeries() { return chart.seriesLabels(); },
  };
}

start();
