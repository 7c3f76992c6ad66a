// The teacher's broadcast panel, rendered into <section id="broadcast"> of teacher.html: pick a camera and a
// microphone, or share the screen (alone, or with the camera as a picture-in-picture corner: both are drawn on one
// canvas and sent as one video track), preview, go live over WHIP (RFC 9725: an RTCPeerConnection with sendonly
// tracks, the offer POSTed to /whip/<room> with the teacher token, the answer applied), stop (DELETE of the
// resource). Shows the state and the number of students in the class (the page's signaling presence).
// The video codec is H.264 when the browser has it (the server then keeps the picture as it is), VP8 otherwise;
// `?codec=vp8` or `?codec=h264` in the page address forces one.
import { pageToken, tokenClaims } from './page_token.js';

const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const GATHER_MS = 2000;        // the offer goes out with the candidates gathered by then (no trickle)
const COMPOSE_FPS = 30;
const CAMERA_CORNER = 0.25;    // the camera's width in the screen + camera picture
const MAX_VIDEO_BPS = 2500000;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// Codec order for the video transceiver: the wanted codec first (H.264 packetization-mode=1 before its other
// variants), everything else (RTX, RED, FEC, other codecs) after, unless the codec is forced.
function codecOrder(wanted, forced) {
  const caps = RTCRtpReceiver.getCapabilities && RTCRtpReceiver.getCapabilities('video');
  if (!caps) return null;
  const name = wanted === 'vp8' ? 'video/vp8' : 'video/h264';
  const score = (c) => {
    if (c.mimeType.toLowerCase() !== name) return 2;
    return /packetization-mode=1/.test(c.sdpFmtpLine || '') || name === 'video/vp8' ? 0 : 1;
  };
  const preferred = caps.codecs.filter((c) => score(c) < 2).sort((a, b) => score(a) - score(b));
  if (preferred.length === 0) return null;
  const media = ['video/h264', 'video/vp8', 'video/vp9', 'video/av1'];
  const rest = caps.codecs.filter((c) => score(c) === 2 && !(forced && media.includes(c.mimeType.toLowerCase())));
  return [...preferred, ...rest];
}

// A timer that keeps running in a background tab (a worker's timers are not throttled like the page's), so
// the composed picture keeps its frame rate while the teacher shows another window.
function backgroundTicker(fps, onTick) {
  const source = `setInterval(() => postMessage(0), ${Math.round(1000 / fps)});`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  worker.onmessage = onTick;
  return () => worker.terminate();
}

function playing(stream) {
  const video = el('video', { muted: true, playsInline: true, autoplay: true });
  video.srcObject = stream;
  video.play().catch(() => {});
  return video;
}

// Screen + camera in one track: the screen fills a canvas, the camera sits in the bottom-right corner.
function compose(screen, camera) {
  const screenVideo = playing(screen);
  const cameraVideo = playing(camera);
  const settings = screen.getVideoTracks()[0].getSettings();
  const canvas = el('canvas', { width: settings.width || 1280, height: settings.height || 720 });
  const ctx = canvas.getContext('2d');
  const draw = () => {
    const w = screenVideo.videoWidth || canvas.width;
    const h = screenVideo.videoHeight || canvas.height;
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    ctx.drawImage(screenVideo, 0, 0, w, h);
    if (cameraVideo.videoWidth) {
      const cw = Math.round(w * CAMERA_CORNER);
      const ch = Math.round(cw * cameraVideo.videoHeight / cameraVideo.videoWidth);
      ctx.drawImage(cameraVideo, w - cw - 16, h - ch - 16, cw, ch);
    }
  };
  const stopTicker = backgroundTicker(COMPOSE_FPS, draw);
  const stream = canvas.captureStream(COMPOSE_FPS);
  return {
    track: stream.getVideoTracks()[0],
    stop() {
      stopTicker();
      screenVideo.srcObject = null;
      cameraVideo.srcObject = null;
    },
  };
}

export class BroadcastPanel {
  constructor(root, { room, token, codec = '' }) {
    this.root = root;
    this.room = room;
    this.token = token;
    this.forcedCodec = codec;
    this.captures = [];     // MediaStreams we opened (stopped on a source change)
    this.composer = null;
    this.stream = null;     // what is previewed and sent: one video track, at most one audio track
    this.pc = null;
    this.resource = null;   // the WHIP resource URL (Location)
    this.state = 'idle';    // idle | preview | connecting | live | error
    this.codec = '';
    this.render();
  }

