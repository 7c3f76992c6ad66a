// Admin room page (admin_room.html?room=R): what the students see (the student page's player), the room's live
// numbers (from the `stats` events), participants with kick, the Q&A with moderation (qna_panel.js), the past
// sessions with their attendance and a CSV download, the actions (end broadcast, close/reopen the Q&A), each
// behind a confirm dialog, and the room's audit log.
import { forgetToken, pageToken, tokenClaims } from './page_token.js';
import { SignalingClient } from './signaling_client.js';
import { QnaPanel } from './qna_panel.js';
import { startLessonPlayer } from './lesson_player.js';
import {
  api, confirmAction, downloadFile, el, formatDuration, formatKbps, formatTime, loadAudit, num, showFatal,
} from './admin_common.js';

const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ROLE_ORDER = { teacher: 0, admin: 1, student: 2 };

const $ = (id) => document.getElementById(id);
const main = $('content');
const room = new URLSearchParams(location.search).get('room') || '';
const roomPath = '/api/v1/rooms/' + encodeURIComponent(room);

let token = '';
let me = {};
let facts = null;           // this room's merged stats
let selectedSession = null;

function setConn(state, text) {
  $('conn').dataset.state = state;
  $('conn').textContent = text;
}

function setStatus(id, text, error = false) {
  $(id).textContent = text;
  $(id).classList.toggle('error', error);
}

// ---- live numbers ---------------------------------------------------------------------------------------

function onStats(msg) {
  if (msg.full !== false) facts = null;
  for (const r of Array.isArray(msg.rooms) ? msg.rooms : []) {
    if (r && r.room === room) facts = Object.assign(facts || {}, r);
  }
  if (Array.isArray(msg.removed) && msg.removed.includes(room)) facts = null;
  renderFacts();
}

function renderFacts() {
  const f = facts || {};
  const set = (id, v) => { if ($(id).textContent !== String(v)) $(id).textContent = String(v); };
  set('fact-live', f.live ? 'Live' : 'Not live');
  set('fact-uptime', f.live && f.started_ms ? 'for ' + formatDuration(Date.now() - f.started_ms) : '');
  $('fact-live').className = 'value ' + (f.live ? 'state-live' : 'state-waiting');
  set('fact-viewers', Number.isFinite(f.viewers) ? f.viewers : num(f.counts && f.counts.student));
  set('fact-players', f.players ? num(f.players.webrtc) + ' · ' + num(f.players.hls) : '–');
  set('fact-members', num(f.counts && f.counts.total));
  set('fact-peak', num(f.peak));
  set('fact-peak-time', f.peak_ms ? 'at ' + formatTime(f.peak_ms) : '');
  const ing = f.ingest;
  set('fact-ingest', ing ? [ing.protocol, formatKbps(ing.bitrate_kbps),
    Number.isFinite(ing.fps) ? Math.round(ing.fps) + ' fps' : '', num(ing.dropped_frames) + ' dropped']
    .filter(Boolean).join(' · ') : '–');
  const qnaOpen = f.qna_open !== false;
  set('fact-qna', qnaOpen ? 'Open' : 'Closed');
  const qnaButton = $('action-qna');
  qnaButton.dataset.open = String(qnaOpen);
  set('action-qna', qnaOpen ? 'Close Q&A' : 'Reopen Q&A');
  $('action-end').disabled = !f.live;
}

// ---- participants ---------------------------------------------------------------------------------------

function renderParticipants(presence) {
  if (!presence || !presence.counts) return;
  const c = presence.counts;
  $('people-count').textContent = '(' + num(c.total) + ': ' + num(c.student) + ' students, ' + num(c.teacher) +
    ' teachers, ' + num(c.admin) + ' admins)';
  if (!Array.isArray(presence.participants)) return;
  const people = [...presence.participants].sort((a, b) =>
    (ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3) || String(a.name).localeCompare(String(b.name)));
  $('participants').replaceChildren(...people.map((p) => {
    const li = el('li', { 'data-user': p.user, 'data-role': p.role });
    const who = el('span');
    who.append(el('span', { class: 'who-name' }, p.name || p.user), ' ', el('span', { class: 'role' }, p.role));
    li.append(who);
    if (p.user !== me.sub) {
      const kick = el('button', { type: 'button', class: 'small-button kick' }, 'Remove');
      kick.setAttribute('aria-label', 'Remove ' + (p.name || p.user) + ' from the room');
      kick.addEventListener('click', () => kickUser(p));
      li.append(kick);
    }
    return li;
  }));
}

