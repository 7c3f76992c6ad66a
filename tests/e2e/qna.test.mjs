// Browser test: the classroom on the student and teacher pages. A teacher page and two student pages (demo
// tokens from GET /api/v1/demo/token, one through ?token=) join one room over /ws: counts and the roster, ask /
// see / upvote, answers, moderation with approval, HTML-looking text shown as text, a dropped connection resumed.
// A second server without --demo shows the "need a link with a token" message. Real server, Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifactsDir, httpGet, startServer } from './lib/server.mjs';
import { launchBrowser } from './lib/browser.mjs';

const room = 'qna-room';  // not broadcasting: no video to decode, the Q&A is what is tested
const T = { timeout: 15000, polling: 100 };
let server = null;
let browser = null;
let teacher = null;
let ann = null;
let ben = null;

async function diagnose(err) {
  const pages = { teacher, ann, ben };
  for (const [name, page] of Object.entries(pages)) {
    if (!page) continue;
    await page.screenshot({ path: path.join(artifactsDir, `qna-${name}-failure.png`) }).catch(() => {});
    err.message += `\n${name} console:\n${page.consoleLines.slice(-20).join('\n')}`;
  }
  err.message += `\nserver log (tail):\n${server.log().slice(-2000)}`;
  return err;
}

// Runs a test body; on failure adds screenshots, page consoles and the server log.
const step = (name, fn) => test(name, async () => {
  try {
    await fn();
  } catch (err) {
    throw await diagnose(err);
  }
});

const count = (page) => page.locator('#class-count').getAttribute('data-count');
const item = (page, text) => page.locator('#qna-list li', { hasText: text });

before(async () => {
  server = await startServer({ name: 'qna-server', demo: true });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'server exit on SIGTERM');
});

step('the demo token endpoint mints student and teacher tokens, never admin ones', async () => {
  const ok = await httpGet(`${server.baseUrl}/api/v1/demo/token?role=student&room=${room}&name=Ben`);
  assert.equal(ok.status, 200);
  const body = JSON.parse(ok.text);
  assert.equal(body.role, 'student');
  assert.equal(body.name, 'Ben');
  assert.equal((await httpGet(`${server.baseUrl}/api/v1/demo/token?role=admin&room=${room}`)).status, 400);
});

step('teacher and two students join: counts and the roster', async () => {
  teacher = await browser.newPage();
  await teacher.goto(`${server.baseUrl}/teacher.html?room=${room}&name=Ms%20Lee`);
  ann = await browser.newPage();
  await ann.goto(`${server.baseUrl}/student.html?room=${room}&name=Ann`);
  // Ben comes with a token in the link; the page takes it out of the address bar.
  const token = JSON.parse((await httpGet(
    `${server.baseUrl}/api/v1/demo/token?role=student&room=${room}&name=Ben`)).text).token;
  ben = await browser.newPage();
  await ben.goto(`${server.baseUrl}/student.html?room=${room}&token=${token}`);
  await ben.waitForFunction(() => !location.search.includes('token='), null, T);

  for (const page of [teacher, ann, ben]) {
    await page.waitForFunction(() => document.getElementById('class-count').dataset.count === '3', null, T);
    assert.equal(await page.locator('#class-status').getAttribute('data-state'), 'joined');
  }
  await teacher.waitForFunction(() => document.querySelectorAll('#participant-list li').length === 3, null, T);
  const roster = await teacher.locator('#participant-list li').allTextContents();
  assert.ok(roster.some((t) => /Ms Lee/.test(t) && /teacher/.test(t)), roster.join(' | '));
  assert.ok(roster.some((t) => /Ann/.test(t) && /student/.test(t)), roster.join(' | '));
  assert.ok(roster.some((t) => /Ben/.test(t) && /student/.test(t)), roster.join(' | '));
  assert.equal(await ann.locator('#participant-list').count(), 0, 'students see a count, not the roster');
  assert.equal(await teacher.locator('#broadcast-state').getAttribute('data-live'), 'false');
  assert.equal(await teacher.locator('section#broadcast').count(), 1);
});