  render() {
    this.sourceSelect = el('select', { id: 'broadcast-source' },
      el('option', { value: 'camera' }, 'Camera'),
      el('option', { value: 'screen' }, 'Screen'),
      el('option', { value: 'screen+camera' }, 'Screen + camera'));
    this.cameraSelect = el('select', { id: 'broadcast-camera' });
    this.micSelect = el('select', { id: 'broadcast-mic' });
    this.preview = el('video', { id: 'broadcast-preview', muted: true, playsInline: true, autoplay: true,
      class: 'broadcast-preview' });
    this.previewButton = el('button', { id: 'broadcast-preview-button', type: 'button' }, 'Preview');
    this.liveButton = el('button', { id: 'broadcast-go-live', type: 'button', class: 'primary' }, 'Go live');
    this.stopButton = el('button', { id: 'broadcast-stop', type: 'button', disabled: true }, 'Stop');
    this.statusEl = el('p', { id: 'broadcast-status', role: 'status', 'aria-live': 'polite' }, 'Not live');
    this.viewersEl = el('p', { id: 'broadcast-viewers', class: 'muted' }, 'Students in class: –');
    // Layout kept here (style.css belongs to the page): the preview fills the card's width.
    this.preview.style.cssText =
      'display:block;width:100%;max-height:40vh;background:#000;border-radius:6px;margin:.5rem 0';
    const row = 'display:flex;flex-wrap:wrap;gap:.5rem;align-items:center';
    const label = (text, control) => el('label', {}, text + ' ', control);
    this.root.classList.add('card');
    this.root.replaceChildren(
      el('h2', {}, 'Broadcast'),
      el('div', { class: 'broadcast-controls', style: row },
        label('Source', this.sourceSelect), label('Camera', this.cameraSelect), label('Microphone', this.micSelect)),
      this.preview,
      el('div', { class: 'broadcast-actions', style: row }, this.previewButton, this.liveButton, this.stopButton),
      this.statusEl, this.viewersEl);
    this.previewButton.addEventListener('click', () => this.startPreview().catch((e) => this.fail(e)));
    this.liveButton.addEventListener('click', () => this.goLive().catch((e) => this.fail(e)));
    this.stopButton.addEventListener('click', () => this.stop());
    this.sourceSelect.addEventListener('change', () => this.sourceChanged());
    this.cameraSelect.addEventListener('change', () => this.sourceChanged());
    this.micSelect.addEventListener('change', () => this.sourceChanged());
    this.listDevices();
  }

