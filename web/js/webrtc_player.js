// WebRTC playback over WHEP: a recvonly RTCPeerConnection (video + audio), the offer POSTed to /whep/<room>,
// the answer applied, the stream attached to a <video>. Our server is ICE-lite and learns the browser's address
// from its connectivity checks, so the offer goes out at once, without waiting for candidates (no trickle).
// Usage (an ES module):
//   const player = new WhepPlayer(video, { room, token, onEnded });
//   await player.start(3500);  // resolves once a frame is decoded; rejects on failure or timeout
//   player.stop();             // closes the connection and DELETEs the WHEP session
export class WhepPlayer {
  constructor(video, { room, token = '', rendition = '', onEnded = null } = {}) {
    this.video = video;
    this.room = room;
    this.token = token;
    this.rendition = rendition;
    this.onEnded = onEnded;  // called once when an established session fails or the server ends it
    this.pc = null;
    this.location = null;
    this.stopped = false;
    this.playing = false;
    this.disconnectTimer = null;
    this.onPageHide = () => this.stop();  // leaving the page ends the WHEP session (keepalive DELETE)
  }

  // Connects and waits for the first decoded frame. Rejects (after cleaning up) on an HTTP error (the error's
  // `status`: 404 = the room is not live), a failed connection, or when nothing plays within timeoutMs.
  async start(timeoutMs = 3500) {
    let timer = null;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('WebRTC did not start within ' + timeoutMs + ' ms')), timeoutMs);
    });
    try {
      await Promise.race([this.connect(), timeout]);
      this.playing = true;
    } catch (err) {
      this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async connect() {
    if (typeof RTCPeerConnection !== 'function') throw new Error('no WebRTC in this browser');
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.pc = pc;
    window.addEventListener('pagehide', this.onPageHide);
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    pc.ontrack = (event) => {
      stream.addTrack(event.track);
      if (this.video.srcObject !== stream) this.video.srcObject = stream;
    };
    const failed = new Promise((_, reject) => {
      pc.onconnectionstatechange = () => {
        const state = pc.connectionState;
        if (state === 'failed' || state === 'closed') {
          reject(new Error('WebRTC connection ' + state));
          this.ended('connection ' + state);
        } else if (state === 'disconnected') {
          // ICE may recover by itself; give it a few seconds before giving up.
          clearTimeout(this.disconnectTimer);
          this.disconnectTimer = setTimeout(() => {
            if (pc.connectionState === 'disconnected') this.ended('connection lost');
          }, 4000);
        }
      };
    });

    await pc.setLocalDescription(await pc.createOffer());
    const headers = { 'Content-Type': 'application/sdp' };
    if (this.token) headers.Authorization = 'Bearer ' + this.token;
    const query = this.rendition ? '?rendition=' + encodeURIComponent(this.rendition) : '';
    const res = await fetch('/whep/' + encodeURIComponent(this.room) + query, {
      method: 'POST', headers, body: pc.localDescription.sdp, cache: 'no-store',
    });
    if (res.status !== 201) {
      let message = 'HTTP ' + res.status;
      try { message += ': ' + (await res.json()).error.message; } catch { /* not JSON */ }
      throw Object.assign(new Error('WHEP offer refused (' + message + ')'), { status: res.status });
    }
    const location = res.headers.get('Location');
    if (location) this.location = new URL(location, location.startsWith('/') ? window.location.href : res.url).href;
    if (this.stopped) throw new Error('stopped');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await Promise.race([this.firstFrame(), failed]);
  }

  // Resolves when the <video> has a decoded frame to show.
  firstFrame() {
    return new Promise((resolve) => {
      const check = () => {
        if (this.video.readyState >= 2 && this.video.videoWidth > 0) {
          this.video.removeEventListener('loadeddata', check);
          this.video.removeEventListener('resize', check);
          resolve();
        }
      };
      this.video.addEventListener('loadeddata', check);
      this.video.addEventListener('resize', check);
      check();
    });
  }

  ended(reason) {
    if (this.stopped) return;
    const wasPlaying = this.playing;
    this.stop();
    if (wasPlaying && this.onEnded) this.onEnded(reason);
  }

  // { framesDecoded, width, height, bitrate inputs, jitterBufferMs } of the inbound video, or null.
  async stats() {
    if (!this.pc) return null;
    const report = await this.pc.getStats();
    let video = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') video = s;
    });
    if (!video) return null;
    return {
      framesDecoded: video.framesDecoded || 0,
      width: video.frameWidth || 0,
      height: video.frameHeight || 0,
      bytesReceived: video.bytesReceived || 0,
      packetsLost: video.packetsLost || 0,
      jitterBufferMs: video.jitterBufferEmittedCount
        ? (1000 * video.jitterBufferDelay) / video.jitterBufferEmittedCount : null,
      timestamp: video.timestamp,
    };
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.playing = false;
    clearTimeout(this.disconnectTimer);
    window.removeEventListener('pagehide', this.onPageHide);
    // DELETE first; closing the connection also ends the session on the server (DTLS close_notify), so the
    // DELETE may find it gone already (404).
    if (this.location) {
      const headers = this.token ? { Authorization: 'Bearer ' + this.token } : {};
      fetch(this.location, { method: 'DELETE', headers, keepalive: true }).catch(() => {});
    }
    this.location = null;
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.ontrack = null;
      this.pc.close();
    }
    this.pc = null;
    if (this.video.srcObject) this.video.srcObject = null;
  }
}
