// The lesson player: plays a room's Low-Latency HLS stream with hls.js (native HLS where MSE is missing, e.g.
// iPhone Safari), shows latency and quality, waits for the teacher and recovers by itself from stalls, media
// errors, network errors and teacher reconnects, without a page reload. Used by the student page and by the
// admin room page (what the students see); it drives the player markup both pages share (ids video, overlay,
// overlay-spinner, overlay-title, overlay-detail, play-button, state, latency, quality, teacher,
// quality-select, unmute-button). Needs /vendor/hls.min.js and common.js loaded first. Main thread.
// WebRTC first: the player asks for the lesson over WHEP (sub-second) and falls back to LL-HLS by itself when
// WebRTC does not play within a few seconds (UDP blocked, no WebRTC); the page shows which one plays. The
// address may force one (`?transport=webrtc|hls`) or change the wait (`?webrtc_timeout_ms=`).
import { WhepPlayer } from './webrtc_player.js';

// Starts playing `roomName`; returns a small read-only view of the player, or null for an invalid room name.
// `token` (optional) identifies the viewer to the WHEP endpoint, and `viewerId` (optional) goes with every HLS
// playlist request as `vid`: both feed the de-duplicated viewer counts.
export function startLessonPlayer(roomName, { token = '', viewerId = '' } = {}) {
  const { validRoom, fetchRooms, hlsUrl, formatBitrate, el } = window.AirClass;
  const params = new URLSearchParams(location.search);
  const forcedTransport = params.get('transport');  // 'webrtc' | 'hls' | null
  const WEBRTC_TIMEOUT_MS = Number(params.get('webrtc_timeout_ms')) || 4000;

  const POLL_MS = 3000;          // room status poll
  const WATCHDOG_MS = 500;       // progress check and stats refresh
  const STALL_RESTART_MS = 10000; // no progress this long while live: reload the source
  const HEALTHY_MS = 5000;        // this much steady progress resets the retry backoff
  const RETRY_MIN_MS = 1000;     // backoff after a fatal error: 1 s, 2 s, 4 s ... capped
  const RETRY_MAX_MS = 15000;
  const MEDIA_RECOVER_WINDOW_MS = 10000;

  // Low-latency tuning: parts ~0.33 s, segments ~1 s; aim ~1.5 s behind the live edge (~2 s glass to glass),
  // catch up by playing faster (up to 1.5x) rather than seeking, seek only when more than 6 s behind.
  const HLS_CONFIG = {
    lowLatencyMode: true,
    liveSyncDuration: 1.5,
    liveMaxLatencyDuration: 6,
    maxLiveSyncPlaybackRate: 1.5,
    liveDurationInfinity: true,
    backBufferLength: 10,
    maxBufferLength: 8,
    enableWorker: true,
    startFragPrefetch: true,
    // Playlist requests carry the viewer id (opening the request here keeps hls.js from opening it again).
    xhrSetup: viewerId ? (xhr, url) => {
      if (!/\.m3u8(\?|$)/.test(url)) return;
      const u = new URL(url, location.href);
      u.searchParams.set('vid', viewerId);
      xhr.open('GET', u.toString(), true);
    } : undefined,
  };

  const video = document.getElementById('video');
  const overlay = document.getElementById('overlay');
  const overlaySpinner = document.getElementById('overlay-spinner');
  const overlayTitle = document.getElementById('overlay-title');
  const overlayDetail = document.getElementById('overlay-detail');
  const playButton = document.getElementById('play-button');
  const stateEl = document.getElementById('state');
  const latencyEl = document.getElementById('latency');
  const qualityEl = document.getElementById('quality');
  const teacherEl = document.getElementById('teacher');
  const qualitySelect = document.getElementById('quality-select');
  const unmuteButton = document.getElementById('unmute-button');
  const transportEl = document.getElementById('transport') || addTransportStat();

  // The "Playback: WebRTC / LL-HLS" stat, next to the quality one (pages without it get it here).
  function addTransportStat() {
    const value = el('span', { class: 'value', id: 'transport' }, '–');
    const stat = el('div', { class: 'stat' });
    stat.append(el('span', { class: 'label' }, 'Playback'), value);
    qualityEl.closest('.stat').after(stat);
    return value;
  }


  // Player state. `running` means a source is attached (hls.js instance or native src).
  let hls = null;
  let running = false;
  let nativeMode = false;
  let state = 'connecting';
  let roomLive = null;        // from the API: true / false / null (unknown)
  let roomInfo = null;
  let startedAtPlaying = null; // the broadcast (started_at) the current source belongs to
  let retryAttempt = 0;
  let retryTimer = null;
  let lastTime = -1;
  let lastProgressAt = 0;
  let progressSince = 0;       // start of the current run of steady progress
  let mediaErrors = [];
  let whep = null;             // the WebRTC session while it connects or plays
  let webrtcFailed = forcedTransport === 'hls';  // once WebRTC could not play, this page stays on LL-HLS

  // ---- presentation -------------------------------------------------------------------------------------

  const STATES = {
    connecting: { text: 'Connecting', cls: 'state-waiting', title: 'Connecting…', spinner: true },
    waiting: { text: 'Waiting for the teacher', cls: 'state-waiting', title: 'Waiting for the teacher…',
      detail: 'The lesson will start here by itself.', spinner: true },
    live: { text: 'Live', cls: 'state-live' },
    buffering: { text: 'Buffering', cls: 'state-waiting' },
    reconnecting: { text: 'Reconnecting', cls: 'state-problem', title: 'Reconnecting…',
      detail: 'The stream was interrupted; trying again.', spinner: true },
    blocked: { text: 'Paused', cls: 'state-waiting', title: 'Press play to watch the lesson', button: true },
    unsupported: { text: 'Not supported', cls: 'state-problem',
      title: 'This browser cannot play the lesson.', detail: 'Try a recent Chrome, Firefox, Edge or Safari.' },
    invalid: { text: 'No room', cls: 'state-problem', title: 'No such room.',
      detail: 'Open a lesson from the list of live lessons.' },
  };

  function setState(next) {
    if (next === state && stateEl.dataset.state === next) return;
    state = next;
    const s = STATES[next];
    stateEl.textContent = s.text;
    stateEl.dataset.state = next;
    stateEl.className = 'value ' + s.cls;
    const showOverlay = Boolean(s.title);
    overlay.hidden = !showOverlay;
    if (showOverlay) {
      overlayTitle.textContent = s.title;
      overlayDetail.textContent = s.detail || '';
      overlaySpinner.hidden = !s.spinner;
      playButton.hidden = !s.button;
    }
  }

  function showLatency(seconds, source) {
    if (seconds === null) {
      latencyEl.textContent = '–';
      latencyEl.dataset.latencyS = '';
      latencyEl.removeAttribute('title');
      return;
    }
    latencyEl.textContent = seconds.toFixed(1) + ' s';
    latencyEl.dataset.latencyS = seconds.toFixed(3);
    latencyEl.title = source === 'pdt'
      ? 'Time since the teacher\'s camera captured this picture (program date-time)'
      : 'Distance behind the live edge';
  }

  function showQuality(text, height) {
    qualityEl.textContent = text || '–';
    qualityEl.dataset.height = height ? String(height) : '';
  }

  // ---- measurements -------------------------------------------------------------------------------------

  function measureLatency() {
    if (!running || state === 'waiting') return null;
    if (hls) {
      const playing = hls.playingDate;
      if (playing instanceof Date && !Number.isNaN(playing.getTime())) {
        const lat = (Date.now() - playing.getTime()) / 1000;
        if (lat >= 0 && lat < 30) return { value: lat, source: 'pdt' };  // else: clocks disagree
      }
      const edge = hls.latency;
      if (Number.isFinite(edge) && edge > 0) return { value: edge, source: 'edge' };
      return null;
    }
    if (nativeMode && typeof video.getStartDate === 'function') {
      const start = video.getStartDate().getTime();
      if (Number.isFinite(start) && start > 0) {
        const lat = (Date.now() - (start + video.currentTime * 1000)) / 1000;
        if (lat >= 0 && lat < 30) return { value: lat, source: 'pdt' };
      }
    }
    if (nativeMode && video.seekable.length) {
      const edge = video.seekable.end(video.seekable.length - 1) - video.currentTime;
      if (Number.isFinite(edge) && edge >= 0) return { value: edge, source: 'edge' };
    }
    return null;
  }

  function updateQuality() {
    if (hls && hls.levels && hls.currentLevel >= 0) {
      const level = hls.levels[hls.currentLevel];
      if (level) {
        const height = level.height || video.videoHeight;
        const parts = [];
        if (height) parts.push(height + 'p');
        const rate = formatBitrate(level.bitrate);
        if (rate) parts.push(rate);
        showQuality(parts.join(' · ') + (hls.autoLevelEnabled ? ' (auto)' : ''), height);
        return;
      }
    }
    if (running && video.videoHeight) {
      showQuality(video.videoHeight + 'p' + (nativeMode ? ' (auto)' : ''), video.videoHeight);
      return;
    }
    showQuality(null);
  }

  function buildQualityMenu() {
    const options = [el('option', { value: '-1' }, 'Auto')];
    if (hls && hls.levels) {
      hls.levels
        .map((level, index) => ({ level, index }))
        .sort((a, b) => (b.level.height || 0) - (a.level.height || 0) || b.level.bitrate - a.level.bitrate)
        .forEach(({ level, index }) => {
          const label = (level.height ? level.height + 'p' : 'Level ' + (index + 1)) +
            (level.bitrate ? ' · ' + formatBitrate(level.bitrate) : '');
          options.push(el('option', { value: String(index) }, label));
        });
    }
    qualitySelect.replaceChildren(...options);
    qualitySelect.value = hls && !hls.autoLevelEnabled ? String(hls.nextLevel) : '-1';
    qualitySelect.disabled = options.length <= 2;  // nothing to choose between
  }

  // ---- player lifecycle ---------------------------------------------------------------------------------

  function clearRetry() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
  }

  function showTransport(name) {
    transportEl.textContent = name || '–';
    transportEl.dataset.transport = name || '';
  }

  function stopPlayer() {
    running = false;
    if (whep) {
      whep.stop();
      whep = null;
    }
    showTransport(null);
    if (hls) {
      hls.destroy();
      hls = null;
    }
    if (nativeMode) {
      video.removeAttribute('src');
      video.load();
    }
    nativeMode = false;
    mediaErrors = [];
    qualitySelect.replaceChildren(el('option', { value: '-1' }, 'Auto'));
    qualitySelect.disabled = true;
    showLatency(null);
    showQuality(null);
  }

  function tryPlay() {
    const p = video.play();
    if (p && typeof p.catch === 'function') {
      p.catch((err) => {
        if (err && err.name === 'NotAllowedError') setState('blocked');
      });
    }
  }

  function startPlayer() {
    clearRetry();
    stopPlayer();
    startedAtPlaying = roomInfo ? roomInfo.started_at || null : null;
    lastTime = -1;
    lastProgressAt = Date.now();
    progressSince = lastProgressAt;
    if (state !== 'waiting' && state !== 'reconnecting') setState('connecting');
    if (!webrtcFailed && typeof RTCPeerConnection === 'function') {
      startWebrtc();
    } else {
      startHls();
    }
  }

  function startWebrtc() {
    const session = new WhepPlayer(video, {
      room: roomName,
      token,
      onEnded: (reason) => {  // an established session died (teacher gone, network): start over
        if (whep !== session) return;
        whep = null;
        console.info('WebRTC ended: ' + reason);
        scheduleRestart('webrtc');
      },
    });
    whep = session;
    running = true;
    session.start(WEBRTC_TIMEOUT_MS).then(() => {
      if (whep !== session) return;
      showTransport('WebRTC');
      tryPlay();
    }, (err) => {
      if (whep !== session) return;
      whep = null;
      if (err.status === 404 || forcedTransport === 'webrtc') {  // not live (yet): try again later
        scheduleRestart('webrtc');
        return;
      }
      console.warn('WebRTC did not play, falling back to LL-HLS: ' + err.message);
      webrtcFailed = true;
      startHls();
    });
  }

  function startHls() {
    showTransport('LL-HLS');
    const url = hlsUrl(roomInfo || roomName);
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      hls = new Hls(HLS_CONFIG);
      attachHlsHandlers(hls, Hls);
      hls.loadSource(url);
      hls.attachMedia(video);
      running = true;
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      nativeMode = true;
      video.src = url;
      running = true;
      tryPlay();
    } else {
      setState('unsupported');
    }
  }

  // After a fatal error or a stall: drop the source and load it again after a growing delay.
  // If the API says the room is not live, wait for the teacher instead; the poll restarts playback.
  function scheduleRestart(reason) {
    stopPlayer();
    clearRetry();
    if (roomLive === false) {
      setState('waiting');
      return;
    }
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** retryAttempt) * (0.8 + Math.random() * 0.4);
    retryAttempt = Math.min(retryAttempt + 1, 10);
    setState(roomLive === true && reason !== 'initial' ? 'reconnecting' : 'connecting');
    retryTimer = setTimeout(startPlayer, delay);
  }

  function attachHlsHandlers(h, Hls) {
    h.on(Hls.Events.MANIFEST_PARSED, () => {
      buildQualityMenu();
      tryPlay();
    });
    h.on(Hls.Events.LEVEL_SWITCHED, updateQuality);
    h.on(Hls.Events.ERROR, (_event, data) => {
      if (h !== hls) return;  // a destroyed instance
      if (!data.fatal) {
        if (data.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR && state === 'live') setState('buffering');
        return;
      }
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        const now = Date.now();
        mediaErrors = mediaErrors.filter((t) => now - t < MEDIA_RECOVER_WINDOW_MS);
        mediaErrors.push(now);
        if (mediaErrors.length === 1) {
          h.recoverMediaError();
        } else if (mediaErrors.length === 2) {
          h.swapAudioCodec();
          h.recoverMediaError();
        } else {
          scheduleRestart('media');
        }
        return;
      }
      // Network errors (manifest/playlist/fragment load failed after hls.js' own retries) and anything else.
      scheduleRestart(data.type === Hls.ErrorTypes.NETWORK_ERROR ? 'network' : 'other');
    });
  }

  function onProgress() {
    const now = Date.now();
    if (now - lastProgressAt > 2 * WATCHDOG_MS + 500) progressSince = now;  // progress resumed after a gap
    lastProgressAt = now;
    if (now - progressSince > HEALTHY_MS) retryAttempt = 0;
    if (state !== 'live') setState('live');
    updateQuality();
  }

  video.addEventListener('playing', () => {
    if (running && video.currentTime > 0) onProgress();
  });
  video.addEventListener('waiting', () => {
    if (running && state === 'live') setState('buffering');
  });
  video.addEventListener('ended', () => {
    // The broadcast ended (ENDLIST played out): wait for the teacher to start again.
    stopPlayer();
    roomLive = false;
    setState('waiting');
  });
  video.addEventListener('error', () => {
    if (nativeMode && running) scheduleRestart('native');
  });
  video.addEventListener('resize', updateQuality);
  video.addEventListener('volumechange', () => {
    unmuteButton.textContent = video.muted ? 'Unmute' : 'Mute';
    unmuteButton.setAttribute('aria-pressed', String(!video.muted));
  });

  playButton.addEventListener('click', () => {
    setState('connecting');
    tryPlay();
  });
  unmuteButton.addEventListener('click', () => {
    video.muted = !video.muted;
    if (video.paused && running) tryPlay();
  });
  qualitySelect.addEventListener('change', () => {
    if (!hls) return;
    const level = Number(qualitySelect.value);
    hls.nextLevel = Number.isInteger(level) ? level : -1;  // -1: automatic
    updateQuality();
  });

  // Progress watchdog and stats: advancing currentTime is the only proof that the lesson plays.
  function watchdog() {
    if (running && !video.paused) {
      const t = video.currentTime;
      if (t > lastTime + 0.01) {
        lastTime = t;
        if (t > 0) onProgress();
      } else if (Date.now() - lastProgressAt > STALL_RESTART_MS && state !== 'blocked') {
        scheduleRestart('stall');
      }
    }
    const lat = measureLatency();
    showLatency(lat ? lat.value : null, lat && lat.source);
    if (running) updateQuality();
  }

  // Room status from the API: who teaches, whether it is live, and whether a new broadcast began.
  async function poll() {
    try {
      const rooms = await fetchRooms();
      const info = rooms.find((r) => r && r.room === roomName) || null;
      roomInfo = info;
      roomLive = Boolean(info && info.live);
      teacherEl.textContent = info && info.teacher ? String(info.teacher) : '–';
      if (roomLive) {
        if (state === 'waiting') setState('connecting');
        const newBroadcast = running && startedAtPlaying && info.started_at &&
          info.started_at !== startedAtPlaying && state !== 'live';
        if (!running && !retryTimer) {
          retryAttempt = 0;
          startPlayer();
        } else if (newBroadcast) {
          startPlayer();
        }
      } else if (state !== 'live' && state !== 'buffering') {
        // Not live and not playing anything: stop retrying and wait (playback that still runs drains).
        stopPlayer();
        clearRetry();
        setState('waiting');
      }
    } catch (err) {
      roomLive = null;  // the API is unreachable: keep whatever the player is doing
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // ---- start --------------------------------------------------------------------------------------------

  if (!validRoom(roomName)) {
    setState('invalid');
    return null;
  }
  setState('connecting');
  startPlayer();  // don't wait for the first poll: the playlist may already be there
  poll();
  setInterval(watchdog, WATCHDOG_MS);

  return {
    get state() { return state; },
    get transport() { return transportEl.dataset.transport || null; },
    get webrtc() { return whep; },
    get hls() { return hls; },
    get native() { return nativeMode; },
  };
}