  async listDevices() {
    let devices = [];
    try { devices = await navigator.mediaDevices.enumerateDevices(); } catch { /* no devices API */ }
    const fill = (select, kind, none) => {
      const previous = select.value;
      const options = devices.filter((d) => d.kind === kind)
        .map((d, i) => el('option', { value: d.deviceId },
          d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`));
      if (none) options.push(el('option', { value: 'none' }, none));
      select.replaceChildren(...options);
      if ([...select.options].some((o) => o.value === previous)) select.value = previous;
    };
    fill(this.cameraSelect, 'videoinput', null);
    fill(this.micSelect, 'audioinput', 'No microphone');
  }

  setState(state, text) {
    this.state = state;
    this.statusEl.textContent = text;
    this.root.dataset.state = state;
    const sending = state === 'connecting' || state === 'live';
    this.liveButton.disabled = sending;
    this.stopButton.disabled = !sending;
    this.sourceSelect.disabled = sending;
  }

  fail(error) {
    console.error('broadcast:', error);
    this.teardownPeer();
    this.setState('error', 'Error: ' + (error && error.message ? error.message : String(error)));
  }

  async sourceChanged() {
    if (this.state === 'connecting' || this.state === 'live') return;
    if (this.stream) await this.startPreview().catch((e) => this.fail(e));
  }

  releaseCapture() {
    if (this.composer) this.composer.stop();
    this.composer = null;
    for (const s of this.captures) s.getTracks().forEach((t) => t.stop());
    this.captures = [];
    this.stream = null;
  }

  async capture() {
    const source = this.sourceSelect.value;
    const camId = this.cameraSelect.value;
    const micId = this.micSelect.value;
    const audio = micId === 'none' ? false : (micId ? { deviceId: { exact: micId } } : true);
    const cameraVideo = camId ? { deviceId: { exact: camId } } : true;
    let video;
    let audioTrack = null;
    if (source === 'camera') {
      const cam = await navigator.mediaDevices.getUserMedia({ video: cameraVideo, audio });
      this.captures.push(cam);
      video = cam.getVideoTracks()[0];
      audioTrack = cam.getAudioTracks()[0] || null;
    } else {
      const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: COMPOSE_FPS }, audio: false });
      this.captures.push(screen);
      video = screen.getVideoTracks()[0];
      video.addEventListener('ended', () => this.stop());  // the browser's "Stop sharing"
      const wantsCamera = source === 'screen+camera';
      if (wantsCamera || audio) {
        const extra = await navigator.mediaDevices.getUserMedia({ video: wantsCamera ? cameraVideo : false, audio });
        this.captures.push(extra);
        audioTrack = extra.getAudioTracks()[0] || null;
        if (wantsCamera) {
          this.composer = compose(screen, extra);
          video = this.composer.track;
        }
      }
      video.contentHint = 'detail';  // slides and text: keep them sharp rather than smooth
    }
    this.stream = new MediaStream(audioTrack ? [video, audioTrack] : [video]);
    this.preview.srcObject = this.stream;
    this.preview.play().catch(() => {});
    this.listDevices();  // labels are known once permission is granted
  }

  async startPreview() {
    this.releaseCapture();
    await this.capture();
    if (this.state !== 'live' && this.state !== 'connecting') this.setState('preview', 'Preview (not live)');
  }

  async goLive() {
    if (!this.stream) await this.startPreview();
    this.setState('connecting', 'Connecting…');
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.pc = pc;
    const [video] = this.stream.getVideoTracks();
    const [audio] = this.stream.getAudioTracks();
    const videoTransceiver = pc.addTransceiver(video, { direction: 'sendonly', streams: [this.stream],
      sendEncodings: [{ maxBitrate: MAX_VIDEO_BPS }] });
    const order = codecOrder(this.forcedCodec || 'h264', Boolean(this.forcedCodec)) ||
      (this.forcedCodec ? null : codecOrder('vp8', false));
    if (order && videoTransceiver.setCodecPreferences) videoTransceiver.setCodecPreferences(order);
    if (audio) pc.addTransceiver(audio, { direction: 'sendonly', streams: [this.stream] });
    pc.addEventListener('connectionstatechange', () => this.connectionChanged(pc));

    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, GATHER_MS);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
      });
    });
    if (this.pc !== pc) return;  // stopped meanwhile
    const res = await fetch('/whip/' + encodeURIComponent(this.room), {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer ' + this.token },
      body: pc.localDescription.sdp,
    });
    if (res.status !== 201) {
      let message = `HTTP ${res.status}`;
      try { message = (await res.json()).error.message || message; } catch { /* not JSON */ }
      throw new Error(message);
    }
    const location = res.headers.get('Location');
    this.resource = location ? new URL(location, window.location.href).href : null;
    const answer = await res.text();
    if (this.pc !== pc) {  // stopped while the answer was on its way
      this.deleteResource();
      return;
    }
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    const match = /a=rtpmap:\d+ (H264|VP8)\//i.exec(answer);
    this.codec = match ? match[1].toUpperCase() : '';
  }

  connectionChanged(pc) {
    if (this.pc !== pc) return;
    if (pc.connectionState === 'connected') {
      this.setState('live', 'Live' + (this.codec ? ` (${this.codec})` : ''));
    } else if (pc.connectionState === 'failed') {
      this.fail(new Error('the connection to the server failed'));
    } else if (pc.connectionState === 'disconnected' && this.state === 'live') {
      this.statusEl.textContent = 'Connection unstable…';
    }
  }

  deleteResource() {
    if (!this.resource) return;
    const url = this.resource;
    this.resource = null;
    fetch(url, { method: 'DELETE', headers: { Authorization: 'Bearer ' + this.token }, keepalive: true })
      .catch(() => {});
  }

  teardownPeer() {
    this.deleteResource();
    if (this.pc) this.pc.close();
    this.pc = null;
  }

  stop() {
    const wasSending = this.state === 'connecting' || this.state === 'live';
    this.teardownPeer();
    if (wasSending || this.state === 'error') {
      this.setState(this.stream ? 'preview' : 'idle', this.stream ? 'Stopped (preview still on)' : 'Not live');
    }
  }

  showViewers(presence) {
    const counts = presence && presence.counts;
    if (!counts) return;
    const students = Number(counts.student) || 0;
    this.viewersEl.textContent = 'Students in class: ' + students;
    this.viewersEl.dataset.count = String(students);
  }
}

async function main() {
  const root = document.getElementById('broadcast');
  if (!root) return;
  const params = new URLSearchParams(location.search);
  let room = params.get('room') || '';
  if (!room && params.get('token')) room = tokenClaims(params.get('token')).room || '';
  if (!ROOM_PATTERN.test(room)) return;  // teacher.js explains what is missing
  const token = await pageToken('teacher', room);
  if (!token) return;
  const codec = /^(h264|vp8)$/i.test(params.get('codec') || '') ? params.get('codec').toLowerCase() : '';
  const panel = new BroadcastPanel(root, { room, token, codec });
  window.airclassBroadcast = panel;
  window.addEventListener('pagehide', () => panel.teardownPeer());
  // The class count comes from the page's signaling client (teacher.js), once it exists.
  const attach = () => {
    const client = window.airclassTeacher && window.airclassTeacher.client;
    if (!client) return false;
    for (const type of ['joined', 'resumed', 'presence']) {
      client.addEventListener(type, (e) => panel.showViewers(e.detail.presence));
    }
    return true;
  };
  if (!attach()) {
    const timer = setInterval(() => { if (attach()) clearInterval(timer); }, 200);
    setTimeout(() => clearInterval(timer), 30000);
  }
}

main();
