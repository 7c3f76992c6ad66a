// Where a page gets its JWT: `?token=` in the address (then removed from the address bar and kept in
// sessionStorage for reloads), else sessionStorage, else -- in demo mode only -- a fresh short-lived token from
// GET /api/v1/demo/token. Returns null when there is none: the page then asks for a link with a token.
const KEY_PREFIX = 'airclass.token.';

function storageKey(role, room) {
  return KEY_PREFIX + role + '.' + room;
}

function readStored(key) {
  try { return sessionStorage.getItem(key); } catch { return null; }
}

function store(key, token) {
  try { sessionStorage.setItem(key, token); } catch { /* private mode: the token lives for this page only */ }
}

// The token's claims, decoded without verification (the server verifies): for display only.
export function tokenClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(part),
      (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    const claims = JSON.parse(json);
    return claims && typeof claims === 'object' ? claims : {};
  } catch {
    return {};
  }
}

// GET /api/v1/demo/token: a token when the server runs with --demo, null otherwise (404).
export async function demoToken(role, room, name) {
  const query = new URLSearchParams({ role, room });
  if (name) query.set('name', name);
  try {
    const res = await fetch('/api/v1/demo/token?' + query, { cache: 'no-store', signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    const body = await res.json();
    return typeof body.token === 'string' ? body.token : null;
  } catch {
    return null;
  }
}

export async function pageToken(role, room) {
  const key = storageKey(role, room);
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    store(key, fromUrl);
    return fromUrl;
  }
  const stored = readStored(key);
  if (stored) return stored;
  const minted = await demoToken(role, room, params.get('name'));
  if (minted) store(key, minted);
  return minted;
}

// Drops a token the server refused (expired, wrong secret), so a reload does not reuse it.
export function forgetToken(role, room) {
  try { sessionStorage.removeItem(storageKey(role, room)); } catch { /* nothing stored */ }
}