step('a student asks, the other sees it and upvotes once; the length limit is shown', async () => {
  assert.match(await ann.locator('#qna-count').textContent(), /^0 \/ 500$/);
  await ann.fill('#qna-text', 'x'.repeat(501));
  assert.match(await ann.locator('#qna-count').textContent(), /^501 \/ 500$/);
  assert.equal(await ann.locator('#qna-ask-button').isDisabled(), true, 'too long: cannot send');

  await ann.fill('#qna-text', 'Why is the sky blue?');
  await ann.click('#qna-ask-button');
  await item(ben, 'Why is the sky blue?').waitFor(T);
  assert.match(await item(ben, 'Why is the sky blue?').locator('.qna-author').textContent(), /Ann/);
  await item(ben, 'Why is the sky blue?').locator('.qna-upvote').click();
  for (const page of [ann, ben, teacher]) {
    await item(page, 'Why is the sky blue?').locator('.qna-vote-count', { hasText: /^1$/ }).waitFor(T);
  }
  const vote = item(ben, 'Why is the sky blue?').locator('.qna-upvote');
  assert.equal(await vote.getAttribute('aria-pressed'), 'true');
  assert.equal(await vote.isDisabled(), true, 'one vote per student');

  // Anonymous to classmates, never to the teacher.
  await ben.fill('#qna-text', 'Can I stay anonymous?');
  await ben.check('#qna-anonymous');
  await ben.click('#qna-ask-button');
  await item(ann, 'Can I stay anonymous?').waitFor(T);
  assert.equal(await item(ann, 'Can I stay anonymous?').locator('.qna-author').textContent(), 'Anonymous');
  await item(teacher, 'Can I stay anonymous?').waitFor(T);
  assert.match(await item(teacher, 'Can I stay anonymous?').locator('.qna-author').textContent(), /Ben/);
});

step('the teacher answers and the students see the answer', async () => {
  const q = item(teacher, 'Why is the sky blue?');
  await q.locator('.qna-answer-button').click();
  await q.locator('.qna-answer-box textarea').fill('Rayleigh scattering.');
  await q.locator('.qna-answer-send').click();
  for (const page of [ann, ben]) {
    const answer = item(page, 'Why is the sky blue?').locator('.qna-answer-text');
    await answer.waitFor(T);
    assert.equal(await answer.textContent(), 'Rayleigh scattering.');
  }
  assert.equal(await item(ann, 'Why is the sky blue?').getAttribute('data-state'), 'answered');
});

step('with moderation on, a question reaches the students only after approval', async () => {
  await teacher.check('#qna-moderation-toggle');
  for (const page of [ann, ben]) await page.locator('#qna-moderation-note').waitFor({ state: 'visible', ...T });
  await ann.fill('#qna-text', 'Is this on the exam?');
  await ann.click('#qna-ask-button');
  await ann.locator('#qna-mine li', { hasText: 'Is this on the exam?' }).waitFor(T);
  assert.match(await ann.locator('#qna-status').textContent(), /approve/);
  const pending = item(teacher, 'Is this on the exam?');
  await pending.waitFor(T);
  assert.equal(await pending.getAttribute('data-state'), 'pending');
  assert.equal(await item(ben, 'Is this on the exam?').count(), 0, 'pending: hidden from classmates');

  await pending.locator('.qna-approve').click();
  await item(ben, 'Is this on the exam?').waitFor(T);
  await item(ann, 'Is this on the exam?').waitFor(T);
  assert.equal(await ann.locator('#qna-mine li').count(), 0);
  await teacher.uncheck('#qna-moderation-toggle');
  await ann.locator('#qna-moderation-note').waitFor({ state: 'hidden', ...T });
});

