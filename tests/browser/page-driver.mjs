// Drives the real page (www/) in two browser contexts through the real `cleanmatch
// serve`, records everything both pages send (for the privacy canary), and writes the
// test files. Used by tests/browser/page-*.test.mjs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, root, startServer } from './harness.mjs';

const artifacts = path.join(root, 'test-artifacts');

/** A temporary www: the real page (www/ without its pkg/) with dist/ under /pkg/. */
export function preparePageWww() {
  const dist = path.join(root, 'dist');
  if (!fs.existsSync(path.join(dist, 'wasm', 'cleanmatch_bg.wasm'))) throw new Error('dist/ has no wasm: run `npm run build` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanmatch-page-'));
  fs.cpSync(path.join(root, 'www'), dir, { recursive: true, filter: (src) => !src.startsWith(path.join(root, 'www', 'pkg')) });
  fs.cpSync(dist, path.join(dir, 'pkg'), { recursive: true });
  return dir;
}

export async function setupPage() {
  const www = preparePageWww();
  const server = await startServer(www);
  const browser = await launchBrowser();
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanmatch-files-'));
  const sent = []; // { who, kind: 'http'|'ws', url, data: Buffer }
  return {
    server, browser, files, sent,
    /**
     * A page in its own browser context (own storage, like another person's browser).
     * With `tap`, every data message the page's session seals or opens is recorded too
     * (`kind: 'plain-sent'|'plain-received'`), through the collaboration's `onPlaintext`
     * hook: the frames are sealed, so only the plaintext shows what the partner reads.
     */
    async party(who, { width = 1280, height = 900, tap = false } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
      const page = await context.newPage();
      page.tapped = 0;
      if (tap) {
        await page.exposeFunction('cleanmatchTapOut', (direction, b64) => {
          sent.push({ who, kind: `plain-${direction}`, url: 'session', data: Buffer.from(b64, 'base64') });
          page.tapped += 1;
        });
        await page.addInitScript(() => {
          globalThis.cleanmatchTapCount = 0;
          globalThis.cleanmatchPlaintextTap = (direction, bytes) => {
            let s = '';
            for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
            globalThis.cleanmatchTapCount += 1;
            globalThis.cleanmatchTapOut(direction, btoa(s));
          };
        });
      }
      page.problems = [];
      page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(`console: ${m.text()}`); });
      page.on('request', (r) => {
        const body = r.postDataBuffer();
        sent.push({ who, kind: 'http', url: r.url(), data: Buffer.concat([Buffer.from(r.url()), Buffer.from('\n'), body ?? Buffer.alloc(0)]) });
      });
      page.on('websocket', (ws) => {
        sent.push({ who, kind: 'ws-open', url: ws.url(), data: Buffer.from(ws.url()) });
        ws.on('framesent', (f) => sent.push({ who, kind: 'ws', url: ws.url(), data: Buffer.isBuffer(f.payload) ? f.payload : Buffer.from(f.payload) }));
        ws.on('framereceived', (f) => sent.push({ who, kind: 'ws-in', url: ws.url(), data: Buffer.isBuffer(f.payload) ? f.payload : Buffer.from(f.payload) }));
      });
      page.context_ = context;
      return page;
    },
    write(name, content) {
      const p = path.join(files, name);
      fs.writeFileSync(p, content);
      return p;
    },
    async close() {
      await browser.close();
      await server.close();
      fs.rmSync(www, { recursive: true, force: true });
      fs.rmSync(files, { recursive: true, force: true });
    },
  };
}

/**
 * `cleanmatch audit` (the core's exact auditor, the binary `cleanmatch serve` runs from)
 * on a report JSON such as a page's download: `{ status, out, stderr }`.
 */
export function auditReport(env, json, name = 'report.json') {
  const bin = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'cleanmatch');
  const file = env.write(name, typeof json === 'string' ? json : JSON.stringify(json));
  const r = spawnSync(bin, ['audit', file], { encoding: 'utf8' });
  let out = null;
  try { out = JSON.parse(r.stdout); } catch { /* shown through stderr */ }
  return { status: r.status, out, stderr: r.stderr };
}

