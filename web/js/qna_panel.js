// The Q&A panel of the student and teacher pages: the room's questions, live, ordered by votes or by time.
// Students ask (length limit shown, optionally anonymous to classmates), upvote once and read the answers;
// moderators (the teacher, admins) answer with an optional text, dismiss, reopen, pin, approve pending
// questions and switch moderation on or off. It renders into a container and talks through a SignalingClient.
// Every text from the server is set with textContent, never parsed as HTML.

const DEFAULT_MAX_CHARS = 500;

const STATE_LABELS = { pending: 'Awaiting approval', open: 'Open', answered: 'Answered', dismissed: 'Dismissed' };

const ERROR_TEXT = {
  rate_limited: 'You are asking too quickly: ',
  too_large: 'Too long: ',
  forbidden: 'Not allowed: ',
  conflict: '',
  offline: '',
  timeout: '',
  disconnected: '',
};

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function charCount(text) {
  return Array.from(text).length;  // the server counts UTF-8 characters (code points)
}

function formatTime(ms) {
  const d = new Date(Number(ms));
  return Number.isFinite(d.getTime()) ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
}

export function errorText(err) {
  const prefix = ERROR_TEXT[err && err.code] ?? '';
  const message = String((err && err.message) || 'Something went wrong.').replace(/^[a-z_]+: /, '');  // "ask: "
  return prefix + message;
}

export class QnaPanel {
  // root: an element to render into; client: a SignalingClient; moderator: the teacher / admin controls.
  constructor(root, client, { moderator = false, canAsk = !moderator } = {}) {
    this.root = root;
    this.client = client;
    this.moderator = moderator;
    this.canAsk = canAsk;
    this.questions = new Map();   // id -> question view (as the server sent it to us)
    this.order = 'votes';
    this.moderation = false;
    this.maxChars = DEFAULT_MAX_CHARS;
    this.mine = new Map();        // my questions awaiting approval: id -> text
    this.voted = new Set();
    this.votedKey = null;
    this.answering = null;        // the question id whose answer box is open
    this.build();
    client.addEventListener('joined', (e) => this.onSnapshot(e.detail, true));
    client.addEventListener('questions', (e) => this.onSnapshot(e.detail, false));
    client.addEventListener('qna', (e) => this.onEvent(e.detail));
    client.addEventListener('state', (e) => this.onState(e.detail));
    client.addEventListener('server-error', (e) => this.showStatus(errorText(e.detail), 'error'));
    client.addEventListener('qna_state', (e) => {
      this.showStatus(e.detail.open ? 'The Q&A is open again.' : 'The Q&A of this class is closed for now.',
        e.detail.open ? 'ok' : 'warn');
    });
  }

  // ---- DOM ------------------------------------------------------------------------------------------------

  build() {
    this.root.classList.add('qna');
    const head = el('div', { class: 'qna-head' });
    this.title = el('h2', { id: 'qna-title' }, 'Questions');
    this.orderSelect = el('select', { id: 'qna-order', 'aria-label': 'Order questions by' });
    this.orderSelect.append(el('option', { value: 'votes' }, 'Most votes'), el('option', { value: 'time' }, 'Newest'));
    this.orderSelect.addEventListener('change', () => {
      this.order = this.orderSelect.value === 'time' ? 'time' : 'votes';
      this.render();
    });
    head.append(this.title, this.orderSelect);
    this.root.append(head);

    if (this.moderator) {
      const label = el('label', { class: 'qna-moderation' });
      this.moderationToggle = el('input', { type: 'checkbox', id: 'qna-moderation-toggle' });
      this.moderationToggle.addEventListener('change', () => this.setModeration(this.moderationToggle.checked));
      label.append(this.moderationToggle, ' Approve questions before students see them');
      this.root.append(label);
    }
    this.moderationNote = el('p', { class: 'muted qna-note', id: 'qna-moderation-note', hidden: true },
      this.moderator ? 'Moderation is on: new student questions wait for your approval.'
        : 'The teacher reviews questions before they appear to the class.');
    this.root.append(this.moderationNote);

    if (this.canAsk) this.buildAskForm();
    this.status = el('p', { class: 'qna-status', id: 'qna-status', role: 'status', 'aria-live': 'polite' });
    this.pendingList = el('ul', { class: 'qna-mine', id: 'qna-mine', 'aria-label': 'Your questions awaiting approval' });
    this.list = el('ol', { class: 'qna-list', id: 'qna-list', 'aria-labelledby': 'qna-title' });
    this.empty = el('p', { class: 'muted', id: 'qna-empty' }, 'No questions yet.');
    this.root.append(this.status, this.pendingList, this.list, this.empty);
    this.setEnabled(false);
  }

