// Reads the time code drawn by timecode_source.cpp from each decoded frame (timecode_code.js) and records
// now - code.
'use strict';
const params = new URLSearchParams(location.search);
const video = document.getElementById('v');
const out = document.getElementById('out');
window.samples = [];
window.edge = [];  // hls.js's own distance behind the live edge (ms): the player's share of the latency
window.errors = [];

function onFrame() {
  const code = Timecode.read(video);
  if (code !== null) {
    const latency = Timecode.age(code, Date.now());
    if (latency !== null) {
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
