// Browser test of the admin console (web/admin.html) and the room page (web/admin_room.html) against the real
// server in demo mode: the live rooms table follows a student joining, the viewers chart draws, the room page
// shows the session's attendance (and downloads it as CSV), closing the Q&A and removing a student ask for
// confirmation and land in the audit log, and a student token gets an error state instead of the console.
// Screenshots of each page at laptop and phone size go to tests/e2e/artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifactsDir, httpGet, mintToken, startServer, waitFor } from './lib/server.mjs';
import { launchBrowser, withDiagnostics } from './lib/browser.mjs';

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1280, height: 800 };

let server = null;
let browser = null;
let adminToken = '';
let studentToken = '';

function mint(role, user, name, room) {
  return mintToken(server, { role, user, name, room });
}

before(async () => {
  server = await startServer({ name: 'admin-server', demo: true });
  await waitFor('the demo master playlist', async () => {
    const res = await httpGet(`${server.baseUrl}/hls/demo/index.m3u8`, { timeoutMs: 3000 });
    return res.status === 200 && res.text.includes('#EXT-X-STREAM-INF');
  }, { timeoutMs: 45000, intervalMs: 500 });
  adminToken = mint('admin', 'admin-e2e', 'Ada Admin', 'demo');
  studentToken = mint('student', 'student-e2e', 'Sam Student', 'demo');
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    const status = await server.stop();
    assert.deepEqual(status, { code: 0, signal: null }, `server exit on SIGTERM:\n${server.log().slice(-3000)}`);
  }
});