step('HTML-looking text is shown as text, never run', async () => {
  const evil = '<img src=x onerror="window.__xss=1"><b>bold</b>';
  await ben.fill('#qna-text', evil);
  await ben.click('#qna-ask-button');
  for (const page of [ann, teacher]) {
    const text = item(page, 'onerror').locator('.qna-text');
    await text.waitFor(T);
    assert.equal(await text.textContent(), evil);
    assert.equal(await page.locator('#qna-list img, #qna-list b').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  }
});

step('a dropped connection resumes the session and gets what it missed', async () => {
  await ann.evaluate(async () => {
    const client = await window.airclassStudent.classroom;
    client.ws.close();
  });
  await ben.fill('#qna-text', 'Asked while Ann was away');
  await ben.click('#qna-ask-button');
  await ann.waitForFunction(async () => {
    const client = await window.airclassStudent.classroom;
    return client.resumes === 1 && client.state === 'joined';
  }, null, T);
  await item(ann, 'Asked while Ann was away').waitFor(T);
  await teacher.waitForFunction(() => document.getElementById('class-count').dataset.count === '3', null, T);
  assert.equal(await count(ann), '3');
});

step('screenshots of the pages', async () => {
  await ann.click('#qna-order');
  await ann.selectOption('#qna-order', 'time');
  const first = await ann.locator('#qna-list li .qna-text').first().textContent();
  assert.equal(first, 'Asked while Ann was away', 'newest first');
  await teacher.screenshot({ path: path.join(artifactsDir, 'qna-teacher.png'), fullPage: true });
  await ann.screenshot({ path: path.join(artifactsDir, 'qna-student.png'), fullPage: true });
  await ben.setViewportSize({ width: 390, height: 844 });
  await ben.screenshot({ path: path.join(artifactsDir, 'qna-student-phone.png'), fullPage: true });
  await teacher.setViewportSize({ width: 390, height: 844 });
  await teacher.screenshot({ path: path.join(artifactsDir, 'qna-teacher-phone.png'), fullPage: true });
});

step('asking too quickly gets a clear rate-limit message', async () => {
  await ann.setViewportSize({ width: 1280, height: 800 });
  let limited = false;
  for (let i = 0; i < 6 && !limited; ++i) {  // at most questions_per_minute (5) a minute
    await ann.fill('#qna-text', `Quick question ${i}`);
    await ann.click('#qna-ask-button');
    await ann.waitForFunction(() => document.getElementById('qna-text').value === '' ||
      document.getElementById('qna-status').dataset.kind === 'error', null, T);
    limited = (await ann.locator('#qna-status').getAttribute('data-kind')) === 'error';
  }
  assert.ok(limited, 'never rate limited');
  assert.match(await ann.locator('#qna-status').textContent(), /too quickly.*questions per minute/);
});

step('the teacher page shows a live broadcast (the demo lesson)', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.baseUrl}/teacher.html?room=demo`);
  await page.waitForFunction(() => document.getElementById('broadcast-state').dataset.live === 'true', null,
    { timeout: 45000, polling: 250 });
  assert.equal(await page.locator('#broadcast-state').textContent(), 'Live');
  await page.close();
});

test('without --demo a page without a token asks for a link with a token', async () => {
  const plain = await startServer({ name: 'qna-nodemo-server', demo: false });
  try {
    assert.equal((await httpGet(`${plain.baseUrl}/api/v1/demo/token?role=student&room=x`)).status, 404);
    for (const file of ['student.html', 'teacher.html']) {
      const page = await browser.newPage();
      await page.goto(`${plain.baseUrl}/${file}?room=${room}`);
      await page.waitForFunction(() => document.getElementById('class-status').dataset.state === 'no-token', null, T);
      assert.match(await page.locator('#class-status').textContent(), /link with a token/);
      await page.close();
    }
  } finally {
    assert.deepEqual(await plain.stop(), { code: 0, signal: null });
  }
});

step('in demo mode the index links a room to its student and teacher pages with a demo token', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.baseUrl}/`);
  await page.locator('#demo').waitFor({ state: 'visible', ...T });
  await page.fill('#demo-name', 'Dana');
  const teach = page.locator('#demo-teach a[data-room-name="demo"]');
  await teach.waitFor(T);
  await teach.click();
  await page.waitForURL(/teacher\.html\?room=demo/, T);
  // The token came in the link; the page took it out of the address bar.
  await page.waitForFunction(() => /teacher\.html\?room=demo$/.test(location.href), null, T);
  await page.waitForFunction(() => document.getElementById('class-status').dataset.state === 'joined', null, T);
  const name = await page.evaluate(() => window.airclassTeacher.client.user.name);
  assert.equal(name, 'Dana');
  await page.close();
});
