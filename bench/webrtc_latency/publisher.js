// The publisher side of bench/webrtc_latency: one canvas stream, sent once per server (one encoder each).
import { JanusSession } from './janus_client.js';

const canvas = document.getElementById('c');
const ctx = canvas.getContext('2d');
const stream = canvas.captureStream(30);
const pcs = {};
let draws = 0;

// 30 times a second: a moving bar (so the encoder has motion to code) and the clock on top. A timer, not
// requestAnimationFrame: once the viewer page has no video playing, headless Chromium stops driving the
// other page's animation frames (3 frames/s measured), and the joining viewers would see a starved source.
function draw() {
  const now = performance.timeOrigin + performance.now();
  ctx.fillStyle = 'rgb(40,60,90)';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = 'rgb(200,120,40)';
  ctx.fillRect((draws * 8) % canvas.width, canvas.height / 3, 60, canvas.height / 2);
  Timecode.draw(ctx, canvas.width, canvas.height, Math.round(now));
  draws++;
}
setInterval(draw, 1000 / 30);

// H.264 constrained baseline with packetization-mode=1 first (what both servers forward untouched).
function h264First() {
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  const score = (c) => (c.mimeType === 'video/H264' ? 2 : 0) +
    (/packetization-mode=1/.test(c.sdpFmtpLine || '') && /profile-level-id=42e01f/.test(c.sdpFmtpLine || '') ? 1 : 0);
  return [...codecs].sort((a, b) => score(b) - score(a));
}

window.publishWhip = async (room, token) => {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const t = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', streams: [stream] });
  t.setCodecPreferences(h264First());
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {  // the WHIP endpoint takes no trickle: send every candidate in the offer
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  const res = await fetch('/whip/' + room, { method: 'POST', body: pc.localDescription.sdp,
    headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer ' + token } });
  if (res.status !== 201) throw new Error('WHIP: HTTP ' + res.status + ' ' + (await res.text()));
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  pcs.airclass = pc;
  return /a=rtpmap:\d+ (\w+)\//.exec(pc.remoteDescription.sdp)[1];
};

window.publishJanus = async (room) => {
  const session = await JanusSession.create('/janus');
  const { pc, feed } = await session.publish(room, stream, { codecOrder: h264First() });
  pcs.janus = pc;
  return feed;
};

// Per server: the encoder's own time per frame and the sender's pacing delay, from getStats.
window.publisherStats = async () => {
  const out = { draws };
  for (const [name, pc] of Object.entries(pcs)) {
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
      out[name] = { framesEncoded: s.framesEncoded, frameWidth: s.frameWidth, keyFramesEncoded: s.keyFramesEncoded,
        encodeMs: s.framesEncoded ? (1000 * s.totalEncodeTime) / s.framesEncoded : null,
        packetSendDelayMs: s.packetsSent ? (1000 * s.totalPacketSendDelay) / s.packetsSent : null,
        encoder: s.encoderImplementation, pliCount: s.pliCount, firCount: s.firCount,
        qualityLimitation: s.qualityLimitationReason, kbps: null, bytesSent: s.bytesSent };
    });
  }
  return out;
};
