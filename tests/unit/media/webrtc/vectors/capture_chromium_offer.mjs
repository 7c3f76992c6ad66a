// Captures real WebRTC offers from Debian's Chromium (headless) for the SDP parser tests.
// Run: node tests/unit/media/webrtc/vectors/capture_chromium_offer.mjs  (from the repo root)
// Writes chromium_whep_offer.sdp (recvonly video+audio, a WHEP viewer) and chromium_whip_offer.sdp
// (sendonly video+audio from fake capture devices, a WHIP publisher) next to this script.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../../../../web/package.json'));
const { chromium } = require('playwright-core');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airclass-sdp-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.AIRCLASS_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream'],
});
try {
  const page = await context.newPage();
  await page.goto('about:blank');
  const whep = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); }; setTimeout(r, 3000); });
    return pc.localDescription.sdp;
  });
  const whip = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const canvas = document.createElement('canvas');
    canvas.width = 320; canvas.height = 240;
    canvas.getContext('2d').fillRect(0, 0, 10, 10);
    const video = canvas.captureStream(30).getVideoTracks()[0];
    const ac = new AudioContext();
    const audio = ac.createMediaStreamDestination().stream.getAudioTracks()[0];
    const stream = new MediaStream([video, audio]);
    pc.addTransceiver(video, { direction: 'sendonly', streams: [stream] });
    pc.addTransceiver(audio, { direction: 'sendonly', streams: [stream] });
    const offer = await pc.createOffer();
    return offer.sdp;
  });
  fs.writeFileSync(path.join(here, 'chromium_whep_offer.sdp'), whep);
  fs.writeFileSync(path.join(here, 'chromium_whip_offer.sdp'), whip);
  console.log(await page.evaluate(() => navigator.userAgent));
} finally {
  await context.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