// ---- actions --------------------------------------------------------------------------------------------

async function act(what, confirmArgs, call) {
  if (!(await confirmAction(...confirmArgs))) return;
  setStatus('action-status', what + '…');
  try {
    await call();
    setStatus('action-status', what + ': done.');
  } catch (err) {
    setStatus('action-status', what + ' failed: ' + err.message, true);
  }
  refreshAudit();
}

function kickUser(p) {
  const name = p.name || p.user;
  act('Removing ' + name, ['Remove ' + name + '?',
    name + ' (' + p.user + ') is disconnected from room ' + room + ' and cannot rejoin until this class session ends.',
    'Remove'], () => api(roomPath + '/kick', token, { method: 'POST', body: { user: p.user } }));
}

function setupActions() {
  $('action-end').addEventListener('click', () => act('Ending the broadcast', ['End the broadcast?',
    'The teacher\'s stream in room ' + room + ' is disconnected now and every student\'s player stops.',
    'End broadcast'], () => api(roomPath + '/end', token, { method: 'POST' }).then(() => setTimeout(loadSessions, 1500))));
  $('action-qna').addEventListener('click', () => {
    const open = $('action-qna').dataset.open !== 'true';
    act(open ? 'Reopening the Q&A' : 'Closing the Q&A', open
      ? ['Reopen the Q&A?', 'Students in room ' + room + ' can ask questions again.', 'Reopen Q&A']
      : ['Close the Q&A?', 'Students in room ' + room + ' can no longer ask questions (existing ones stay).',
        'Close Q&A'],
    async () => {
      const reply = await api(roomPath + '/qna', token, { method: 'POST', body: { open } });
      facts = Object.assign(facts || {}, { qna_open: reply.open !== undefined ? Boolean(reply.open) : open });
      renderFacts();
    });
  });
}

// ---- sessions and attendance ----------------------------------------------------------------------------

async function loadSessions() {
  try {
    const body = await api(roomPath + '/sessions', token);
    const sessions = Array.isArray(body.sessions) ? body.sessions : [];
    $('sessions-body').replaceChildren(...sessions.map((s) => {
      const tr = el('tr', { class: 'session-row', 'data-session': s.id });
      tr.append(el('td', {}, '#' + s.id + (s.live ? ' (live)' : '')), el('td', {}, formatTime(s.started_ms)),
        el('td', {}, s.ended_ms ? formatTime(s.ended_ms) : '–'),
        el('td', { class: 'num' }, formatDuration(s.duration_ms)), el('td', { class: 'num' }, num(s.peak)));
      const td = el('td');
      const b = el('button', { type: 'button', class: 'small-button' }, 'Attendance');
      b.addEventListener('click', () => loadAttendance(s.id));
      td.append(b);
      tr.append(td);
      if (s.id === selectedSession) tr.setAttribute('aria-current', 'true');
      return tr;
    }));
    setStatus('sessions-status', sessions.length ? '' : 'No class session yet (a session is one live period).');
    if (selectedSession === null && sessions.length) loadAttendance(sessions[0].id);
  } catch (err) {
    setStatus('sessions-status', 'Sessions: ' + err.message, true);
  }
}

function attendancePath(id) {
  return roomPath + '/sessions/' + encodeURIComponent(id) + '/attendance';
}

