// Browser test: a teacher publishes from Chromium (fake camera and microphone) over WHIP from the teacher page's
// broadcast panel, once with H.264 and once with VP8; the class then plays over HLS (the master playlist appears,
// ffprobe decodes video frames from it), the rooms API says "whip", and Stop ends the publish. A trickling
// client (offer POSTed at once, candidates PATCHed as they come, RFC 9725 4.3.2) publishes too, and so does a client
// shaped like OBS 30's WHIP output (audio section first, Opus + H.264 only, no trickle). Also the WHIP
// refusals a client can meet (401, 403, 404, 409, 412, 415, 400) against the same real server.
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

function whip(method, urlPath, { token, type = 'application/sdp', body, extra = {} } = {}) {
  const headers = { ...extra };
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

// The room's master playlist, once it lists a variant.
function waitForMaster(master) {
  return waitFor('the master playlist', async () => {
    const res = await httpGet(master, { timeoutMs: 3000 });
    return res.status === 200 && res.text.includes('#EXT-X-STREAM-INF');
  }, { timeoutMs: 30000, intervalMs: 500 });
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
    await waitForMaster(master);
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

// The page side of a trickling WHIP client: the offer is POSTed the moment it exists, with no candidate, and each
// candidate is PATCHed (application/trickle-ice-sdpfrag) as icecandidate fires, then end-of-candidates; those
// gathered before the 201 wait for it. To make the PATCHes the only way in, the server's candidates are also
// taken out of the answer: Chromium cannot reach the server, so the server's ICE agent must reach Chromium's
// trickled candidates (Chromium then learns the server's address from those checks). window.whipTrickle holds
// the PATCH statuses and the connection state.
async function trickleClient({ room, token }) {
  const state = { patches: [], candidates: 0, sdpfrag: [] };
  window.whipTrickle = state;
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  state.pc = pc;
  const video = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', streams: [stream] });
  const h264 = RTCRtpSender.getCapabilities('video').codecs.filter((c) => /h264/i.test(c.mimeType));
  if (h264.length) video.setCodecPreferences(h264);
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly', streams: [stream] });

  let resource = null;
  let etag = null;
  let ready = false;  // the PATCHes may start (the test says when)
  const queue = [];
  let sending = Promise.resolve();
  const fragmentFor = (candidate) => {
    const sdp = pc.localDescription.sdp;
    const ufrag = /^a=ice-ufrag:(.*)\r$/m.exec(sdp)[1];
    const pwd = /^a=ice-pwd:(.*)\r$/m.exec(sdp)[1];
    // The m= line of the candidate's section (with max-bundle: the first one), as RFC 8840 asks.
    const sections = sdp.split(/^(?=m=)/m).slice(1);
    const mid = candidate ? candidate.sdpMid : /^a=mid:(.*)\r$/m.exec(sections[0])[1];
    const section = sections.find((m) => m.includes(`\r\na=mid:${mid}\r\n`));
    const mline = section.slice(0, section.indexOf('\r\n'));
    return `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\n${mline}\r\na=mid:${mid}\r\n` +
      (candidate ? `a=${candidate.candidate}\r\n` : 'a=end-of-candidates\r\n');
  };
  const flush = () => {
    if (!resource || !ready) return;
    while (queue.length) {
      const body = fragmentFor(queue.shift());
      state.sdpfrag.push(body);
      sending = sending.then(async () => {
        const headers = { 'Content-Type': 'application/trickle-ice-sdpfrag', Authorization: `Bearer ${token}` };
        if (etag) headers['If-Match'] = etag;
        const res = await fetch(resource, { method: 'PATCH', headers, body });
        state.patches.push(res.status);
      });
    }
  };
  pc.addEventListener('icecandidate', (event) => {
    if (event.candidate && !event.candidate.candidate) return;  // Chromium's empty end-of-generation marker
    if (event.candidate) state.candidates++;
    queue.push(event.candidate);  // null: end-of-candidates
    flush();
  });
  pc.addEventListener('connectionstatechange', () => { state.connection = pc.connectionState; });

  await pc.setLocalDescription(await pc.createOffer());
  const offer = pc.localDescription.sdp.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, '');
  const res = await fetch(`/whip/${room}`, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` }, body: offer,
  });
  const answer = await res.text();
  resource = new URL(res.headers.get('Location'), location.href).href;
  etag = res.headers.get('ETag');
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.replace(/^a=candidate:.*\r\n/gm, '') });
  state.startPatching = () => { ready = true; flush(); };
  return {
    status: res.status, etag, offerCandidates: (offer.match(/^a=candidate:/gm) || []).length,
    answerCandidates: (answer.match(/^a=candidate:/gm) || []).length,
    answerTrickle: /^a=ice-options:.*trickle/m.test(answer), resource,
  };
}

test('a trickling WHIP client (candidates only by PATCH) publishes and HLS plays it', async () => {
  const room = 'whip-trickle';
  const token = mintToken(server.secret, { role: 'teacher', room });
  const page = await browser.newPage();
  await withDiagnostics(page, server, 'whip-trickle', async () => {
    await page.goto(`${server.baseUrl}/healthz`);
    const posted = await page.evaluate(trickleClient, { room, token });
    assert.equal(posted.status, 201);
    assert.equal(posted.offerCandidates, 0);
    assert.ok(posted.answerCandidates > 0, 'the answer carries the server candidates, gathered before it');
    assert.ok(posted.answerTrickle, 'the answer says a=ice-options:trickle');
    assert.match(posted.etag || '', /^"[0-9a-f]+"$/);

    // Without the PATCHes neither side knows a candidate of the other: no connection.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.notEqual(await page.evaluate(() => window.whipTrickle.pc.connectionState), 'connected');

    await page.evaluate(() => window.whipTrickle.startPatching());
    await page.waitForFunction(() => window.whipTrickle.connection === 'connected', null, { timeout: 20000 });
    const sent = await page.evaluate(() => ({ patches: window.whipTrickle.patches,
      candidates: window.whipTrickle.candidates, sdpfrag: window.whipTrickle.sdpfrag }));
    assert.ok(sent.candidates > 0, 'Chromium gathered candidates');
    assert.ok(sent.patches.length > 0 && sent.patches.every((s) => s === 204),
      `PATCH statuses ${JSON.stringify(sent.patches)} for\n${sent.sdpfrag.join('\n')}`);

    const master = `${server.baseUrl}/hls/${room}/index.m3u8`;
    await waitForMaster(master);
    assert.equal((await roomInfo(room)).protocol, 'whip');
    const probed = await waitFor('ffprobe decoding video from HLS', async () => {
      const s = await ffprobeFrames(master);
      return s && Number(s.nb_read_frames) > 0 ? s : null;
    }, { timeoutMs: 45000, intervalMs: 1000 });
    assert.equal(probed.codec_name, 'h264');

    // An ICE restart (new credentials) is refused with 422 and leaves the session as it was.
    const restart = await whip('PATCH', new URL(posted.resource).pathname, {
      token, type: 'application/trickle-ice-sdpfrag',
      body: 'a=ice-ufrag:next\r\na=ice-pwd:0123456789abcdefghijklmn\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n',
    });
    assert.equal(restart.status, 422);
    assert.equal(await page.evaluate(() => window.whipTrickle.pc.connectionState), 'connected');

    assert.equal((await whip('DELETE', new URL(posted.resource).pathname)).status, 200);
    await page.evaluate(() => window.whipTrickle.pc.close());
  });
  await page.close();
});

// The page side of a publisher shaped like OBS Studio 30's WHIP output (libdatachannel; OBS 30 is not in
// Debian 12, whose OBS 29 has no WHIP): the audio section first with Opus only, then H.264 only
// (packetization-mode=1, constrained baseline), both sendonly, every candidate in the offer (no trickle), a bearer
// token; OBS takes the resource from a relative Location, and stops with DELETE, expecting 200.
async function obsShapedClient({ room, token }) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  window.obsShaped = { pc };
  const only = (kind, test) => RTCRtpSender.getCapabilities(kind).codecs.filter(test);
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly', streams: [stream] })
    .setCodecPreferences(only('audio', (c) => c.mimeType === 'audio/opus'));
  pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', streams: [stream] })
    .setCodecPreferences(only('video', (c) => c.mimeType === 'video/H264' &&
      /packetization-mode=1/.test(c.sdpFmtpLine || '') && /profile-level-id=42e01f/.test(c.sdpFmtpLine || '')));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  const offer = pc.localDescription.sdp;
  const res = await fetch(`/whip/${room}`, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` }, body: offer,
  });
  const answer = await res.text();
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  const rtpmaps = (sdp) => (sdp.match(/^a=rtpmap:\d+ [\w-]+/gm) || []).map((l) => l.split(' ')[1].toLowerCase());
  return { status: res.status, location: res.headers.get('Location'), offerSections: offer.match(/^m=\w+/gm),
    answerSections: answer.match(/^m=\w+/gm), offerCodecs: rtpmaps(offer), answerCodecs: rtpmaps(answer) };
}

