// Small renderers shared by the student and teacher pages: the class count and the connection status line.
import { forgetToken } from './page_token.js';

const CONNECTION_TEXT = {
  connecting: ['Joining the class…', 'info'],
  joined: ['In the class', 'ok'],
  reconnecting: ['Connection lost; reconnecting…', 'warn'],
  stopped: ['Left the class', 'info'],
  'no-token': ['To join the class and ask questions you need a link with a token: ask your teacher for the ' +
    'lesson link.', 'error'],
};

// presence: {counts: {teacher, student, admin, total}, participants?}
export function showPresence(countEl, presence) {
  const counts = presence && presence.counts;
  if (!counts) return;
  const total = Number(counts.total) || 0;
  countEl.textContent = String(total);
  countEl.dataset.count = String(total);
  countEl.title = (Number(counts.student) || 0) + ' students, ' + (Number(counts.teacher) || 0) + ' teachers';
}

export function showConnection(statusEl, state, message = '', role = '', room = '') {
  let [text, kind] = CONNECTION_TEXT[state] || ['', 'info'];
  if (state === 'failed') {
    forgetToken(role, room);  // refused: a reload should not try it again
    text = 'Cannot join the class: ' + (message || 'the link is not valid') +
      '. Open the lesson again from a fresh link.';
    kind = 'error';
  } else if (state === 'reconnecting' && message) {
    text = message;
  }
  statusEl.textContent = text;
  statusEl.dataset.state = state;
  statusEl.dataset.kind = kind;
}
