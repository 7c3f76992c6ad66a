// Glass-to-glass latency and time to first frame of WebRTC in Chromium, AirClass against Janus in one run.
// One Chromium: publisher.html draws a millisecond clock into a canvas (the picture time code of bench/latency)
// and publishes it over WHIP to AirClass and to a Janus videoroom (Debian's janus, config generated into
// bench/out/webrtc_latency/janus). viewer.html, in the same browser (same clock), plays AirClass's `source`
// rendition (no transcode) and a ladder rung (through the transcoder) over WHEP and the Janus publisher as a
// videoroom subscriber, and reads the code of every decoded frame. Then N viewers join one after another on each
// server (alternating), each timed from its start to its first decoded frame.
// Usage: node bench/webrtc_latency/run.mjs [seconds=30] [joins=20]
// Env: BUILD=build (the airclass binary's build dir)  OUT=bench/out/webrtc_latency  RUNG=240p:240:400
//      PLOT=docs/latency_webrtc.png
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const seconds = Number(process.argv[2] || 30);
const joins = Number(process.argv[3] || 20);
const build = path.resolve(root, process.env.BUILD || 'build');
const out = path.resolve(root, process.env.OUT || 'bench/out/webrtc_latency');
const rung = process.env.RUNG || '240p:240:400';
const rungName = rung.split(':')[0];
const plotPath = path.resolve(root, process.env.PLOT || 'docs/latency_webrtc.png');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'janus'), { recursive: true });

const freePort = (type = 'tcp') => new Promise((resolve) => {
  if (type === 'udp') {
    import('node:dgram').then(({ default: dgram }) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    });
    return;
  }
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
const run = (cmd, args, logName) => {
  const log = fs.openSync(path.join(out, logName), 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', log, log] });
  children.push(child);
  return child;
};
const cleanup = () => { for (const c of children) { try { c.kill('SIGTERM'); } catch { /* gone */ } } };
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
const waitFor = async (url, what) => {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) return; } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`${what} did not come up (${url}); logs in ${out}`);
};

// libnice (Janus, and AirClass's WHIP webrtcbin) gathers no loopback candidates: ICE runs on the host's own
// address, which the kernel delivers over the loopback device (nothing leaves the machine).
const hostIp = Object.values(os.networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal)?.address;
if (!hostIp) throw new Error('no non-loopback IPv4 address for ICE');

// --- AirClass: source passthrough + one transcoded rung ------------------------------------------------------
const [acHttp, acRtmp, acSrt, acWebrtc, janusHttp, proxyPort] = await Promise.all([freePort(), freePort(), freePort('udp'),
  freePort('udp'), freePort(), freePort()]);
const secret = 'webrtc-latency-bench';
const airclass = path.join(build, 'airclass');
run(airclass, ['serve', '--data-dir', path.join(out, 'data'), '--http.host', '127.0.0.1', '--http.port', `${acHttp}`,
  '--rtmp.host', '127.0.0.1', '--rtmp.port', `${acRtmp}`, '--srt.host', '127.0.0.1', '--srt.port', `${acSrt}`,
  '--webrtc.port', `${acWebrtc}`, '--transcode.ladder', rung, '--auth.secret', secret, '--log.level', 'warn'],
'airclass.log');
const teacher = execFileSync(airclass, ['token', '--role', 'teacher', '--room', 'lat', '--user', 'bench',
  '--auth.secret', secret]).toString().trim();

// --- Janus: videoroom plugin, HTTP API on loopback, ICE on the host address only -----------------------------
const janusDir = path.join(out, 'janus');
const lib = '/usr/lib/x86_64-linux-gnu/janus';
const janusRoom = 1234;
fs.writeFileSync(path.join(janusDir, 'janus.jcfg'), `general: {
  configs_folder = "${janusDir}"
  plugins_folder = "${lib}/plugins"
  transports_folder = "${lib}/transports"
  events_folder = "${lib}/events"
  loggers_folder = "${lib}/loggers"
  debug_level = 3
  session_timeout = 60
}
certificates: {}
media: {}
nat: { nice_debug = false ignore_mdns = true ice_enforce_list = "${hostIp}" }
plugins: { disable = "${['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'textroom', 'videocall',
    'streaming', 'voicemail'].map((p) => `libjanus_${p}.so`).join(',')}" }
transports: { disable = "libjanus_websockets.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so" }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
`);
fs.writeFileSync(path.join(janusDir, 'janus.transport.http.jcfg'),
  `general: { json = "compact" base_path = "/janus" http = true port = ${janusHttp} ip = "127.0.0.1" https = false }\n` +
  'admin: { admin_http = false }\n');
fs.writeFileSync(path.join(janusDir, 'janus.plugin.videoroom.jcfg'), `general: { }
room-${janusRoom}: {
  description = "bench"
  publishers = 1
  bitrate = 2000000
  fir_freq = 10
  videocodec = "h264"
  h264_profile = "42e01f"
  audiocodec = "opus"
}
`);
run('janus', ['-F', janusDir, '-C', path.join(janusDir, 'janus.jcfg')], 'janus.log');
await Promise.all([waitFor(`http://127.0.0.1:${acHttp}/healthz`, 'airclass'),
  waitFor(`http://127.0.0.1:${janusHttp}/janus/info`, 'janus')]);

