// Feeds the answer SdpAnswer writes for chromium_whep_offer.sdp to a fresh Chromium recvonly peer connection:
// AIRCLASS_DUMP_ANSWER=/tmp/webrtc_answer.sdp build/tests/unit_webrtc --gtest_filter=SdpAnswer.AnswersChromiumWhepOffer
// node tests/unit/media/webrtc/vectors/check_answer_in_chromium.mjs /tmp/webrtc_answer.sdp
// Prints the signaling state (stable when Chromium accepted it) and the transceivers' directions.
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../../../web/package.json', import.meta.url).pathname);
const { chromium } = require('playwright-core');
const answer = fs.readFileSync(process.argv[2] || '/tmp/webrtc_answer.sdp', 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--headless=new'] });
const page = await browser.newPage();
const result = await page.evaluate(async (answer) => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  try {
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  } catch (e) { return 'ERROR ' + e.message; }
  return JSON.stringify({ signaling: pc.signalingState, dirs: pc.getTransceivers().map(t => [t.mid, t.currentDirection, t.receiver.track.kind]),
    codecs: pc.getTransceivers().map(t => t.receiver.getParameters().codecs.map(c => c.mimeType + ' ' + c.payloadType + ' ' + (c.sdpFmtpLine||''))) });
}, answer);
console.log(result);
await browser.close();
