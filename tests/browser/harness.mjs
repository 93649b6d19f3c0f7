// Browser test harness: the real `cleanmatch serve` on 127.0.0.1:0 serving a fresh www
// directory (the test pages + the built package under /pkg/), and headless Debian
// Chromium driven by playwright-core. Tests never leave loopback.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = path.join(root, 'test-artifacts');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** A temporary www: tests/browser/pages/* at the root, dist/ (the package) under /pkg/. */
export function prepareWww(dist = path.join(root, 'dist')) {
  if (!fs.existsSync(path.join(dist, 'wasm', 'cleanmatch_bg.wasm'))) {
    throw new Error('dist/ has no wasm: run `npm run build` first');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanmatch-www-'));
  fs.cpSync(path.join(root, 'tests', 'browser', 'pages'), dir, { recursive: true });
  fs.cpSync(dist, path.join(dir, 'pkg'), { recursive: true });
  return dir;
}

/** Builds (if needed) and starts `cleanmatch serve`; resolves to {url, relay, close}. */
export async function startServer(www) {
  const build = spawnSync('cargo', ['build', '--bin', 'cleanmatch', '--quiet'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('cargo build --bin cleanmatch failed');
  const bin = path.join(targetDir, 'debug', 'cleanmatch');
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--www', www], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cleanmatch serve printed nothing in 20 s\n${stderr}`)), 20000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(line); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`cleanmatch serve exited (${code}) before serving\n${stderr}`)); });
  });
  // "cleanmatch serving http://ADDR (relay at ws://ADDR/v1/rooms)"
  const m = first.match(/serving (http:\/\/\S+) \(relay at (ws:\/\/\S+)\)/);
  if (!m) {
    child.kill();
    throw new Error(`unexpected first line from cleanmatch serve: ${first}`);
  }
  return {
    url: m[1].replace(/\/$/, ''),
    relay: m[2],
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

/** Headless Chromium with a fresh profile (playwright makes its own user-data-dir). */
export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/**
 * Opens `url` in a new page; console errors and page errors are collected in
 * `page.problems`, the URLs of WebSockets the page opened in `page.sockets`.
 */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  page.problems = [];
  page.sockets = [];
  page.on('websocket', (ws) => page.sockets.push(ws.url()));
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed loads are reported with their URL below; the console line has none.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) page.problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(url);
  return page;
}

/** Saves a screenshot under test-artifacts/ (kept for failed CI runs). */
export async function screenshot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Everything one test file needs: server + browser, torn down by `close`. */
export async function setup() {
  const www = prepareWww();
  const server = await startServer(www);
  const browser = await launchBrowser();
  return {
    server,
    browser,
    www,
    async close() {
      await browser.close();
      await server.close();
      fs.rmSync(www, { recursive: true, force: true });
    },
  };
}