// Full-page screenshots at laptop and phone size; the page is left at laptop size.
async function screenshots(page, name) {
  await page.screenshot({ path: path.join(artifactsDir, `${name}-1280x800.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  // The chart follows its container through a ResizeObserver: wait (bounded) for the page to fit.
  const fits = () => document.documentElement.scrollWidth - window.innerWidth <= 1;
  await page.waitForFunction(fits, null, { timeout: 5000, polling: 100 }).catch(() => {});
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.screenshot({ path: path.join(artifactsDir, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(LAPTOP);
  return overflow;
}

function roomCell(page, key) {
  return page.locator(`#rooms-body tr[data-room="demo"] [data-key="${key}"]`);
}

async function cellNumber(page, key) {
  return Number(await roomCell(page, key).textContent());
}

let consolePage = null;

test('the console lists the demo room live and its counts follow a student joining', async () => {
  consolePage = await browser.newPage();
  const page = consolePage;
  await withDiagnostics(page, server, 'admin-console', async () => {
    await page.goto(`${server.baseUrl}/admin.html?token=${adminToken}`);
    assert.ok(!page.url().includes('token='), 'the token is removed from the address bar');
    await page.locator('#rooms-body tr[data-room="demo"] .badge.live').waitFor({ timeout: 20000 });
    assert.equal(await roomCell(page, 'live').textContent(), 'Live');
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'open');
    const viewersBefore = await cellNumber(page, 'viewers');
    const membersBefore = await cellNumber(page, 'members');

    // A student opens the lesson: their signaling session (and their player) count within a few ticks.
    const student = await browser.newPage();
    await student.goto(`${server.baseUrl}/student.html?room=demo&token=${studentToken}`);
    await page.waitForFunction(([v, m]) => {
      const cell = (k) => Number(document.querySelector(`#rooms-body tr[data-room="demo"] [data-key="${k}"]`).textContent);
      return cell('viewers') > v && cell('members') > m;
    }, [viewersBefore, membersBefore], { timeout: 20000, polling: 250 });
    const totalViewers = Number(await page.locator('#total-viewers').textContent());
    assert.ok(totalViewers >= viewersBefore + 1, `total viewers ${totalViewers}`);

    // Filtering hides the room; sorting by a column marks it.
    await page.fill('#filter', 'no-such-room');
    await page.waitForFunction(() => document.querySelectorAll('#rooms-body tr').length === 0, null, { timeout: 5000 });
    await page.fill('#filter', 'dem');
    await page.locator('#rooms-body tr[data-room="demo"]').waitFor({ timeout: 5000 });
    await page.click('#rooms-head th[data-key="room"] button');
    assert.equal(await page.locator('#rooms-head th[data-key="room"]').getAttribute('aria-sort'), 'ascending');

    // The chart draws: points from the history and the live events, the total and the demo room as series,
    // and pixels on the canvas.
    await page.waitForFunction(() => Number(document.getElementById('chart').dataset.points) >= 3, null,
      { timeout: 20000, polling: 500 });
    const series = await page.evaluate(() => window.airclassAdmin.chartSeries);
    assert.deepEqual(series, ['Total', 'demo']);
    const inked = await page.evaluate(() => {
      const canvas = document.querySelector('#chart canvas');
      const ctx = canvas.getContext('2d');
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    assert.ok(inked > 100, `the chart canvas has ${inked} painted pixels`);
    await page.click('#ranges button[data-range="1h"]');
    assert.equal(await page.locator('#ranges button[data-range="1h"]').getAttribute('aria-pressed'), 'true');
    await page.click('#ranges button[data-range="5m"]');
    await page.waitForFunction(() => Number(document.getElementById('chart').dataset.points) >= 1, null,
      { timeout: 10000 });

    const overflow = await screenshots(page, 'admin-console');
    assert.ok(overflow <= 1, `the console overflows a phone screen by ${overflow} px`);
  });
});

test('the room page shows the attendance, downloads it, and its actions are confirmed and audited', async () => {
  const page = consolePage;
  await withDiagnostics(page, server, 'admin-room', async () => {
    await page.click('#rooms-body tr[data-room="demo"] th a');
    await page.waitForURL(/admin_room\.html\?room=demo$/, { timeout: 10000 });
    assert.equal(await page.locator('#room-title').textContent(), 'demo');

    // The live session is listed and its attendance (selected by itself) has the student present.
    await page.locator('#sessions-body tr.session-row').first().waitFor({ timeout: 15000 });
    await page.locator('#attendance-body tr[data-user="student-e2e"]').waitFor({ timeout: 15000 });
    assert.match(await page.locator('#attendance-body tr[data-user="student-e2e"]').textContent(), /Sam Student/);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10000 }),
      page.click('#attendance-csv'),
    ]);
    assert.match(download.suggestedFilename(), /^attendance-demo-\d+\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.match(csv, /student-e2e/);

    // The participants include the student (with a remove button) and the player shows the lesson.
    await page.locator('#participants li[data-user="student-e2e"] button.kick').waitFor({ timeout: 10000 });
    // (Generous: the demo transcode shares the machine with two Chromium players.)
    await page.waitForFunction(() => document.querySelector('#video').currentTime > 0.5, null,
      { timeout: 60000, polling: 250 });
    assert.equal(await page.locator('#fact-qna').textContent(), 'Open');

    // Close the Q&A: a confirm dialog first (cancel does nothing), then the audit log shows it.
    await page.click('#action-qna');
    await page.locator('dialog.confirm').waitFor({ timeout: 5000 });
    await page.click('dialog.confirm .dialog-cancel');
    await page.locator('dialog.confirm').waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(await page.locator('#fact-qna').textContent(), 'Open');
    await page.click('#action-qna');
    await page.locator('dialog.confirm').waitFor({ timeout: 5000 });
    await page.screenshot({ path: path.join(artifactsDir, 'admin-room-confirm-1280x800.png') });
    await page.click('dialog.confirm .dialog-confirm');
    await page.waitForFunction(() => document.getElementById('fact-qna').textContent === 'Closed', null,
      { timeout: 10000 });
    const audit = page.locator('#audit-body tr[data-action="qna_close"]');
    await audit.first().waitFor({ timeout: 10000 });
    assert.match(await audit.first().textContent(), /admin-e2e/);
    assert.equal(await page.locator('#action-qna').textContent(), 'Reopen Q&A');

    const overflow = await screenshots(page, 'admin-room');
    assert.ok(overflow <= 1, `the room page overflows a phone screen by ${overflow} px`);

    // Remove the student: confirmed, gone from the participants, in the audit log with the target.
    await page.click('#participants li[data-user="student-e2e"] button.kick');
    await page.locator('dialog.confirm').waitFor({ timeout: 5000 });
    await page.click('dialog.confirm .dialog-confirm');
    await page.locator('#participants li[data-user="student-e2e"]').waitFor({ state: 'detached', timeout: 10000 });
    const kick = page.locator('#audit-body tr[data-action="kick"]');
    await kick.first().waitFor({ timeout: 10000 });
    assert.match(await kick.first().textContent(), /student-e2e/);
  });
});

test('a student token gets an error state, not the console', async () => {
  const page = await browser.newPage();
  await withDiagnostics(page, server, 'admin-student-token', async () => {
    await page.goto(`${server.baseUrl}/admin.html?token=${studentToken}`);
    await page.locator('#fatal').waitFor({ timeout: 15000 });
    assert.match(await page.locator('#fatal').textContent(), /not an admin/);
    assert.equal(await page.locator('#rooms-table').count(), 0);
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'fatal');
    await page.screenshot({ path: path.join(artifactsDir, 'admin-student-token-1280x800.png') });

    await page.goto(`${server.baseUrl}/admin_room.html?room=demo&token=${studentToken}`);
    await page.locator('#fatal').waitFor({ timeout: 15000 });
    assert.match(await page.locator('#fatal').textContent(), /not an admin/);
  });
  await page.close();
});
