// The picture time code shared by the latency probes (a classic script: window.Timecode). Layout, as drawn by
// timecode_source.cpp: 34 blocks across the top 1/8 of the picture, block 0 white and block 33 black
// (calibration), blocks 1..32 the low 32 bits of a millisecond clock, most significant first (white = 1).
//   Timecode.draw(ctx2d, width, height, ms)  paints the code (the WebRTC publisher page draws it on a canvas)
//   Timecode.read(source)                    the code in a decoded frame (<video>), or null if there is none
'use strict';
window.Timecode = (() => {
  const BLOCKS = 34;
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });

  function draw(target, w, h, ms) {
    const code = ms % 2 ** 32;
    const band = Math.floor(h / 8);
    for (let b = 0; b < BLOCKS; b++) {
      const white = b === 0 ? true : b === BLOCKS - 1 ? false : Math.floor(code / 2 ** (32 - b)) % 2 === 1;
      const x0 = Math.floor((b * w) / BLOCKS);
      const x1 = Math.floor(((b + 1) * w) / BLOCKS);
      target.fillStyle = white ? 'rgb(235,235,235)' : 'rgb(16,16,16)';
      target.fillRect(x0, 0, x1 - x0, band);
    }
  }

  function read(source) {
    const w = (canvas.width = source.videoWidth);
    const h = (canvas.height = source.videoHeight);
    if (!w || !h) return null;
    ctx.drawImage(source, 0, 0, w, h);
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

  // Milliseconds from `code` (read from a frame) to `nowMs` (the same 32-bit clock), or null if implausible.
  function age(code, nowMs) {
    const latency = (Math.round(nowMs) - code + 2 ** 32) % 2 ** 32;
    return latency < 60000 ? latency : null;
  }

  return { draw, read, age };
})();
