// Index page: the live rooms, refreshed every few seconds; each links to the student page. In demo mode (the
// server answers GET /api/v1/demo/token) each room also links to its teacher page, and following a link first
// fetches a demo token for it, so the pages work without copying tokens.
(function () {
  'use strict';
  const { fetchRooms, formatSince, el, validRoom } = window.AirClass;
  const POLL_MS = 3000;

  const list = document.getElementById('rooms');
  const status = document.getElementById('rooms-status');
  const demoBox = document.getElementById('demo');
  const nameInput = document.getElementById('demo-name');
  const demoTeach = document.getElementById('demo-teach');
  let lastKey = '';
  let demo = false;

  async function demoToken(role, room) {
    const query = new URLSearchParams({ role, room });
    if (nameInput && nameInput.value.trim()) query.set('name', nameInput.value.trim());
    const res = await fetch('/api/v1/demo/token?' + query, { cache: 'no-store' });
    if (!res.ok) throw new Error('demo token: HTTP ' + res.status);
    return (await res.json()).token;
  }

  // In demo mode a click on a room link goes there with a fresh token (?token=, which the page then hides).
  document.addEventListener('click', async (event) => {
    const link = event.target.closest && event.target.closest('a[data-role]');
    if (!demo || !link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    try {
      const token = await demoToken(link.dataset.role, link.dataset.roomName);
      location.href = link.href + '&token=' + encodeURIComponent(token);
    } catch {
      location.href = link.href;
    }
  });

  function roomCard(room) {
    const li = el('li', { 'data-room': room.room });
    const a = el('a', { class: 'room-card', href: 'student.html?room=' + encodeURIComponent(room.room),
      'data-role': 'student', 'data-room-name': room.room });
    const title = el('div', { class: 'room-name' });
    title.append(el('span', {}, room.room), ' ', el('span', { class: 'badge live' }, 'Live'));
    a.append(title);
    const meta = [];
    if (room.teacher) meta.push('Teacher: ' + room.teacher);
    const since = room.started_at ? formatSince(room.started_at) : '';
    if (since) meta.push(since);
    if (Array.isArray(room.renditions) && room.renditions.length) {
      const best = Math.max(...room.renditions.map((r) => Number(r.height) || 0));
      if (best > 0) meta.push('up to ' + best + 'p');
    }
    if (meta.length) a.append(el('div', { class: 'room-meta' }, meta.join(' · ')));
    li.append(a);
    return li;
  }

  async function refresh() {
    try {
      const rooms = (await fetchRooms())
        .filter((r) => r && r.live && validRoom(r.room))
        .sort((a, b) => a.room.localeCompare(b.room));
      const minute = Math.floor(Date.now() / 60000);  // refreshes the "live for" text
      const key = JSON.stringify([minute, demo, rooms.map((r) => [r.room, r.teacher, r.started_at, r.renditions])]);
      if (key !== lastKey) {
        lastKey = key;
        list.replaceChildren(...rooms.map(roomCard));
        if (demo && demoTeach) {
          const links = rooms.map((r) => el('a', { class: 'teacher-link', href: 'teacher.html?room=' +
            encodeURIComponent(r.room), 'data-role': 'teacher', 'data-room-name': r.room }, r.room));
          demoTeach.replaceChildren(...links.flatMap((link, i) => (i ? [' · ', link] : [link])));
        }
      }
      status.textContent = rooms.length
        ? rooms.length + (rooms.length === 1 ? ' lesson is live.' : ' lessons are live.')
        : 'No lesson is live right now. This list updates by itself.';
      status.classList.remove('error');
    } catch (err) {
      status.textContent = 'Cannot reach the server; retrying…';
      status.classList.add('error');
    } finally {
      setTimeout(refresh, POLL_MS);
    }
  }

  // Demo mode: the token endpoint answers (a 404 otherwise).
  fetch('/api/v1/demo/token?role=student&room=demo', { cache: 'no-store' }).then((res) => {
    demo = res.ok;
    if (demoBox) demoBox.hidden = !demo;
  }, () => {}).finally(refresh);
})();