async function loadAttendance(id) {
  selectedSession = id;
  for (const tr of document.querySelectorAll('#sessions-body tr')) {
    if (tr.dataset.session === String(id)) tr.setAttribute('aria-current', 'true');
    else tr.removeAttribute('aria-current');
  }
  try {
    const body = await api(attendancePath(id), token);
    const students = Array.isArray(body.students) ? body.students : [];
    $('attendance').hidden = false;
    $('attendance').dataset.session = String(id);
    $('attendance-heading').textContent = 'Attendance of session #' + id;
    const met = students.filter((s) => s.met_minimum).length;
    $('attendance-summary').textContent = students.length + ' students, ' + met + ' met the minimum of ' +
      Math.round(num(body.min_ratio) * 100) + '% of ' + formatDuration(body.duration_ms) + '.';
    $('attendance-body').replaceChildren(...students.map((s) => {
      const tr = el('tr', { 'data-user': s.user });
      tr.append(el('td', {}, s.name || s.user), el('td', {}, s.user), el('td', {}, formatTime(s.first_join_ms)),
        el('td', {}, s.present ? 'present' : formatTime(s.last_leave_ms)),
        el('td', { class: 'num' }, formatDuration(s.present_ms)), el('td', { class: 'num' }, num(s.reconnects)),
        el('td', { class: 'num' }, Math.round(num(s.ratio) * 100) + '%'), el('td', {}, s.met_minimum ? 'yes' : 'no'));
      return tr;
    }));
  } catch (err) {
    setStatus('sessions-status', 'Attendance: ' + err.message, true);
  }
}

async function downloadCsv() {
  if (selectedSession === null) return;
  try {
    await downloadFile(attendancePath(selectedSession) + '?format=csv', token,
      'attendance-' + room + '-' + selectedSession + '.csv');
  } catch (err) {
    setStatus('sessions-status', 'CSV: ' + err.message, true);
  }
}

function refreshAudit() {
  return loadAudit(token, $('audit-body'), $('audit-status'), room);
}

// ---- start ----------------------------------------------------------------------------------------------

async function start() {
  if (!ROOM_PATTERN.test(room)) {
    setConn('fatal', 'No room');
    showFatal(main, 'No such room', 'Open a room from the admin console.');
    return;
  }
  $('room-title').textContent = room;
  document.title = room + ' — AirClass admin';
  token = await pageToken('admin', '');
  const fatal = (title, detail) => {
    setConn('fatal', 'Not allowed');
    showFatal(main, title, detail);
  };
  if (!token) {
    fatal('This page needs an admin link', 'Open admin_room.html?room=' + room + '&token=<an admin token>.');
    return;
  }
  me = tokenClaims(token);
  if (me.role !== 'admin') {  // don't join the room as someone else; the server would refuse the admin calls
    forgetToken('admin', '');
    fatal('This token is not an admin\'s', 'The room page needs an admin token (airclass token --role admin).');
    return;
  }
  if (me.name || me.sub) $('who').textContent = 'Signed in as ' + (me.name || me.sub);

  const client = new SignalingClient({ token, room });
  new QnaPanel($('qna'), client, { moderator: true, canAsk: false });
  const onPresence = (e) => renderParticipants(e.detail.presence);
  client.addEventListener('joined', onPresence);
  client.addEventListener('resumed', onPresence);
  client.addEventListener('presence', onPresence);
  client.addEventListener('stats', (e) => onStats(e.detail));
  client.addEventListener('broadcast_started', () => setTimeout(loadSessions, 500));
  client.addEventListener('broadcast_stopped', () => setTimeout(loadSessions, 500));
  client.addEventListener('state', async (e) => {
    const { state, message } = e.detail;
    if (state === 'joined') {
      setConn('open', 'Live');
      try {
        onStats(await client.request('subscribe_stats', { enabled: true }));
      } catch (err) {
        if (err.code === 'forbidden') {
          client.stop();
          forgetToken('admin', '');
          fatal('This token is not an admin\'s', err.message + '. The room page needs an admin token.');
        }
      }
    } else if (state === 'connecting') setConn('connecting', 'Connecting…');
    else if (state === 'reconnecting') setConn('closed', 'Reconnecting…');
    else if (state === 'failed') {
      forgetToken('admin', '');
      fatal('The token was refused', (message || 'not allowed') + '. The room page needs an admin token.');
    }
  });
  client.start();

  const player = startLessonPlayer(room, { token });  // the admin's token: their player is not a student's
  setupActions();
  $('attendance-csv').addEventListener('click', downloadCsv);
  setInterval(renderFacts, 1000);  // the uptime
  loadSessions();
  refreshAudit();
  window.airclassAdminRoom = { client, room, player, get facts() { return facts; } };
}

start();