/** Waits until every plaintext message a tapped page handed out has reached the test. */
export async function tapSettled(page) {
  const handed = await page.evaluate(() => globalThis.cleanmatchTapCount);
  for (let i = 0; i < 200 && page.tapped < handed; i++) await new Promise((r) => setTimeout(r, 50));
  if (page.tapped < handed) throw new Error(`only ${page.tapped} of ${handed} plaintext messages arrived`);
  return handed;
}

export async function shot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

const T = 60_000;
const tid = (id) => `[data-testid="${id}"]`;

/** Host: template → file → checks → invite link. Returns the invite URL. */
export async function hostUntilInvite(page, url, { template = 'overlap', file, k, minRecords, group, exposed, control, purpose, suppression, epsilon, pairRules, shots }) {
  await page.goto(url);
  await page.locator(tid('template')).locator(`input[value="${template}"]`).check();
  if (shots) await shot(page, `${shots}-1-start`);
  await page.click(tid('create-room'));
  await page.setInputFiles(tid('file-input'), file);
  await page.waitForSelector(`${tid('check-file')}:visible`, { timeout: T });
  if (k !== undefined) await page.fill(tid('k'), String(k));
  if (epsilon !== undefined) await page.selectOption(tid('epsilon'), epsilon);
  if (pairRules) await page.check(tid('pair-rules'));
  if (minRecords !== undefined) await page.fill(tid('min-records'), String(minRecords));
  if (purpose) await page.fill(tid('purpose'), purpose);
  if (group) await page.selectOption(tid('group-column'), group);
  if (exposed) await page.fill(tid('exposed-label'), exposed);
  if (control) await page.fill(tid('control-label'), control);
  if (suppression) await page.setInputFiles(tid('suppression'), suppression);
  await page.click(tid('check-file'));
  await page.waitForSelector(`${tid('file-continue')}:visible`, { timeout: T });
  if (shots) await shot(page, `${shots}-2-file`);
  await page.click(tid('file-continue'));
  await page.waitForFunction(() => document.querySelector('[data-testid="invite-link"]')?.value.includes('#k='), null, { timeout: T });
  if (shots) await shot(page, `${shots}-3-invite`);
  return page.inputValue(tid('invite-link'));
}

/**
 * Both people compare the verification code: the two pages show the same six digits
 * large, and each clicks "the codes match". Nothing is proposed or accepted before.
 */
export async function compareCodes(host, guest) {
  await Promise.all([host, guest].map((p) => p.waitForSelector(`${tid('confirm-code')}:visible`, { timeout: T })));
  const code = (p) => p.innerText(`${tid('code-check')} [data-role="code"]`);
  const [a, b] = [await code(host), await code(guest)];
  if (a !== b || !/^\d{3} \d{3}$/.test(a)) throw new Error(`the pages show different codes: ${a} / ${b}`);
  await host.click(tid('confirm-code'));
  await guest.click(tid('confirm-code'));
}

/** Guest: open link → join (own k) → compare codes with `host` → file → accept. */
export async function guestUntilAccept(page, invite, { host, file, k, group, epsilon, pairRules, shots }) {
  if (!host) throw new Error('guestUntilAccept needs { host } to compare the verification codes');
  await page.goto(invite);
  await page.waitForSelector(`${tid('join-room')}:visible`, { timeout: T });
  // The page took the secret out of the address bar as soon as it read it.
  if (new URL(page.url()).hash !== '') throw new Error(`the invite is still in the address bar: ${new URL(page.url()).hash.slice(0, 4)}…`);
  if (k !== undefined) await page.fill(tid('guest-k'), String(k));
  if (epsilon !== undefined) await page.selectOption(tid('guest-epsilon'), epsilon);
  if (pairRules) await page.check(tid('guest-pair'));
  if (shots) await shot(page, `${shots}-1-join`);
  await page.click(tid('join-room'));
  await compareCodes(host, page);
  await page.waitForSelector(`${tid('file-input')}:visible`, { timeout: T });
  await page.setInputFiles(tid('file-input'), file);
  await page.waitForSelector(`${tid('check-file')}:visible`, { timeout: T });
  if (group !== undefined) await page.selectOption(tid('group-column'), group);
  await page.click(tid('check-file'));
  await page.waitForSelector(`${tid('file-continue')}:visible`, { timeout: T });
  if (shots) await shot(page, `${shots}-2-file`);
  await page.click(tid('file-continue'));
  await page.waitForSelector(`${tid('accept-manifest')}:visible`, { timeout: T });
  if (shots) await shot(page, `${shots}-3-agree`);
  await page.click(tid('accept-manifest'));
}

