// Browser test: the demo lesson plays over WebRTC (WHEP, our ICE-lite fan-out) on the student page in Chromium,
// a WebRTC client nobody here wrote; and with UDP blocked for WebRTC the page falls back to LL-HLS by itself and
// says so. Runs the real server binary in demo mode on free ports.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifactsDir, httpGet, mintToken, sleep, startServer, waitFor } from './lib/server.mjs';
import { launchBrowser, withDiagnostics } from './lib/browser.mjs';

let server = null;
const browsers = [];

before(async () => {
  server = await startServer({ name: 'webrtc-server', demo: true });
  await waitFor('the demo master playlist', async () => {
    const res = await httpGet(`${server.baseUrl}/hls/demo/index.m3u8`, { timeoutMs: 3000 });
    return res.status === 200 && res.text.includes('#EXT-X-STREAM-INF');
  }, { timeoutMs: 45000, intervalMs: 500 });
});

after(async () => {
  for (const b of browsers) await b.close();
  if (server) {
    const status = await server.stop();
    assert.deepEqual(status, { code: 0, signal: null }, `server exit on SIGTERM:\n${server.log().slice(-3000)}`);
  }
});

async function openStudent(name, query, extraArgs = [], beforeGoto = async () => {}) {
  const browser = await launchBrowser({ extraArgs });
  browsers.push(browser);
  const page = await browser.newPage();
  // Keep every RTCPeerConnection the page makes, to read its stats (the page's code is unchanged).
  await page.addInitScript(() => {
    window.__pcs = [];
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        window.__pcs.push(this);
      }
    };
  });
  await beforeGoto(page);
  await page.goto(`${server.baseUrl}/student.html?room=demo${query}`);
  return page;
}


// The inbound RTP stats of the page's latest peer connection: { video: {...}, audio: {...} }.
function inboundStats(page) {
  return page.evaluate(async () => {
    const pc = window.__pcs[window.__pcs.length - 1];
    if (!pc) return null;
    const out = {};
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp') {
        out[s.kind] = { framesDecoded: s.framesDecoded || 0, packets: s.packetsReceived || 0,
          height: s.frameHeight || 0, codec: s.codecId || '' };
      }
    });
    out.state = pc.connectionState;
    return out;
  });
}

function transport(page) {
  return page.evaluate(() => {
    const t = document.getElementById('transport');
    return t ? t.dataset.transport : null;
  });
}

test('the student page plays the demo lesson over WebRTC and says so', async () => {
  // A generous wait for WebRTC: the test machine is shared and busy; the default (4 s) is for real use.
  const page = await openStudent('webrtc', '&webrtc_timeout_ms=20000');
  await withDiagnostics(page, server, 'webrtc', async () => {
    await page.waitForFunction(() => document.getElementById('transport')?.dataset.transport === 'WebRTC', null,
      { timeout: 40000, polling: 250 });
    assert.equal(await page.locator('#transport').textContent(), 'WebRTC');
    const first = await inboundStats(page);
    assert.equal(first.state, 'connected');
    await sleep(3000);
    const second = await inboundStats(page);
    assert.ok(second.video && second.video.framesDecoded > first.video.framesDecoded + 10,
      `frames decoded only went from ${first.video?.framesDecoded} to ${second.video?.framesDecoded} in 3 s`);
    assert.ok(second.video.height > 0, 'no decoded picture height');
    assert.ok(second.audio && second.audio.packets > first.audio.packets, 'no Opus packets arriving');
    await page.waitForFunction(() => document.getElementById('state').dataset.state === 'live', null,
      { timeout: 10000 });
    assert.ok(await page.evaluate(() => document.querySelector('video').currentTime > 0), 'video is not playing');
    assert.match(server.log(), /viewer connected.*room=demo/);
    // The admin counts see one student: the page's class session and its WebRTC session carry the same id.
    const admin = mintToken(server, { role: 'admin', user: 'admin-e2e' });
    let demo = null;
    await waitFor('the WebRTC player in the admin counts', async () => {
      const res = await fetch(`${server.baseUrl}/api/v1/stats`, { headers: { Authorization: `Bearer ${admin}` } });
      demo = (await res.json()).rooms?.find((r) => r.room === 'demo');
      return demo?.players?.webrtc === 1 && demo?.counts?.student === 1;
    }, { timeoutMs: 15000, intervalMs: 500 });
    assert.equal(demo.viewers, 1, `one student, counted once: ${JSON.stringify(demo)}`);
    await page.screenshot({ path: path.join(artifactsDir, 'webrtc.png') });
  });
  // Leaving the page ends the WHEP session (its DELETE, or DTLS close_notify from the closed connection): a
  // DELETE of the session URL afterwards finds nothing.
  const sessions = [...server.log().matchAll(/viewer session created" room=demo session=([A-Za-z0-9_-]+)/g)];
  const session = sessions[sessions.length - 1][1];
  await page.goto('about:blank');
  await sleep(3000);
  const res = await fetch(`${server.baseUrl}/whep/demo/${session}`, { method: 'DELETE' });
  assert.equal(res.status, 404, 'the WHEP session outlived its page');
  await browsers.pop().close();  // two browsers at once starve this small machine
});

test('with WebRTC blocked the student page falls back to LL-HLS by itself and says so', async () => {
  // A school network that lets no WebRTC media through (UDP dropped, and the ICE-TCP port too): the browser
  // gets a real answer but can reach none of its candidates, so ICE never connects. (Chromium's
  // --force-webrtc-ip-handling-policy flags still let it use loopback UDP, so the answer loses its candidates.)
  const page = await openStudent('webrtc-fallback', '', [], (p) => p.route(
    (url) => url.pathname === '/whep/demo',
    async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      const sdp = (await response.text()).split('\r\n').filter((line) => !line.startsWith('a=candidate'));
      return route.fulfill({ response, body: sdp.join('\r\n') });
    }));
  await withDiagnostics(page, server, 'webrtc-fallback', async () => {
    await page.waitForFunction(() => document.getElementById('transport')?.dataset.transport === 'LL-HLS', null,
      { timeout: 30000, polling: 250 });
    assert.equal(await page.locator('#transport').textContent(), 'LL-HLS');
    assert.ok(await page.evaluate(() => window.__pcs.length >= 1), 'WebRTC was not tried first');
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0.5, null,
      { timeout: 30000, polling: 250 });
    const t0 = await page.evaluate(() => document.querySelector('video').currentTime);
    await page.waitForFunction((t) => document.querySelector('video').currentTime > t + 1, t0,
      { timeout: 30000, polling: 250 });
    assert.equal(await transport(page), 'LL-HLS', 'the page went back to WebRTC');
    await page.screenshot({ path: path.join(artifactsDir, 'webrtc-fallback.png') });
  });
});
