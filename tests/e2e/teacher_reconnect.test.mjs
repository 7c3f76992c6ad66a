// Browser test: a student keeps watching when the teacher's encoder drops and reconnects within the grace
// window — the page is not reloaded and frames flow again. Real server, real ffmpeg over RTMP, Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { airclassBinary, artifactsDir, httpGet, sleep, startServer, waitFor } from './lib/server.mjs';
import { launchBrowser } from './lib/browser.mjs';

let server = null;
let browser = null;
const publishers = new Set();

function publish(token, room) {
  const url = `rtmp://127.0.0.1:${server.ports.rtmp}/live/${room}?token=${token}`;
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '120', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'ultrafast', '-tune', 'zerolatency',
    '-g', '30', '-c:a', 'aac', '-f', 'flv', url], { stdio: 'ignore' });
  publishers.add(child);
  child.once('exit', () => publishers.delete(child));
  return child;
}

before(async () => {
  server = await startServer({ name: 'reconnect-server', demo: false, args: ['--transcode.ladder', '180p:180:250'] });
  browser = await launchBrowser();
});

after(async () => {
  for (const p of publishers) p.kill('SIGKILL');
  if (browser) await browser.close();
  if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'server exit on SIGTERM');
});

function sample(page) {
  return page.evaluate(() => {
    const v = document.querySelector('video');
    return { time: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames, marker: window.__marker };
  });
}

// The page prefers WebRTC and falls back to LL-HLS; each transport is checked on its own room.
async function keepsPlayingThroughReconnect(transport, room) {
  const token = execFileSync(airclassBinary(), ['token', '--role', 'teacher', '--room', room, '--user', 't1',
    '--auth.secret', server.secret]).toString().trim();
  const first = publish(token, room);
  await waitFor('the master playlist', async () =>
    (await httpGet(`${server.baseUrl}/hls/${room}/index.m3u8`)).status === 200, { timeoutMs: 30000 });

  const page = await browser.newPage();
  try {
    await page.goto(`${server.baseUrl}/student.html?room=${room}&transport=${transport}`);
    await page.evaluate(() => { window.__marker = 'same page'; });
    await page.waitForFunction(() => document.querySelector('video').currentTime > 1, null, { timeout: 30000 });
    const before = await sample(page);

    // The encoder dies without unpublishing (a dropped connection), and comes back 3 s later.
    first.kill('SIGKILL');
    await sleep(3000);
    publish(token, room);

    // Within the grace window it is the same broadcast: frames flow again on the same page.
    // (Frames, not only the clock: a WebRTC stream's currentTime runs on through an outage.)
    await page.waitForFunction((b) => {
      const v = document.querySelector('video');
      return v.currentTime > b.time + 4 && v.getVideoPlaybackQuality().totalVideoFrames > b.frames + 60;
    }, before, { timeout: 45000, polling: 250 });
    const after = await sample(page);
    assert.equal(after.marker, 'same page', 'the page was reloaded');
    assert.ok(after.frames > before.frames + 60, `decoded frames only went from ${before.frames} to ${after.frames}`);
    assert.equal(await page.locator('#state').getAttribute('data-state'), 'live');
    const rooms = JSON.parse((await httpGet(`${server.baseUrl}/api/v1/rooms`)).text).rooms;
    assert.equal(rooms.find((r) => r.room === room)?.live, true, `room ${room} not live: ${JSON.stringify(rooms)}`);
    await page.screenshot({ path: path.join(artifactsDir, `reconnect-${transport}.png`) });
  } catch (err) {
    fs.mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: path.join(artifactsDir, `reconnect-${transport}-failure.png`) }).catch(() => {});
    err.message += `\nserver log (tail):\n${server.log().slice(-3000)}`;
    throw err;
  } finally {
    await page.close();
    for (const p of publishers) p.kill('SIGKILL');
  }
}

test('the student page keeps playing LL-HLS through a teacher reconnect, without a reload', () =>
  keepsPlayingThroughReconnect('hls', 'physics'));

test('the student page keeps playing WebRTC through a teacher reconnect, without a reload', () =>
  keepsPlayingThroughReconnect('webrtc', 'chemistry'));
