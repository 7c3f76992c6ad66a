// Browser test: a teacher publishes from Chromium (fake camera and microphone) over WHIP from the teacher page's
// broadcast panel, once with H.264 and once with VP8; the class then plays over HLS (the master playlist appears,
// ffprobe decodes video frames from it), the rooms API says "whip", and Stop ends the publish. Also the WHIP
// refusals a client can meet (401, 403, 404, 405, 409, 415, 400) against the same real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { artifactsDir, httpGet, sourceDir, startServer, waitFor } from './lib/server.mjs';
import { launchBrowser, withDiagnostics } from './lib/browser.mjs';

let server = null;
let browser = null;

const b64url = (data) => Buffer.from(data).toString('base64url');

function mintToken(secret, { role, room, sub = 'u-' + role, name = role }) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const now = Math.floor(Date.now() / 1000);
  const body = b64url(JSON.stringify({ sub, name, role, room, iat: now, exp: now + 3600 }));
  const sig = crypto.createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

const chromiumOffer = fs.readFileSync(
  path.join(sourceDir, 'tests/unit/media/webrtc/vectors/chromium_whip_offer.sdp'), 'utf8');

function whip(method, urlPath, { token, type = 'application/sdp', body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = type;
  return fetch(server.baseUrl + urlPath, { method, headers, body, signal: AbortSignal.timeout(15000) });
}

function ffprobeFrames(url) {
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-read_intervals', '%+3',
      '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', url],
    { timeout: 30000 }, (err, stdout) => {
      if (err) return resolve(null);
      try { resolve(JSON.parse(stdout).streams[0] || null); } catch { resolve(null); }
    });
  });
}

async function roomInfo(room) {
  const res = await httpGet(`${server.baseUrl}/api/v1/rooms`);
  return JSON.parse(res.text).rooms.find((r) => r.room === room) || null;
}

before(async () => {
  // No demo lesson: the only media work is the publisher's (2 shared cores).
  server = await startServer({ name: 'whip-server', demo: false, args: ['--ingest.reconnect_grace_s', '2'] });
  browser = await launchBrowser({
    extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    const status = await server.stop();
    assert.deepEqual(status, { code: 0, signal: null }, `server exit on SIGTERM:\n${server.log().slice(-3000)}`);
  }
});


async function publishAndWatch(codec) {
  const room = `whip-${codec}`;
  const token = mintToken(server.secret, { role: 'teacher', room });
  const page = await browser.newPage();
  await withDiagnostics(page, server, `whip-${codec}`, async () => {
    await page.goto(`${server.baseUrl}/teacher.html?room=${room}&codec=${codec}&token=${token}`);
    await page.locator('#broadcast-go-live').click();
    await page.waitForFunction(() => document.getElementById('broadcast').dataset.state === 'live',
      null, { timeout: 20000 });
    const status = await page.locator('#broadcast-status').textContent();
    assert.match(status, new RegExp(`Live \\(${codec.toUpperCase()}\\)`, 'i'));

    // HLS plays the class: the master playlist, then video frames decoded from it.
    const master = `${server.baseUrl}/hls/${room}/index.m3u8`;
    await waitFor('the master playlist', async () => {
      const res = await httpGet(master, { timeoutMs: 3000 });
      return res.status === 200 && res.text.includes('#EXT-X-STREAM-INF');
    }, { timeoutMs: 30000, intervalMs: 500 });
    const info = await roomInfo(room);
    assert.equal(info.protocol, 'whip');
    assert.equal(info.live, true);
    const probed = await waitFor('ffprobe decoding video from HLS', async () => {
      const s = await ffprobeFrames(master);
      return s && Number(s.nb_read_frames) > 0 ? s : null;
    }, { timeoutMs: 45000, intervalMs: 1000 });
    assert.equal(probed.codec_name, 'h264');
    await page.screenshot({ path: path.join(artifactsDir, `whip-${codec}.png`) });

    // A second publisher is refused while the room is live.
    const second = await whip('POST', `/whip/${room}`, { token, body: chromiumOffer });
    assert.equal(second.status, 409);

    // Stop: DELETE of the resource; the room leaves "live" (grace window, then gone).
    await page.locator('#broadcast-stop').click();
    await waitFor('the room to stop being live', async () => {
      const r = await roomInfo(room);
      return !r || r.live === false;
    }, { timeoutMs: 15000 });
    assert.equal(await page.evaluate(() => document.getElementById('broadcast').dataset.state), 'preview');
  });
  await page.close();
}

test('a teacher publishes H.264 from the browser and HLS plays it', async () => {
  await publishAndWatch('h264');
});

test('a teacher publishes VP8 (transcoded to H.264) and HLS plays it', async () => {
  await publishAndWatch('vp8');
});

test('WHIP refusals: 401, 403, 404, 405, 415, 400', async () => {
  const room = 'whip-errors';
  const teacher = mintToken(server.secret, { role: 'teacher', room });
  const student = mintToken(server.secret, { role: 'student', room });
  const other = mintToken(server.secret, { role: 'teacher', room: 'elsewhere' });
  const noToken = await whip('POST', `/whip/${room}`, { body: chromiumOffer });
  assert.equal(noToken.status, 401);
  assert.match(noToken.headers.get('www-authenticate') || '', /Bearer/);
  assert.equal((await whip('POST', `/whip/${room}`, { token: 'not.a.jwt', body: chromiumOffer })).status, 401);
  assert.equal((await whip('POST', `/whip/${room}`, { token: student, body: chromiumOffer })).status, 403);
  assert.equal((await whip('POST', `/whip/${room}`, { token: other, body: chromiumOffer })).status, 403);
  assert.equal((await whip('POST', `/whip/${room}`, { token: teacher, type: 'text/plain', body: chromiumOffer }))
    .status, 415);
  assert.equal((await whip('POST', `/whip/${room}`, { token: teacher, body: 'v=0\r\nnonsense' })).status, 400);
  const vp9Only = chromiumOffer.replace(/^m=video 9 UDP\/TLS\/RTP\/SAVPF .*$/m, 'm=video 9 UDP/TLS/RTP/SAVPF 98');
  assert.equal((await whip('POST', `/whip/${room}`, { token: teacher, body: vp9Only })).status, 415);
  assert.equal((await whip('POST', '/whip/bad%20room', { token: teacher, body: chromiumOffer })).status, 404);
  assert.equal((await whip('DELETE', `/whip/${room}/0123456789abcdef`, { token: teacher })).status, 404);
  assert.equal((await whip('PATCH', `/whip/${room}/0123456789abcdef`, { token: teacher, body: 'a=end-of-candidates' }))
    .status, 405);
  // Nothing of this started a broadcast.
  assert.equal(await roomInfo(room), null);
});
