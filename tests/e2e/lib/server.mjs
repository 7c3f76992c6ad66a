// Starts the airclass binary on free loopback ports with a temporary data dir, waits until it is healthy,
// and stops it with SIGTERM (SIGKILL after a grace period). Every server started here is also killed when the
// test process exits, so a failing test never leaves one behind.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from './ports.mjs';

export const sourceDir = process.env.AIRCLASS_SOURCE_DIR ||
  path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const artifactsDir = path.join(sourceDir, 'tests/e2e/artifacts');

export function airclassBinary() {
  const bin = process.env.AIRCLASS_BINARY || path.join(sourceDir, 'build/airclass');
  if (!fs.existsSync(bin)) throw new Error(`airclass binary not found at ${bin} (set AIRCLASS_BINARY)`);
  return bin;
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

// A JWT for `server`, minted by the binary itself (`airclass token`), as a school's own system would.
export function mintToken(server, { role, user, name = user, room = '', ttl = '1h' }) {
  const args = ['token', '--role', role, '--user', user, '--name', name, '--ttl', ttl];
  if (room) args.push('--room', room);
  return execFileSync(airclassBinary(), args, {
    env: { ...process.env, AIRCLASS_AUTH_SECRET: server.secret }, encoding: 'utf8', timeout: 10000,
  }).trim();
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `fn` until it returns a truthy value; throws with `what` after timeoutMs. An error thrown by `fn` is
// retried, unless it has `fatal` set.
export async function waitFor(what, fn, { timeoutMs = 30000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      if (err.fatal) throw err;
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
    (lastError ? ` (last error: ${lastError.message})` : ''));
}

export async function httpGet(url, { timeoutMs = 5000 } = {}) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

// startServer({ name, demo, args }) -> { baseUrl, ports, secret, dataDir, log(), stop() }
export async function startServer({ name = 'server', demo = true, args = [] } = {}) {
  const [http, rtmp, srt, webrtc] = await freePorts(4);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airclass-e2e-'));
  const secret = crypto.randomBytes(32).toString('hex');
  const argv = [
    'serve', ...(demo ? ['--demo'] : []), '--data-dir', dataDir,
    '--http.host', '127.0.0.1', '--http.port', String(http),
    '--rtmp.host', '127.0.0.1', '--rtmp.port', String(rtmp),
    '--srt.host', '127.0.0.1', '--srt.port', String(srt),
    '--webrtc.port', String(webrtc),
    '--http.web_root', path.join(sourceDir, 'web'),
    '--auth.secret', secret,
    ...args,
  ];
  fs.mkdirSync(artifactsDir, { recursive: true });
  const logPath = path.join(artifactsDir, `${name}.log`);
  const logFile = fs.openSync(logPath, 'w');
  const child = spawn(airclassBinary(), argv, { stdio: ['ignore', logFile, logFile] });
  fs.closeSync(logFile);
  live.add(child);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve(exited);
    });
  });

  const baseUrl = `http://127.0.0.1:${http}`;
  const server = {
    baseUrl, secret, dataDir, logPath, ports: { http, rtmp, srt, webrtc },
    log: () => { try { return fs.readFileSync(logPath, 'utf8'); } catch { return ''; } },
    get exited() { return exited; },
    // SIGTERM, then SIGKILL after graceMs. Resolves to the exit status; removes the data dir.
    async stop(graceMs = 5000) {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, graceMs);
        await exitPromise;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
      return exited;
    },
  };

  try {
    await waitFor('/healthz', async () => {
      if (exited) throw Object.assign(new Error(`server exited early (${JSON.stringify(exited)})`), { fatal: true });
      return (await httpGet(`${baseUrl}/healthz`, { timeoutMs: 1000 })).status === 200;
    }, { timeoutMs: 20000 });
  } catch (err) {
    await server.stop();
    err.message += `\nserver log (tail):\n${server.log().slice(-4000)}`;
    throw err;
  }
  return server;
}
