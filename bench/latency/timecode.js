// Reads the time code drawn by timecode_source.cpp from each decoded frame and records now - code.
'use strict';
const params = new URLSearchParams(location.search);
const video = document.getElementById('v');
const out = document.getElementById('out');
window.samples = [];
window.edge = [];  // hls.js's own distance behind the live edge (ms): the player's share of the latency
window.errors = [];

const canvas = document.createElement('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true });
const BLOCKS = 34;

function readCode() {
  const w = (canvas.width = video.videoWidth);
  const h = (canvas.height = video.videoHeight);
  if (!w || !h) return null;
  ctx.drawImage(video, 0, 0, w, h);
  const row = Math.floor(h / 16);
  const line = ctx.getImageData(0, row, w, 1).data;
  const luma = (b) => {
    const x = Math.floor(((b + 0.5) * w) / BLOCKS);
    return line[x * 4] * 0.299 + line[x * 4 + 1] * 0.587 + line[x * 4 + 2] * 0.114;
  };
  const white = luma(0);
  const black = luma(BLOCKS - 1);
  if (white - black < 80) return null;  // not a time-coded frame
  const threshold = (white + black) / 2;
  let code = 0;
  for (let b = 1; b <= 32; b++) code = code * 2 + (luma(b) > threshold ? 1 : 0);
  return code;
}

function onFrame() {
  const code = readCode();
  if (code !== null) {
    const now = Date.now() % 2 ** 32;
    const latency = (now - code + 2 ** 32) % 2 ** 32;
    if (latency < 60000) {
      window.samples.push(latency);
      if (Number.isFinite(hls.latency)) window.edge.push(Math.round(hls.latency * 1000));
    }
  }
  out.textContent = `${window.samples.length} samples, last ${window.samples.at(-1)} ms`;
  video.requestVideoFrameCallback(onFrame);
}

const hls = new Hls({ lowLatencyMode: params.get('ll') === '1', maxLiveSyncPlaybackRate: 1.5 });
hls.on(Hls.Events.ERROR, (_e, data) => {
  window.errors.push(`${Math.round(video.currentTime)}s ${data.type}/${data.details}`);
  if (data.fatal) setTimeout(() => hls.loadSource(params.get('src')), 1000);
});
hls.loadSource(params.get('src'));
hls.attachMedia(video);
video.requestVideoFrameCallback(onFrame);