  buildAskForm() {
    const form = el('form', { class: 'qna-ask', id: 'qna-ask' });
    const label = el('label', { for: 'qna-text', class: 'visually-hidden' }, 'Your question');
    this.textArea = el('textarea', { id: 'qna-text', rows: 2, placeholder: 'Ask the teacher a question…',
      'aria-describedby': 'qna-count' });
    const row = el('div', { class: 'qna-ask-row' });
    this.counter = el('span', { id: 'qna-count', class: 'muted qna-count' });
    const anonLabel = el('label', { class: 'qna-anon' });
    this.anonymous = el('input', { type: 'checkbox', id: 'qna-anonymous' });
    anonLabel.append(this.anonymous, ' Anonymous to classmates');
    this.askButton = el('button', { type: 'submit', class: 'primary', id: 'qna-ask-button' }, 'Ask');
    row.append(this.counter, anonLabel, this.askButton);
    form.append(label, this.textArea, row);
    this.textArea.addEventListener('input', () => this.updateCounter());
    this.textArea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.ask();
    });
    this.root.append(form);
    this.updateCounter();
  }

  updateCounter() {
    if (!this.textArea) return;
    const n = charCount(this.textArea.value.trim());
    this.counter.textContent = n + ' / ' + this.maxChars;
    const over = n > this.maxChars;
    this.counter.classList.toggle('over', over);
    this.askButton.disabled = !this.client.joined || n === 0 || over;
  }

  setEnabled(enabled) {
    if (this.textArea) {
      this.textArea.disabled = !enabled;
      this.updateCounter();
    }
    if (this.moderationToggle) this.moderationToggle.disabled = !enabled;
    this.root.querySelectorAll('.qna-list button, .qna-list textarea').forEach((b) => {
      if (!enabled) b.disabled = true;
    });
    if (enabled) this.render();
  }

  showStatus(text, kind = 'info') {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
  }

  // ---- protocol -------------------------------------------------------------------------------------------

  onState({ state }) {
    this.setEnabled(state === 'joined');
  }

  onSnapshot(msg, joined) {
    if (joined) {
      if (Number(msg.question_max_chars) > 0) this.maxChars = Number(msg.question_max_chars);
      this.loadVotes();
    }
    this.questions.clear();
    for (const q of Array.isArray(msg.questions) ? msg.questions : []) this.questions.set(q.id, q);
    this.setModerationState(Boolean(msg.moderation));
    for (const id of this.mine.keys()) {
      if (this.questions.has(id)) this.mine.delete(id);
    }
    this.render();
  }

  onEvent(msg) {
    if (msg.action === 'moderation') {
      this.setModerationState(Boolean(msg.moderation));
      return;
    }
    const q = msg.question;
    if (!q || typeof q.id !== 'number') return;
    this.questions.set(q.id, q);
    if (msg.action === 'approved' && this.mine.delete(q.id)) {
      this.showStatus('Your question was approved and is now visible to the class.', 'ok');
    }
    this.render();
  }

  setModerationState(on) {
    this.moderation = on;
    this.moderationNote.hidden = !on;
    if (this.moderationToggle) this.moderationToggle.checked = on;
  }

  loadVotes() {
    const user = this.client.user && this.client.user.user;
    this.votedKey = 'airclass.voted.' + this.client.room + '.' + user;
    try {
      this.voted = new Set(JSON.parse(sessionStorage.getItem(this.votedKey) || '[]'));
    } catch {
      this.voted = new Set();
    }
  }

  saveVotes() {
    try { sessionStorage.setItem(this.votedKey, JSON.stringify([...this.voted])); } catch { /* ignore */ }
  }

  async run(action, fields, done) {
    try {
      const reply = await this.client.request(action, fields);
      if (done) done(reply);
      return reply;
    } catch (err) {
      this.showStatus(errorText(err), 'error');
      return null;
    }
  }

  async ask() {
    const text = this.textArea.value.trim();
    if (!text) return;
    if (charCount(text) > this.maxChars) {
      this.showStatus('Too long: a question holds at most ' + this.maxChars + ' characters.', 'error');
      return;
    }
    this.askButton.disabled = true;
    const reply = await this.run('ask', { text, anonymous: this.anonymous.checked });
    if (reply) {
      this.textArea.value = '';
      if (this.moderation && !this.moderator && !this.questions.has(reply.question_id)) {
        this.mine.set(reply.question_id, text);
        this.showStatus('Sent. Your question will appear once the teacher approves it.', 'pending');
      } else {
        this.showStatus('Your question was sent.', 'ok');
      }
      this.render();
    }
    this.updateCounter();
  }

  async upvote(id) {
    try {
      await this.client.request('upvote', { question_id: id });
      this.voted.add(id);
    } catch (err) {
      if (err.code === 'conflict' && /already voted/.test(err.message)) this.voted.add(id);  // from another tab
      else this.showStatus(errorText(err), 'error');
    }
    this.saveVotes();
    this.render();
  }

  setModeration(enabled) {
    this.run('set_moderation', { enabled }).then((reply) => {
      if (!reply) this.setModerationState(this.moderation);
    });
  }

  // ---- rendering ------------------------------------------------------------------------------------------

  visible(q) {
    return this.moderator || (q.state !== 'pending' && q.state !== 'dismissed');
  }

  sorted() {
    const list = [...this.questions.values()].filter((q) => this.visible(q));
    const byVotes = this.order === 'votes';
    list.sort((a, b) => {
      if (Boolean(a.pinned) !== Boolean(b.pinned)) return a.pinned ? -1 : 1;
      if (byVotes && a.votes !== b.votes) return b.votes - a.votes;
      return byVotes ? a.id - b.id : b.id - a.id;
    });
    return list;
  }

  render() {
    const list = this.sorted();
    // Live updates re-render the list: keep an answer being typed, and its focus.
    const keepAnswer = this.answering !== null ? this.list.querySelector('.qna-answer-box textarea') : null;
    const draft = keepAnswer ? keepAnswer.value : '';
    const focused = keepAnswer && document.activeElement === keepAnswer;
    this.list.replaceChildren(...list.map((q) => this.item(q)));
    const box = keepAnswer ? this.list.querySelector('.qna-answer-box textarea') : null;
    if (box) {
      box.value = draft;
      if (focused) box.focus();
    }
    this.empty.hidden = list.length > 0;
    this.title.textContent = list.length ? 'Questions (' + list.length + ')' : 'Questions';
    this.pendingList.replaceChildren(...[...this.mine.values()].map((text) => {
      const li = el('li', { class: 'qna-pending' });
      li.append(el('span', { class: 'badge pending' }, 'Awaiting approval'), ' ', el('span', {}, text));
      return li;
    }));
  }

  item(q) {
    const li = el('li', { class: 'qna-item', 'data-id': q.id, 'data-state': q.state,
      'data-pinned': q.pinned ? 'true' : 'false' });
    const votes = el('div', { class: 'qna-votes' });
    const count = el('span', { class: 'qna-vote-count', 'aria-label': q.votes + ' votes' }, q.votes);
    if (!this.moderator) {
      const voted = this.voted.has(q.id);
      const canVote = this.client.joined && !voted && (q.state === 'open' || q.state === 'answered');
      const button = el('button', { type: 'button', class: 'qna-upvote', 'aria-pressed': voted ? 'true' : 'false',
        title: voted ? 'You voted for this question' : 'Vote for this question', disabled: !canVote }, '▲');
      button.addEventListener('click', () => this.upvote(q.id));
      votes.append(button);
    }
    votes.append(count);

    const body = el('div', { class: 'qna-body' });
    const text = el('p', { class: 'qna-text' }, q.text);
    const meta = el('div', { class: 'qna-meta muted' });
    const who = q.author_name ? q.author_name + (q.anonymous ? ' (anonymous to classmates)' : '') : 'Anonymous';
    meta.append(el('span', { class: 'qna-author' }, who), ' · ', el('span', {}, formatTime(q.created_ms)));
    if (q.pinned) meta.append(' ', el('span', { class: 'badge pinned' }, 'Pinned'));
    if (q.state !== 'open') meta.append(' ', el('span', { class: 'badge ' + q.state }, STATE_LABELS[q.state] || q.state));
    body.append(text, meta);
    if (q.state === 'answered') {
      const answer = el('div', { class: 'qna-answer' });
      answer.append(el('strong', {}, 'Answer: '),
        el('span', { class: 'qna-answer-text' }, q.answer ? q.answer : 'Answered in class.'));
      body.append(answer);
    }
    if (this.moderator) body.append(this.controls(q));
    li.append(votes, body);
    return li;
  }

  controls(q) {
    const box = el('div', { class: 'qna-controls' });
    const enabled = this.client.joined;
    const button = (label, cls, onClick) => {
      const b = el('button', { type: 'button', class: cls, disabled: !enabled }, label);
      b.addEventListener('click', onClick);
      box.append(b);
      return b;
    };
    const id = q.id;
    if (q.state === 'pending') button('Approve', 'qna-approve primary', () => this.run('approve', { question_id: id }));
    if (q.state === 'open' || q.state === 'answered') {
      button(q.state === 'answered' ? 'Edit answer' : 'Answer', 'qna-answer-button', () => {
        this.answering = this.answering === id ? null : id;
        this.render();
      });
    }
    if (q.state === 'open' || q.state === 'answered') {
      button(q.pinned ? 'Unpin' : 'Pin', 'qna-pin', () => this.run('pin', { question_id: id, pinned: !q.pinned }));
    }
    if (q.state !== 'dismissed') button('Dismiss', 'qna-dismiss', () => this.run('dismiss', { question_id: id }));
    if (q.state === 'answered' || q.state === 'dismissed') {
      button('Reopen', 'qna-reopen', () => this.run('reopen', { question_id: id }));
    }
    const wrap = el('div');
    wrap.append(box);
    if (this.answering === id) wrap.append(this.answerBox(q));
    return wrap;
  }

  answerBox(q) {
    const form = el('form', { class: 'qna-answer-box' });
    const label = el('label', { for: 'qna-answer-' + q.id, class: 'visually-hidden' }, 'Answer (optional)');
    const text = el('textarea', { id: 'qna-answer-' + q.id, rows: 2, placeholder: 'Answer (optional)' });
    if (q.answer) text.value = q.answer;
    const send = el('button', { type: 'submit', class: 'primary qna-answer-send' }, 'Mark answered');
    form.append(label, text, send);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const answer = text.value.trim();
      const fields = { question_id: q.id };
      if (answer) fields.text = answer;
      send.disabled = true;
      const reply = await this.run('answer', fields);
      if (reply) this.answering = null;
      this.render();
    });
    return form;
  }
}
