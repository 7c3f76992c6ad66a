// Launches Debian's Chromium through playwright-core with a fresh profile; close() removes the profile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { artifactsDir, sourceDir } from './server.mjs';

// playwright-core lives in web/node_modules (the only package.json of the project).
const require = createRequire(path.join(sourceDir, 'web/package.json'));
const { chromium } = require('playwright-core');

export const chromiumPath = process.env.AIRCLASS_CHROMIUM || '/usr/bin/chromium';

// extraArgs: more Chromium flags, e.g. the fake camera and microphone for a WHIP publisher.
export async function launchBrowser({ extraArgs = [] } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airclass-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs,
    ],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.consoleLines = [];
      page.on('console', (msg) => page.consoleLines.push(`[${msg.type()}] ${msg.text()}`));
      page.on('pageerror', (err) => page.consoleLines.push(`[pageerror] ${err.message}`));
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Runs a test step on `page`; when it fails, a full-page screenshot goes to the artifacts folder and the page's
// console and the server's log tail are added to the error.
export async function withDiagnostics(page, server, name, fn) {
  try {
    await fn();
  } catch (err) {
    fs.mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: path.join(artifactsDir, `${name}-failure.png`), fullPage: true }).catch(() => {});
    err.message += `\npage console:\n${page.consoleLines.slice(-40).join('\n')}` +
      `\nserver log (tail):\n${server.log().slice(-4000)}`;
    throw err;
  }
}