// --- One origin for the pages: static bench/ and web/ files, /whip /whep to AirClass, /janus to Janus ---------
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript' };
const proxy = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const upstream = /^\/(whip|whep)\//.test(url.pathname) ? acHttp : url.pathname.startsWith('/janus') ? janusHttp : 0;
  if (upstream) {
    const up = http.request({ host: '127.0.0.1', port: upstream, method: req.method, path: req.url,
      headers: req.headers }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
    return;
  }
  if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
  const file = path.join(root, path.normalize(url.pathname));
  if (!/^\/(bench|web)\//.test(url.pathname) || !file.startsWith(root) || !fs.existsSync(file)) {
    res.writeHead(404); res.end(); return;
  }
  res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
  fs.createReadStream(file).pipe(res);
}).listen(proxyPort, '127.0.0.1');
const origin = `http://127.0.0.1:${proxyPort}`;

// --- Chromium: publisher and viewer pages in one browser ----------------------------------------------------------
const browser = await chromium.launch({ executablePath: process.env.AIRCLASS_CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
    '--disable-features=WebRtcHideLocalIpsWithMdns'] });
const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
const console_ = [];
const open = async (name) => {
  const page = await context.newPage();
  page.on('console', (m) => console_.push(`[${name} ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console_.push(`[${name} pageerror] ${e.message}`));
  await page.goto(`${origin}/bench/webrtc_latency/${name}.html`);
  return page;
};
const lines = [];
const say = (s) => { lines.push(s); console.log(s); };
try {
  const publisher = await open('publisher');
  await publisher.waitForFunction(() => window.publishWhip && window.Timecode);
  const codec = await publisher.evaluate(([t]) => window.publishWhip('lat', t), [teacher]);
  const feed = await publisher.evaluate((room) => window.publishJanus(room), janusRoom);
  for (let i = 0; i < 100; i++) {  // the room is live once AirClass has the first video
    const rooms = await (await fetch(`http://127.0.0.1:${acHttp}/api/v1/rooms`)).json();
    const room = rooms.rooms.find((r) => r.room === 'lat');
    if (room && room.live && room.renditions.some((r) => r.name === rungName)) break;
    await sleep(200);
  }
  const viewer = await open('viewer');
  await viewer.waitForFunction(() => window.watch && window.Timecode);
  const watched = {
    'AirClass source': { kind: 'whep', room: 'lat', rendition: 'source' },
    [`AirClass ${rungName}`]: { kind: 'whep', room: 'lat', rendition: rungName },
    'Janus videoroom': { kind: 'janus', room: janusRoom, feed },
  };
  for (const [name, spec] of Object.entries(watched)) await viewer.evaluate(([n, s]) => window.watch(n, s), [name, spec]);
  await sleep(5000);  // warm-up: bandwidth estimation ramps, jitter buffers settle
  await viewer.evaluate(() => window.resetSamples());
  const drawsBefore = (await publisher.evaluate(() => window.publisherStats())).draws;
  await sleep(seconds * 1000);

  const pct = (a, q) => (a.length ? a[Math.min(a.length - 1, Math.floor(q * a.length))] : NaN);
  const sorted = (a) => a.filter((v) => v !== null && Number.isFinite(v)).sort((x, y) => x - y);
  const r1 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Math.round(v * 10) / 10);
  const pubStats = await publisher.evaluate(() => window.publisherStats());
  say(`# WebRTC glass-to-glass latency, ${seconds} s after a 5 s warm-up; ${new Date().toISOString()}; ` +
    `${os.cpus().length} cores (${os.cpus()[0].model}); load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  say(`# publisher: 640x360 canvas drawn at ${r1((pubStats.draws - drawsBefore) / seconds)} frames/s (a 30 Hz timer), ` +
    `captureStream(30), codec ${codec}; ${rungName} = AirClass ladder rung ${rung}`);
  for (const [server, s] of Object.entries(pubStats)) {
    if (server !== 'draws') say(`#   encoder to ${server}: ${s.frameWidth}px, ${r1(s.encodeMs)} ms encode/frame, ` +
      `${r1(s.packetSendDelayMs)} ms pacer/packet, ${s.keyFramesEncoded} keyframes, ${s.pliCount} PLI, ` +
      `${s.firCount} FIR, limited by ${s.qualityLimitation}`);
  }
  const dat = [];
  const summary = {};
  for (const name of Object.keys(watched)) {
    const r = await viewer.evaluate((n) => window.samples(n), name);
    const st = await viewer.evaluate((n) => window.viewerStats(n), name);
    const s = sorted(r.samples);
    const netw = sorted(r.network);
    const play = sorted(r.playout);
    const file = `${name.replace(/\W+/g, '_')}.dat`;
    fs.writeFileSync(path.join(out, file), s.map((v, i) => `${v} ${(i + 1) / s.length}`).join('\n') + '\n');
    dat.push([name, file]);
    summary[name] = { p50: pct(s, 0.5), p95: pct(s, 0.95), p99: pct(s, 0.99) };
    say(`${name}: frames=${r.frames} read=${s.length} p50=${pct(s, 0.5)} p95=${pct(s, 0.95)} p99=${pct(s, 0.99)} ` +
      `min=${s[0]} max=${s.at(-1)} ms | to last packet p50=${r1(pct(netw, 0.5))}, last packet to display ` +
      `p50=${r1(pct(play, 0.5))} ms | getStats: jitter buffer ${r1(st?.jitterBufferMs)} ms/frame (target ` +
      `${r1(st?.jitterBufferTargetMs)}), decode ${r1(st?.decodeMs)} ms/frame, ${st?.frameWidth}x${st?.frameHeight} ` +
      `${st?.fps} fps, lost ${st?.packetsLost}, NACK ${st?.nackCount}, PLI ${st?.pliCount}, dropped ${st?.framesDropped}`);
  }
  await viewer.evaluate(() => window.stopAll());
  await sleep(1000);

  // Time to first frame: viewers join one after another, alternating servers so that both see the same noise.
  const ttff = { 'AirClass source': [], 'Janus videoroom': [] };
  const signal = { 'AirClass source': [], 'Janus videoroom': [] };
  const up = { 'AirClass source': [], 'Janus videoroom': [] };
  let failures = 0;
  for (let i = 0; i < joins; i++) {
    for (const name of Object.keys(ttff)) {
      const r = await viewer.evaluate((s) => window.join(s), watched[name]);
      if (r.firstFrameMs === null) failures++; else ttff[name].push(r.firstFrameMs);
      if (r.signaledMs !== null) signal[name].push(r.signaledMs);
      if (r.connectedMs !== null) up[name].push(r.connectedMs);
      fs.appendFileSync(path.join(out, 'joins.txt'), `${name} ${JSON.stringify(r)}\n`);
      await sleep(300);
    }
  }
  for (const name of Object.keys(ttff)) {
    const s = sorted(ttff[name]);
    const g = sorted(signal[name]);
    const c = sorted(up[name]);
    summary[`${name} ttff`] = { p50: pct(s, 0.5), p95: pct(s, 0.95) };
    say(`${name} time to first frame: n=${s.length} p50=${r1(pct(s, 0.5))} p95=${r1(pct(s, 0.95))} max=${r1(s.at(-1))} ms ` +
      `| signaling done p50=${r1(pct(g, 0.5))}, connected (ICE + DTLS) p50=${r1(pct(c, 0.5))} ms`);
  }
  if (failures) say(`joins without a frame within 10 s: ${failures}`);
  fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2));
  fs.writeFileSync(path.join(out, 'result.txt'), lines.join('\n') + '\n');
  // Left: per-frame latency CDF (x up to 1.5 x the largest p99, the rare warm-up outlier cut off); right: time
  // to first frame of the joining viewers.
  const xmax = Math.ceil((1.5 * Math.max(...Object.keys(watched).map((n) => summary[n].p99 || 0))) / 50) * 50 || 500;
  for (const name of Object.keys(ttff)) {
    const s = sorted(ttff[name]);
    fs.writeFileSync(path.join(out, `ttff_${name.replace(/\W+/g, '_')}.dat`),
      s.map((v, i) => `${v} ${(i + 1) / s.length}`).join('\n') + '\n');
  }
  const colour = (n) => ({ 'AirClass source': '#7b2cbf', 'Janus videoroom': '#1f77b4' })[n] || '#2a9d3a';
  const plot = `set terminal pngcairo size 1200,480 font 'DejaVu Sans,10'; set output '${plotPath}'
set multiplot layout 1,2 title 'WebRTC in Chromium, same browser publishing and playing (${seconds} s, ${joins} joins per server)'
set title 'glass-to-glass latency (CDF of frames)'; set xlabel 'latency (ms)'; set ylabel 'fraction of frames'
set key bottom right; set grid; set xrange [0:${xmax}]; set yrange [0:1]
plot ${dat.map(([n, f]) => `'${out}/${f}' with steps lw 2 lc rgb '${colour(n)}' title '${n}'`).join(', ')}
set title 'time to first frame of a joining viewer (CDF)'; set xlabel 'ms from start to first decoded frame'
set ylabel 'fraction of joins'; set xrange [0:*]
plot ${Object.keys(ttff).map((n) => `'${out}/ttff_${n.replace(/\W+/g, '_')}.dat' with steps lw 2 lc rgb '${colour(n)}' ` +
    `title '${n}'`).join(', ')}
unset multiplot`;
  execFileSync('gnuplot', [], { input: plot });
  console.log(`chart: ${plotPath}; results: ${out}`);
} finally {
  fs.writeFileSync(path.join(out, 'console.log'), console_.join('\n') + '\n');
  await browser.close();
  proxy.close();
  cleanup();
}
