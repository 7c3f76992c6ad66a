// Index page: the live rooms, refreshed every few seconds; each links to the student page.
(function () {
  'use strict';
  const { fetchRooms, formatSince, el, validRoom } = window.AirClass;
  const POLL_MS = 3000;

  const list = document.getElementById('rooms');
  const status = document.getElementById('rooms-status');
  let lastKey = '';

  function roomCard(room) {
    const li = el('li', { 'data-room': room.room });
    const a = el('a', { class: 'room-card', href: 'student.html?room=' + encodeURIComponent(room.room) });
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
      const key = JSON.stringify([minute, rooms.map((r) => [r.room, r.teacher, r.started_at, r.renditions])]);
      if (key !== lastKey) {
        lastKey = key;
        list.replaceChildren(...rooms.map(roomCard));
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

  refresh();
})();
