// Glass-to-glass latency of HLS in Chromium (hls.js), side by side in one run:
//   AirClass LL-HLS, AirClass plain HLS (same URLs, hls.js without low-latency mode), nginx-rtmp HLS,
// all fed the same time-coded FLV (timecode_source | ffmpeg tee). Writes samples and a CDF plot.
// Usage: node bench/latency/run.mjs [seconds=60]   (needs scripts/setup.sh --bench, and a build in build/)
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const seconds = Number(process.argv[2] || 60);
const out = path.join(root, 'bench/out/latency');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'nginx-hls'), { recursive: true });

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
const run = (cmd, args, opts = {}) => {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(out, `${path.basename(cmd)}.log`), 'a')], ...opts });
  children.push(child);
  return child;
};
const cleanup = () => { for (const c of children) { try { c.kill('SIGTERM'); } catch {} } };
process.on('exit', cleanup);

const [http, rtmp, srt, ngxRtmp, ngxHttp] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
const secret = 'latency-bench';
run(path.join(root, 'build/airclass'), ['serve', '--data-dir', path.join(out, 'data'), '--http.port', `${http}`,
  '--rtmp.port', `${rtmp}`, '--srt.port', `${srt}`, '--auth.secret', secret, '--log.level', 'warn']);
fs.writeFileSync(path.join(out, 'nginx.conf'), `
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; worker_processes 1; pid ${out}/nginx.pid; error_log ${out}/nginx-error.log;
events { worker_connections 1024; }
rtmp { server { listen 127.0.0.1:${ngxRtmp}; application live { live on; hls on; hls_path ${out}/nginx-hls;
  hls_fragment 1s; hls_playlist_length 6s; } } }
http { access_log off; types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server { listen 127.0.0.1:${ngxHttp}; location /hls/ { alias ${out}/nginx-hls/;
    add_header Cache-Control no-cache; add_header Access-Control-Allow-Origin *; } } }`);
run('/usr/sbin/nginx', ['-c', path.join(out, 'nginx.conf')]);
await sleep(1000);

const token = execFileSync(path.join(root, 'build/airclass'), ['token', '--role', 'teacher', '--room', 'lat', '--user', 'bench',
  '--auth.secret', secret]).toString().trim();
const source = run(path.join(root, 'build/bench/timecode_source'), ['--size', '640x360', '--fps', '30', '--kbps', '800'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
const tee = run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-fflags', 'nobuffer', '-probesize', '32768', '-analyzeduration', '300000', '-f', 'flv', '-i', '-', '-map', '0:v', '-map', '0:a', '-c', 'copy',
  '-f', 'tee', `[f=flv:onfail=ignore]rtmp://127.0.0.1:${rtmp}/live/lat?token=${token}|[f=flv:onfail=ignore]rtmp://127.0.0.1:${ngxRtmp}/live/lat`],
  { stdio: ['pipe', 'ignore', 'inherit'] });
source.stdout.pipe(tee.stdin);

const urls = {
  'airclass LL-HLS': [`http://127.0.0.1:${http}/hls/lat/index.m3u8`, 1],
  'airclass HLS': [`http://127.0.0.1:${http}/hls/lat/index.m3u8`, 0],
  'nginx-rtmp HLS': [`http://127.0.0.1:${ngxHttp}/hls/lat.m3u8`, 0],
};
await sleep(8000);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required', '--allow-file-access-from-files'] });
const page = pathToFileURL(path.join(root, 'bench/latency/latency.html')).href;
const pages = {};
for (const [name, [src, ll]] of Object.entries(urls)) {
  pages[name] = await browser.newPage();
  await pages[name].goto(`${page}?src=${encodeURIComponent(src)}&ll=${ll}`);
}
await sleep(10000);  // warm-up: players settle at their live edge
for (const p of Object.values(pages)) await p.evaluate(() => { window.samples.length = 0; window.edge.length = 0; });
await sleep(seconds * 1000);
const pct = (a, q) => a[Math.min(a.length - 1, Math.floor(q * a.length))];
const lines = [`# glass-to-glass latency, ${seconds} s after 10 s warm-up, 640x360@30 time-coded source, Chromium + hls.js`];
const dat = [];
for (const [name, p] of Object.entries(pages)) {
  const s = (await p.evaluate(() => window.samples)).sort((a, b) => a - b);
  const errors = await p.evaluate(() => window.errors);
  const edge = (await p.evaluate(() => window.edge)).sort((a, b) => a - b);
  fs.writeFileSync(path.join(out, `${name.replace(/\W+/g, '_')}.dat`), s.map((v, i) => `${v / 1000} ${(i + 1) / s.length}`).join('\n'));
  dat.push(name);
  // Breakdown: the player's own hold-back behind the live edge it sees (hls.latency), and the rest: capture,
  // encode, ingest, transcode, packaging and delivery up to the live edge.
  lines.push(s.length ? `${name}: n=${s.length} p50=${pct(s, 0.5)} ms p95=${pct(s, 0.95)} ms min=${s[0]} max=${s.at(-1)}` +
    ` | player hold-back p50=${pct(edge, 0.5)} ms, capture-to-live-edge p50=${pct(s, 0.5) - pct(edge, 0.5)} ms` +
    ` | errors=${errors.length}${errors.length ? ` (${errors.join(', ')})` : ''}`
    : `${name}: no samples (errors: ${errors.join(', ')})`);
}
await browser.close();
cleanup();
fs.writeFileSync(path.join(out, 'result.txt'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
const plot = `set terminal pngcairo size 800,450; set output '${root}/docs/latency_hls.png'
set title 'Glass-to-glass latency (CDF), hls.js in Chromium'; set xlabel 'latency (s)'; set ylabel 'fraction of frames'
set key bottom right; set grid; plot ${dat.map((n) => `'${out}/${n.replace(/\W+/g, '_')}.dat' with lines lw 2 title '${n}'`).join(', ')}`;
execFileSync('gnuplot', [], { input: plot });
