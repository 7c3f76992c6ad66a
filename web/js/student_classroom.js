// The student page's classroom: joins the room over /ws with the page's token, shows how many are in the class
// and the Q&A panel. Returns the SignalingClient (for other parts of the page: broadcast events), or null
// when the page has no token.
import { SignalingClient } from './signaling_client.js';
import { QnaPanel } from './qna_panel.js';
import { showPresence, showConnection } from './classroom_view.js';

export function startClassroom(room, token) {
  const countEl = document.getElementById('class-count');
  const statusEl = document.getElementById('class-status');
  const panelEl = document.getElementById('qna');
  if (!token) {
    showConnection(statusEl, 'no-token');
    panelEl.hidden = true;
    return null;
  }
  const client = new SignalingClient({ token, room });
  new QnaPanel(panelEl, client, { moderator: false });
  client.addEventListener('state', (e) => showConnection(statusEl, e.detail.state, e.detail.message, 'student', room));
  const onPresence = (e) => showPresence(countEl, e.detail.presence);
  client.addEventListener('joined', onPresence);
  client.addEventListener('resumed', onPresence);
  client.addEventListener('presence', onPresence);
  client.start();
  return client;
}
