// A minimal Janus client over its HTTP API (fetch + one long poll per session), enough for the latency bench:
// publish a MediaStream to a videoroom and subscribe to that publisher. No janus.js. The base URL is same-origin
// (run.mjs proxies /janus to Janus). Candidates are trickled as the browser finds them, like janus.js does.
// Usage (an ES module):
//   const s = await JanusSession.create('/janus');
//   const pub = await s.publish(room, stream, { codec: 'h264' });  // { pc, feed }
//   const sub = await s.subscribe(room, feed, video);               // { pc }; video.srcObject set on track
//   await s.destroy();
const tx = () => Math.random().toString(36).slice(2, 14);

export class JanusSession {
  constructor(base, id) {
    this.base = base;
    this.id = id;
    this.waiting = new Map();  // transaction -> resolve, for plugin events (they carry the request's transaction)
    this.closed = false;
    this.poll();
  }

  static async create(base) {
    const res = await JanusSession.post(base, { janus: 'create' });
    return new JanusSession(base, res.data.id);
  }

  static async post(url, body) {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ ...body, transaction: body.transaction || tx() }),
      cache: 'no-store' });
    const json = await res.json();
    if (json.janus === 'error') throw new Error(`janus: ${json.error.code} ${json.error.reason}`);
    return json;
  }

  async poll() {
    while (!this.closed) {
      let events;
      try {
        const res = await fetch(`${this.base}/${this.id}?maxev=10&rid=${Date.now()}`, { cache: 'no-store' });
        events = await res.json();
      } catch {
        if (!this.closed) await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const event of Array.isArray(events) ? events : [events]) {
        const waiter = event.transaction && this.waiting.get(event.transaction);
        if (waiter && event.janus === 'event') {
          this.waiting.delete(event.transaction);
          waiter(event);
        }
      }
    }
  }

  async attach() {
    const res = await JanusSession.post(`${this.base}/${this.id}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    return res.data.id;
  }

  // Sends a plugin message and waits for its asynchronous event (the synchronous answer is only an ack).
  async message(handle, body, jsep) {
    const transaction = tx();
    const event = new Promise((resolve) => this.waiting.set(transaction, resolve));
    const ack = await JanusSession.post(`${this.base}/${this.id}/${handle}`,
      { janus: 'message', transaction, body, ...(jsep ? { jsep } : {}) });
    if (ack.janus === 'success') {  // answered synchronously after all
      this.waiting.delete(transaction);
      return ack;
    }
    const result = await event;
    const data = result.plugindata && result.plugindata.data;
    if (data && data.error) throw new Error(`janus videoroom: ${data.error_code} ${data.error}`);
    return result;
  }

  trickle(handle, pc) {
    pc.addEventListener('icecandidate', (e) => {
      const candidate = e.candidate && e.candidate.candidate
        ? { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex }
        : { completed: true };
      JanusSession.post(`${this.base}/${this.id}/${handle}`, { janus: 'trickle', candidate }).catch(() => {});
    });
  }

  async publish(room, stream, { codecOrder = null } = {}) {
    const handle = await this.attach();
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.trickle(handle, pc);
    for (const track of stream.getTracks()) {
      const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      if (codecOrder && track.kind === 'video') t.setCodecPreferences(codecOrder);
    }
    await pc.setLocalDescription(await pc.createOffer());
    const event = await this.message(handle, { request: 'joinandconfigure', room, ptype: 'publisher', display: 'bench',
      audio: false, video: true }, { type: 'offer', sdp: pc.localDescription.sdp });
    await pc.setRemoteDescription(event.jsep);
    return { pc, feed: event.plugindata.data.id, handle };
  }

  // marks (optional): marks.pc = the connection once it exists, marks.signaled = performance.now() once the
  // answer is sent.
  async subscribe(room, feed, video, marks = {}) {
    const handle = await this.attach();
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    marks.pc = pc;
    this.trickle(handle, pc);
    pc.ontrack = (e) => {
      if (!video.srcObject) video.srcObject = new MediaStream();
      video.srcObject.addTrack(e.track);
    };
    const event = await this.message(handle, { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
    await pc.setRemoteDescription(event.jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    await this.message(handle, { request: 'start', room }, { type: 'answer', sdp: pc.localDescription.sdp });
    marks.signaled = performance.now();
    return { pc, handle };
  }

  async detach(handle) {
    await JanusSession.post(`${this.base}/${this.id}/${handle}`, { janus: 'detach' }).catch(() => {});
  }

  async destroy() {
    this.closed = true;
    await JanusSession.post(`${this.base}/${this.id}`, { janus: 'destroy' }).catch(() => {});
  }
}