export async function waitReport(page) {
  await page.waitForSelector(`${tid('overlap-count')}:visible, ${tid('error')}:visible`, { timeout: 120_000 });
  if (await page.isVisible(tid('error'))) throw new Error(`page shows an error: ${await page.innerText(tid('error'))}`);
}

export async function errorCode(page) {
  await page.waitForSelector(`${tid('error')}:visible`, { timeout: T });
  return page.getAttribute(tid('error'), 'data-code');
}

// ---- test files ----------------------------------------------------------------------

const PLANS = ['gold', 'silver', 'bronze'];
const REGIONS = ['north', 'south'];

/** The host's segment of row i: skewed among shared rows (so indexes differ from 100),
 *  and a small "trial" segment with 3 shared rows (its matched count is under k). */
export function plan(i, shared) {
  if (i < 3 || (i >= 1000 && i < 1017)) return 'trial';
  if (i < shared) return i % 2 === 0 ? 'gold' : i % 4 === 1 ? 'silver' : 'bronze';
  return PLANS[i % 3];
}

/** Host row i: shared when i < shared. */
export function hostRows(n, shared) {
  return Array.from({ length: n }, (_, i) => ({
    email: i < shared ? `person${i}@example.com` : `host${i}@example.org`,
    plan: plan(i, shared),
    // Shared rows are mostly exposed (lift > 0); the others half and half.
    group: i < shared ? (i % 4 === 0 ? 'control' : 'exposed') : (i % 2 === 0 ? 'exposed' : 'control'),
    note: i === 1 ? '=HYPERLINK("http://x")' : ['newsletter', 'store', 'web shop'][i % 3],
  }));
}

/** Guest row j: shared when j < shared; the shared emails written differently (normalized away). */
export function guestRows(n, shared) {
  return Array.from({ length: n }, (_, j) => ({
    email: j < shared ? `  PERSON${j}@Example.COM ` : `guest${j}@example.net`,
    region: REGIONS[j % 2],
  }));
}

export function hostCsv(rows) {
  return `Email,Plan,Group,Note\n${rows.map((r) => `${r.email},${r.plan},${r.group},"${r.note.replaceAll('"', '""')}"`).join('\n')}\n`;
}

export function guestCsv(rows) {
  // Semicolons, CRLF: what a European Excel export looks like.
  return `E-Mail;Region\r\n${rows.map((r) => `${r.email};${r.region}`).join('\r\n')}\r\n`;
}

/** Every form of every identifier the canary looks for, grouped by length. */
export function identifierForms(emails) {
  const forms = new Set();
  for (const e of emails) {
    const norm = e.trim().toLowerCase();
    const digest = createHash('sha256').update(norm).digest();
    for (const t of [e, e.trim(), norm, encodeURIComponent(e.trim()), encodeURIComponent(norm),
      digest.toString('hex'), digest.toString('hex').toUpperCase(), digest.toString('base64'), digest.toString('base64url')]) forms.add(t);
    forms.add(digest.toString('latin1')); // the raw 32 bytes
  }
  const byLength = new Map();
  for (const f of forms) {
    if (!byLength.has(f.length)) byLength.set(f.length, new Set());
    byLength.get(f.length).add(f);
  }
  return byLength;
}

/**
 * The privacy canary: every window of every byte sequence a page sent (HTTP URLs and
 * bodies, WebSocket URLs and frames) looked up among every identifier form.
 */
export function canary(sent, byLength) {
  const hits = [];
  for (const s of sent) {
    const str = s.data.toString('latin1');
    for (const [len, set] of byLength) {
      for (let i = 0; i + len <= str.length; i++) {
        if (set.has(str.slice(i, i + len))) hits.push(`${s.who} ${s.kind} ${s.url} byte ${i}: ${JSON.stringify(str.slice(i, i + len))}`);
      }
    }
  }
  return hits;
}