function ffprobeStreams(url) {
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'json', url],
      { timeout: 30000 }, (err, stdout) => {
        if (err) return resolve([]);
        try { resolve(JSON.parse(stdout).streams || []); } catch { resolve([]); }
      });
  });
}

test('an OBS-shaped WHIP publisher (audio first, Opus + H.264 only, no trickle) publishes both tracks', async () => {
  const room = 'whip-obs';
  const token = mintToken(server.secret, { role: 'teacher', room });
  const page = await browser.newPage();
  await withDiagnostics(page, server, 'whip-obs', async () => {
    await page.goto(`${server.baseUrl}/healthz`);
    const posted = await page.evaluate(obsShapedClient, { room, token });
    assert.equal(posted.status, 201);
    assert.deepEqual(posted.offerSections, ['m=audio', 'm=video']);
    assert.deepEqual(posted.answerSections, ['m=audio', 'm=video'], 'the answer keeps the offer\'s order');
    assert.ok(posted.answerCodecs.includes('opus') && posted.answerCodecs.includes('h264'),
      `answer codecs ${posted.answerCodecs}`);
    assert.match(posted.location, /^\/whip\/whip-obs\/[0-9a-f]+$/, 'a relative Location, as OBS resolves it');
    await page.waitForFunction(() => window.obsShaped.pc.connectionState === 'connected', null, { timeout: 20000 });

    // HLS carries both: H.264 video and the Opus audio transcoded to AAC.
    const master = `${server.baseUrl}/hls/${room}/index.m3u8`;
    await waitForMaster(master);
    const streams = await waitFor('ffprobe finding video and audio in HLS', async () => {
      const found = await ffprobeStreams(master);
      const types = found.map((x) => `${x.codec_type}:${x.codec_name}`);
      return types.includes('video:h264') && types.includes('audio:aac') ? types : null;
    }, { timeoutMs: 45000, intervalMs: 1000 });
    assert.ok(streams.length >= 2);

    // Stop as OBS does: DELETE on the resource with the bearer token, 200; the class stops being live.
    assert.equal((await whip('DELETE', posted.location, { token })).status, 200);
    await waitFor('the room to stop being live', async () => {
      const r = await roomInfo(room);
      return !r || r.live === false;
    }, { timeoutMs: 15000 });
    await page.evaluate(() => window.obsShaped.pc.close());
  });
  await page.close();
});

test('WHIP refusals: 401, 403, 404, 412, 415, 400', async () => {
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
  const sdpfrag = 'a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\na=end-of-candidates\r\n';
  const trickle = { token: teacher, type: 'application/trickle-ice-sdpfrag', body: sdpfrag };
  assert.equal((await whip('PATCH', `/whip/${room}/0123456789abcdef`, trickle)).status, 404);
  assert.equal((await whip('PATCH', `/whip/${room}/0123456789abcdef`, { ...trickle, token: undefined })).status, 401);
  assert.equal((await whip('PATCH', `/whip/${room}/0123456789abcdef`, { ...trickle, token: student })).status, 403);
  assert.equal((await whip('PATCH', `/whip/${room}/0123456789abcdef`, { ...trickle, type: 'application/sdp' }))
    .status, 415);
  assert.equal((await whip('PATCH', `/whip/${room}/0123456789abcdef`, { ...trickle, body: 'nonsense' })).status, 400);
  assert.equal((await whip('PATCH', `/whip/${room}/0123456789abcdef`, { ...trickle, extra: { 'If-Match': '"0a"' } }))
    .status, 412);
  // Nothing of this started a broadcast.
  assert.equal(await roomInfo(room), null);
});
