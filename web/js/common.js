// Shared helpers for the AirClass pages: the rooms API, formatting, and safe DOM building.
// Text that comes from the server is only ever set with textContent.
(function () {
  'use strict';

  const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

  function validRoom(name) {
    return typeof name === 'string' && ROOM_PATTERN.test(name);
  }

  // GET /api/v1/rooms -> array of room objects. Rejects on HTTP errors, bad JSON or after timeoutMs.
  async function fetchRooms(timeoutMs = 4000) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      const res = await fetch('/api/v1/rooms', { cache: 'no-store', signal: ctrl.signal });
      if (!res.ok) throw new Error('rooms: HTTP ' + res.status);
      const body = await res.json();
      return Array.isArray(body && body.rooms) ? body.rooms : [];
    } finally {
      clearTimeout(timer);
    }
  }

  function hlsUrl(room) {
    if (room && typeof room.hls === 'string' && room.hls.startsWith('/hls/')) return room.hls;
    return '/hls/' + encodeURIComponent(room && room.room ? room.room : room) + '/index.m3u8';
  }

  function formatBitrate(bps) {
    if (!Number.isFinite(bps) || bps <= 0) return '';
    if (bps >= 1e6) return (bps / 1e6).toFixed(1) + ' Mbps';
    return Math.round(bps / 1e3) + ' kbps';
  }

  function formatSince(isoOrSeconds) {
    let t;
    if (typeof isoOrSeconds === 'number') t = isoOrSeconds > 1e12 ? isoOrSeconds : isoOrSeconds * 1000;
    else t = Date.parse(isoOrSeconds);
    if (!Number.isFinite(t)) return '';
    const mins = Math.max(0, Math.round((Date.now() - t) / 60000));
    if (mins < 1) return 'just started';
    if (mins < 60) return 'live for ' + mins + ' min';
    return 'live for ' + Math.floor(mins / 60) + ' h ' + (mins % 60) + ' min';
  }

  // el('span', {class: 'x'}, 'text'): an element whose text is set with textContent.
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  window.AirClass = { validRoom, fetchRooms, hlsUrl, formatBitrate, formatSince, el };
})();
