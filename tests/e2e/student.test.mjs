// Browser test: the demo lesson plays in Chromium on the student page (hls.js, low-latency mode) and is listed
// on the index page. Runs the real server binary in demo mode on free ports.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifactsDir, httpGet, startServer, waitFor } from './lib/server.mjs';
import { launchBrowser, withDiagnostics } from './lib/browser.mjs';

let server = null;
let browser = null;

before(async () => {
  server = await startServer({ name: 'student-server', demo: true });
  // The demo lesson needs a moment to produce its first segments.
  await waitFor('the demo master playlist', async () => {
    const res = await httpGet(`${server.baseUrl}/hls/demo/index.m3u8`, { timeoutMs: 3000 });
    return res.status === 200 && res.text.includes('#EXT-X-STREAM-INF');
  }, { timeoutMs: 45000, intervalMs: 500 });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    const status = await server.stop();
    // A clean shutdown is part of the contract; report rather than mask a crash on SIGTERM.
    assert.deepEqual(status, { code: 0, signal: null }, `server exit on SIGTERM:\n${server.log().slice(-3000)}`);
  }
});


function sample(page) {
  return page.evaluate(() => {
    const v = document.querySelector('video');
    const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : { totalVideoFrames: 0 };
    return { time: v.currentTime, frames: q.totalVideoFrames, paused: v.paused, height: v.videoHeight };
  });
}

test('index page lists the live demo room with a link to the student page', async () => {
  const page = await browser.newPage();
  await withDiagnostics(page, server, 'index', async () => {
    await page.goto(`${server.baseUrl}/`);
    const link = page.locator('#rooms li[data-room="demo"] a');
    await link.waitFor({ timeout: 15000 });
    assert.match(await link.getAttribute('href'), /student\.html\?room=demo$/);
    assert.match(await link.textContent(), /demo/);
    await page.screenshot({ path: path.join(artifactsDir, 'index.png') });
  });
  await page.close();
});

test('student page plays the demo lesson with a latency and a quality shown', async () => {
  const page = await browser.newPage();
  await withDiagnostics(page, server, 'student', async () => {
    // The LL-HLS player (the page prefers WebRTC; webrtc.test.mjs covers that and the fallback).
    await page.goto(`${server.baseUrl}/student.html?room=demo&transport=hls`);
    assert.equal(await page.locator('#room-title').textContent(), 'demo');

    // Frames must start to flow, then keep flowing.
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0.5, null,
      { timeout: 30000, polling: 250 });
    // (Within a bound, not a fixed window: on a loaded 2-core machine the ladder can fall behind for a while.)
    const first = await sample(page);
    const flowing = await page.waitForFunction(([time, frames]) => {
      const v = document.querySelector('video');
      return v.currentTime > time + 1.5 && v.getVideoPlaybackQuality().totalVideoFrames > frames + 20;
    }, [first.time, first.frames], { timeout: 20000, polling: 250 }).then(() => true, () => false);
    const second = await sample(page);
    assert.ok(flowing, `in 20 s currentTime went from ${first.time} to ${second.time}, ` +
      `decoded frames from ${first.frames} to ${second.frames}`);
    assert.equal(second.paused, false, 'video is paused');
    assert.ok(second.height > 0, 'video has no height');

    // The status line: live, a plausible latency, and the current quality.
    await page.waitForFunction(() => document.getElementById('latency').dataset.latencyS !== '', null,
      { timeout: 10000 });
    assert.equal(await page.locator('#state').getAttribute('data-state'), 'live');
    const latency = Number(await page.locator('#latency').getAttribute('data-latency-s'));
    assert.ok(latency > 0 && latency < 10, `latency ${latency} s`);
    assert.match(await page.locator('#latency').textContent(), /^\d+\.\d s$/);
    const quality = await page.locator('#quality').textContent();
    assert.match(quality, /^\d+p/, `quality label "${quality}"`);
    // The quality menu offers Auto plus every rendition of the master playlist.
    const options = await page.locator('#quality-select option').count();
    assert.ok(options >= 2, `quality menu has ${options} options`);
    await page.screenshot({ path: path.join(artifactsDir, 'student.png') });
  });
  await page.close();
});

test('student page for a room nobody broadcasts waits for the teacher', async () => {
  const page = await browser.newPage();
  await withDiagnostics(page, server, 'waiting', async () => {
    await page.goto(`${server.baseUrl}/student.html?room=empty-room`);
    await page.waitForFunction(() => document.getElementById('state').dataset.state === 'waiting', null,
      { timeout: 15000 });
    assert.match(await page.locator('#overlay-title').textContent(), /Waiting for the teacher/);
    assert.equal(await page.locator('#overlay').isVisible(), true);
  });
  await page.close();
});
