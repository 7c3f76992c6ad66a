// The viewer side of bench/webrtc_latency. All times on this page's performance clock plus timeOrigin, the
// clock the publisher page (same browser) draws into the picture.
import { WhepPlayer } from '/web/js/webrtc_player.js';
import { JanusSession } from './janus_client.js';

const box = document.getElementById('videos');
const watching = {};  // name -> { samples, network, playout, pc(), stop() }
let janus = null;

const wall = (t) => performance.timeOrigin + t;

function newVideo() {
  const video = document.createElement('video');
  Object.assign(video, { muted: true, autoplay: true, playsInline: true, width: 320, height: 180 });
  box.appendChild(video);
  return video;
}

// Starts a viewer: { kind: 'whep', room, rendition } or { kind: 'janus', room, feed }. Returns
// { started, pc(), stop(), signaled() } once signaling is done (the media may still be on its way); marks.pc is
// the RTCPeerConnection as soon as it exists.
async function connect(spec, video, marks = {}) {
  if (spec.kind === 'whep') {
    const player = new WhepPlayer(video, { room: spec.room, rendition: spec.rendition });
    const started = player.start(10000);
    marks.pc = player.pc;
    started.catch(() => {});
    return { started, pc: () => player.pc, stop: () => player.stop(),
      // when the WHEP answer arrived (resource timing of the POST)
      signaled: () => performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/whep/') && e.initiatorType === 'fetch').at(-1)?.responseEnd };
  }
  if (!janus) janus = await JanusSession.create('/janus');
  const sub = await janus.subscribe(spec.room, spec.feed, video, marks);
  return { started: Promise.resolve(), pc: () => sub.pc, signaled: () => marks.signaled,
    stop: () => { sub.pc.close(); janus.detach(sub.handle); video.srcObject = null; } };
}

// Steady-state latency: every decoded frame's age at its expected display time, split at the time its last
// packet arrived (metadata.receiveTime): capture + encode + server + network | jitter buffer + decode + render.
window.watch = async (name, spec) => {
  const video = newVideo();
  const w = { samples: [], network: [], playout: [], frames: 0, unreadable: 0 };
  watching[name] = w;
  Object.assign(w, await connect(spec, video));
  const onFrame = (_now, meta) => {
    if (!w.stopped) video.requestVideoFrameCallback(onFrame);
    w.frames++;
    const code = Timecode.read(video);
    const shown = code === null ? null : Timecode.age(code, wall(meta.expectedDisplayTime));
    if (shown === null) { w.unreadable++; return; }
    w.samples.push(shown);
    if (meta.receiveTime !== undefined) {
      w.network.push(Timecode.age(code, wall(meta.receiveTime)));
      w.playout.push(meta.expectedDisplayTime - meta.receiveTime);
    }
  };
  video.requestVideoFrameCallback(onFrame);
  await w.started;
  return true;
};

window.resetSamples = () => {
  for (const w of Object.values(watching)) Object.assign(w, { samples: [], network: [], playout: [], frames: 0, unreadable: 0 });
};
window.samples = (name) => {
  const w = watching[name];
  return { samples: w.samples, network: w.network, playout: w.playout, frames: w.frames, unreadable: w.unreadable };
};

// The receiver's view from getStats: jitter buffer delay per frame, decode time per frame, losses, NACK/PLI.
async function inbound(pc) {
  let v = null;
  (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') v = s; });
  if (!v) return null;
  return { framesDecoded: v.framesDecoded, packetsReceived: v.packetsReceived, framesReceived: v.framesReceived,
    framesDropped: v.framesDropped, packetsLost: v.packetsLost,
    jitterBufferMs: v.jitterBufferEmittedCount ? (1000 * v.jitterBufferDelay) / v.jitterBufferEmittedCount : null,
    jitterBufferTargetMs: v.jitterBufferEmittedCount && v.jitterBufferTargetDelay !== undefined
      ? (1000 * v.jitterBufferTargetDelay) / v.jitterBufferEmittedCount : null,
    decodeMs: v.framesDecoded ? (1000 * v.totalDecodeTime) / v.framesDecoded : null,
    frameWidth: v.frameWidth, frameHeight: v.frameHeight, fps: v.framesPerSecond, nackCount: v.nackCount,
    pliCount: v.pliCount, keyFramesDecoded: v.keyFramesDecoded, decoder: v.decoderImplementation,
    jitterMs: v.jitter !== undefined ? 1000 * v.jitter : null };
}
window.viewerStats = async (name) => inbound(watching[name].pc());

window.stopAll = () => {
  for (const w of Object.values(watching)) { w.stopped = true; w.stop(); }
  box.replaceChildren();
};

// One joining viewer: ms from the start (before the RTCPeerConnection exists) to the end of signaling, to the
// connection being up (ICE + DTLS, polled every 2 ms) and to the first decoded frame (requestVideoFrameCallback),
// then it leaves.
window.join = async (spec, timeoutMs = 10000) => {
  const video = newVideo();
  const t0 = performance.now();
  let firstAgeMs = null;  // how old the first picture shown is (a replayed GOP starts in the past)
  const first = new Promise((resolve) => video.requestVideoFrameCallback((now, meta) => {
    const code = Timecode.read(video);
    if (code !== null) firstAgeMs = Timecode.age(code, wall(meta.expectedDisplayTime));
    resolve(now);
  }));
  performance.clearResourceTimings();
  const marks = {};
  let connected = null;
  const poll = setInterval(() => {
    if (connected === null && marks.pc && marks.pc.connectionState === 'connected') connected = performance.now();
  }, 2);
  // Where the wait goes once connected: the first RTP packet, the first decoded frame (getStats every 10 ms).
  const firsts = {};
  const statsPoll = setInterval(async () => {
    if (connected === null) return;
    const s = await inbound(marks.pc).catch(() => null);
    const t = performance.now() - t0;
    if (s && s.packetsReceived > 0 && firsts.packetMs === undefined) firsts.packetMs = t;
    if (s && s.framesDecoded > 0 && firsts.decodedMs === undefined) firsts.decodedMs = t;
    if (s && (!firsts.timeline || t - firsts.timeline.at(-1)[0] >= 50)) {  // [ms, packets, frames received]
      (firsts.timeline ||= []).push([Math.round(t), s.packetsReceived, s.framesReceived]);
    }
  }, 10);
  let viewer = null;
  try {
    viewer = await connect(spec, video, marks);
    const t = await Promise.race([first, new Promise((r) => setTimeout(() => r(null), timeoutMs))]);
    const signaled = viewer.signaled();
    const atFirst = t === null ? null : await inbound(marks.pc).catch(() => null);
    if (atFirst) {
      Object.assign(firsts, { atFirst: { decoded: atFirst.framesDecoded, keyframes: atFirst.keyFramesDecoded,
        received: atFirst.framesReceived, packets: atFirst.packetsReceived, dropped: atFirst.framesDropped,
        lost: atFirst.packetsLost, nack: atFirst.nackCount,
        pli: atFirst.pliCount, jitterBufferMs: atFirst.jitterBufferMs } });
    }
    return { firstFrameMs: t === null ? null : t - t0, signaledMs: signaled ? signaled - t0 : null,
      connectedMs: connected === null ? null : connected - t0, firstAgeMs, ...firsts };
  } finally {
    clearInterval(poll);
    clearInterval(statsPoll);
    if (viewer) viewer.stop();
    video.remove();
  }
};
