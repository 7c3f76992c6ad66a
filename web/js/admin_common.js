// Shared by the admin pages (admin.html, admin_room.html): REST calls with the admin token, file downloads,
// formatting, safe DOM building and a confirm dialog. Server text is only ever set with textContent.
// (The token itself comes from page_token.js, the websocket from signaling_client.js.)

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(path, token, { method = 'GET', body, timeoutMs = 8000 } = {}) {
  const headers = { Authorization: 'Bearer ' + token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method, headers, cache: 'no-store', signal: AbortSignal.timeout(timeoutMs),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'network', 'cannot reach the server (' + err.name + ')');
  }
  if (!res.ok) {
    let code = 'http_' + res.status;
    let message = 'HTTP ' + res.status;
    try {
      const j = await res.json();
      if (j && j.error) {
        code = String(j.error.code || code);
        message = String(j.error.message || message);
      }
    } catch { /* not JSON */ }
    throw new ApiError(res.status, code, message);
  }
  return res;
}

// A JSON REST call with the admin token; throws ApiError with the server's error code and message.
export async function api(path, token, options) {
  const res = await request(path, token, options);
  const text = await res.text();
  return text ? JSON.parse(text) : {};
}

// GET `path` with the token and save the answer as a file (the token stays in a header, not in a link).
export async function downloadFile(path, token, filename) {
  const res = await request(path, token, { timeoutMs: 30000 });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return blob;
}

// el('td', {class: 'num'}, 42): an element whose text is set with textContent.
export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function num(v) {
  return Number.isFinite(v) ? v : 0;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return h + ' h ' + String(m).padStart(2, '0') + ' min';
  if (m > 0) return m + ' min ' + String(sec).padStart(2, '0') + ' s';
  return sec + ' s';
}

export function formatTime(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return '–';
  const d = new Date(ms);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (d.toDateString() === today.toDateString()) return time;
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + time;
}

export function formatKbps(kbps) {
  if (!Number.isFinite(kbps) || kbps <= 0) return '–';
  return kbps >= 1000 ? (kbps / 1000).toFixed(1) + ' Mbps' : Math.round(kbps) + ' kbps';
}

// A modal confirm dialog (<dialog>): resolves true when the admin confirms. `message` is set as text.
export function confirmAction(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = el('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' });
    const form = el('form', { method: 'dialog' });
    form.append(el('h2', { id: 'confirm-title' }, title), el('p', {}, message));
    const buttons = el('div', { class: 'dialog-buttons' });
    const cancel = el('button', { type: 'submit', value: 'cancel', class: 'dialog-cancel' }, 'Cancel');
    const ok = el('button', { type: 'submit', value: 'ok', class: 'primary danger dialog-confirm' }, confirmLabel);
    buttons.append(cancel, ok);
    form.append(buttons);
    dialog.append(form);
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// Shows a blocking error state in place of the page's content (e.g. a token that is not an admin's).
export function showFatal(container, title, detail) {
  const box = el('div', { class: 'notice error', role: 'alert', id: 'fatal' });
  box.append(el('h2', {}, title), el('p', {}, detail));
  container.replaceChildren(box);
}

// GET /api/v1/audit into a table body (newest first); `room` keeps only that room's entries.
export async function loadAudit(token, tbody, statusEl, room = null) {
  try {
    const body = await api('/api/v1/audit?limit=' + (room ? 500 : 50), token);
    const entries = (Array.isArray(body.entries) ? body.entries : []).filter((e) => e && (!room || e.room === room));
    tbody.replaceChildren(...entries.map((e) => {
      const tr = el('tr', { 'data-action': e.action, 'data-room': e.room });
      tr.append(el('td', {}, formatTime(e.time_ms)), el('td', {}, e.actor), el('td', {}, e.action));
      if (!room) tr.append(el('td', {}, e.room || '–'));
      tr.append(el('td', {}, e.target || '–'));
      return tr;
    }));
    statusEl.textContent = entries.length ? '' : (room ? 'No admin action in this room yet.' : 'No admin action yet.');
    statusEl.classList.remove('error');
  } catch (err) {
    statusEl.textContent = 'Audit log: ' + err.message;
    statusEl.classList.add('error');
  }
}
