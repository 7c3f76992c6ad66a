// Teacher page: joins the class as its teacher over /ws and shows who is in it (names, roles, count), whether the
// lesson is live (broadcast_started / broadcast_stopped), and the Q&A list with the moderation controls.
// The camera / screen broadcast (WHIP) renders into <section id="broadcast"> from teacher_broadcast.js.
import { pageToken, tokenClaims } from './page_token.js';
import { SignalingClient } from './signaling_client.js';
import { QnaPanel } from './qna_panel.js';
import { showConnection, showPresence } from './classroom_view.js';

const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ROLE_ORDER = { teacher: 0, admin: 1, student: 2 };

const roomTitle = document.getElementById('room-title');
const statusEl = document.getElementById('class-status');
const countEl = document.getElementById('class-count');
const breakdownEl = document.getElementById('class-breakdown');
const listEl = document.getElementById('participant-list');
const liveEl = document.getElementById('broadcast-state');
const panelEl = document.getElementById('qna');

function showLive(live) {
  liveEl.textContent = live ? 'Live' : 'Not live';
  liveEl.dataset.live = live ? 'true' : 'false';
  liveEl.className = 'badge ' + (live ? 'live' : 'offline');
}

function showParticipants(presence) {
  if (!presence || !presence.counts) return;
  showPresence(countEl, presence);
  const c = presence.counts;
  const n = (count, word) => count + ' ' + word + (count === 1 ? '' : 's');
  breakdownEl.textContent = n(Number(c.student) || 0, 'student') + ' · ' + n(Number(c.teacher) || 0, 'teacher') +
    (Number(c.admin) ? ' · ' + n(Number(c.admin), 'admin') : '');
  if (!Array.isArray(presence.participants)) return;
  const people = [...presence.participants].sort((a, b) =>
    (ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3) || String(a.name).localeCompare(String(b.name)));
  listEl.replaceChildren(...people.map((p) => {
    const li = document.createElement('li');
    li.dataset.user = String(p.user);
    li.dataset.role = String(p.role);
    const name = document.createElement('span');
    name.className = 'participant-name';
    name.textContent = p.name || p.user;
    const role = document.createElement('span');
    role.className = 'badge role-' + p.role;
    role.textContent = p.role;
    li.append(name, ' ', role);
    return li;
  }));
}

async function main() {
  const params = new URLSearchParams(location.search);
  let room = params.get('room') || '';
  if (!room && params.get('token')) room = tokenClaims(params.get('token')).room || '';
  if (!ROOM_PATTERN.test(room)) {
    showConnection(statusEl, 'failed', 'no room given (open teacher.html?room=NAME with your link)');
    return;
  }
  roomTitle.textContent = room;
  document.title = room + ' — AirClass teacher';
  const token = await pageToken('teacher', room);
  if (!token) {
    showConnection(statusEl, 'no-token');
    return;
  }
  const client = new SignalingClient({ token, room });
  new QnaPanel(panelEl, client, { moderator: true });
  client.addEventListener('state', (e) => showConnection(statusEl, e.detail.state, e.detail.message, 'teacher', room));
  client.addEventListener('joined', (e) => {
    showLive(Boolean(e.detail.live));
    showParticipants(e.detail.presence);
  });
  client.addEventListener('resumed', (e) => {
    showLive(Boolean(e.detail.live));
    showParticipants(e.detail.presence);
  });
  client.addEventListener('presence', (e) => showParticipants(e.detail.presence));
  client.addEventListener('broadcast_started', () => showLive(true));
  client.addEventListener('broadcast_stopped', () => showLive(false));
  client.start();
  window.airclassTeacher = { client, room };
}

main();
