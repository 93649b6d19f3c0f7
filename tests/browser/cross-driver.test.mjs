// Cross-driver: the npm package in real Chromium against the command line (`cleanmatch
// match`), each way round, through the real relay of `cleanmatch serve` on 127.0.0.1, on
// messy files where the two sides hold different keys, in aggregate and audience mode.
// The figures must equal a truth computed here from the generated people, independently
// of the core, and both sides must hold the same report (report_hash).
//
// File A (the richer side), as a POS export: two report title lines above the header, a
// reference-number column (an id: never a key), two email columns, phone numbers in
// national formats and as spreadsheet floats (`4155550014.0`, as pandas writes a phone
// column with blanks), mixed case and stray spaces, rows with a phone only, a region column.
// File B: emails only, `;`-separated, quoted, upper case, some matching A's second email.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { openPage, root, setup } from './harness.mjs';

const bin = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'cleanmatch');
const K = 50;
let env;
let dir;

before(async () => {
  env = await setup(); // builds the binary, starts `cleanmatch serve` on 127.0.0.1:0 and Chromium
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanmatch-cross-'));
});
after(async () => {
  await env?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// ---- the people and their files -------------------------------------------------------

/** Side A: 400 rows; returns the CSV text and per row the normalized emails (the truth). */
function fileA() {
  const rows = [];
  const lines = ['Loyalty members export,,,,', 'Generated 2024-03-01 09:00 by store 12,,,,', 'Ref,E-Mail,Email 2,Mobile,Region'];
  for (let i = 1; i <= 400; i++) {
    const primary = i % 13 === 0 ? '' : i % 5 === 0 ? ` Person${i}@Example.COM ` : `person${i}@example.com`;
    const second = i % 3 === 0 ? `p${i}.alt@example.org` : '';
    const pad = String(i).padStart(4, '0');
    const phone = i % 14 === 0 ? `415555${pad}.0` : i % 2 === 0 ? `(415) 555-${pad}` : i % 13 === 0 ? `+1 415 555 ${pad}` : '';
    const region = i % 4 < 2 ? 'north' : 'south';
    const ref = String(10000 + i);
    lines.push([ref, primary, second, phone, region].join(','));
    const emails = [primary, second].map((e) => e.trim().toLowerCase()).filter(Boolean);
    rows.push({ ref, emails, region, phone: phone !== '' });
  }
  return { text: lines.join('\r\n') + '\r\n', rows };
}

/**
 * Side B: 300 rows of emails only, people 201..500. Those A lists without a first email
 * are known to B by A's second address; with `secondForAll`, every sixth person is.
 */
function fileB({ secondForAll = false } = {}) {
  const rows = [];
  const lines = ['"E-mail address";"Opted in"'];
  for (let j = 201; j <= 500; j++) {
    const bySecond = j % 6 === 0 && (secondForAll || j % 13 === 0);
    const email = bySecond ? `p${j}.alt@example.org` : `PERSON${j}@EXAMPLE.com`;
    lines.push(`"${email}";${j % 2 ? 'yes' : 'no'}`);
    rows.push({ email: email.toLowerCase() });
  }
  return { text: lines.join('\n') + '\n', rows };
}

const suppress = (n) => (n < K ? null : n);

/** The figures both reports must show, computed from the people, not by the core. */
function truth(a, b) {
  const bEmails = new Set(b.rows.map((r) => r.email));
  const aEmails = new Set(a.rows.flatMap((r) => r.emails));
  // Only email is agreed (B holds nothing else): A's phone-only rows are not records.
  const aRecords = a.rows.filter((r) => r.emails.length > 0);
  const aMatched = aRecords.filter((r) => r.emails.some((e) => bEmails.has(e)));
  const bMatched = b.rows.filter((r) => aEmails.has(r.email));
  const groups = ['north', 'south'].map((label) => ({
    label,
    records: aRecords.filter((r) => r.region === label).length,
    matched: suppress(aMatched.filter((r) => r.region === label).length),
  }));
  return {
    a: { records: aRecords.length, matched: suppress(aMatched.length), groups, byKey: [{ key: 'email', records: aRecords.length, matched: suppress(aMatched.length) }] },
    b: { records: b.rows.length, matched: suppress(bMatched.length), byKey: [{ key: 'email', records: b.rows.length, matched: suppress(bMatched.length) }] },
    aMatchedRefs: aMatched.map((r) => r.ref).sort(),
    bMatchedEmails: bMatched.map((r) => r.email).sort(),
    aRows: a.rows.length,
    aPhones: a.rows.filter((r) => r.phone).length,
  };
}

// ---- the drivers ----------------------------------------------------------------------

/** Runs `cleanmatch match ARGS`; `onInvite` gets the host's invite line. Resolves to the report JSON. */
function cli(args, onInvite) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['match', '--yes', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const out = [];
    child.stderr.on('data', (d) => {
      stderr += d;
      if (process.env.CLEANMATCH_TEST_VERBOSE) process.stderr.write(`cli: ${d}`);
    });
    const timer = setTimeout(() => { child.kill(); reject(new Error(`cleanmatch match timed out\n${stderr}`)); }, 180_000);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('invite ')) onInvite?.(line.slice('invite '.length).trim());
      else if (line.trim()) out.push(line);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`cleanmatch match exited ${code}\n${stderr}`));
      try { resolve(JSON.parse(out.at(-1))); } catch (e) { reject(new Error(`no report on stdout: ${e.message}\n${out.join('\n')}\n${stderr}`)); }
    });
  });
}

async function collabPage() {
  const page = await openPage(env.browser, `${env.server.url}/collab.html`);
  await page.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
  if (process.env.CLEANMATCH_TEST_VERBOSE) page.on('console', (m) => console.error(`page: ${m.text()}`));
  return page;
}

/** The page's side of a run: createCollaboration or joinCollaboration, addFile, accept, report. */
async function browserSide(page, { host, invite, text, name, mode, keys, group }) {
  return page.evaluate(async (o) => {
    const started = (async () => {
      const file = new File([o.text], o.name, { type: 'text/csv' });
      const c = o.host
        ? await window.cm.createCollaboration({ relay: o.relay, workers: 2, inviteBase: o.inviteBase,
          manifest: { preset: 'uid2', mode: o.mode, keys: o.keys, k: o.k, group: o.group, purpose: 'cross-driver test' } })
        : await window.cm.joinCollaboration({ relay: o.relay, invite: o.invite, workers: 2 });
      window.collab = c;
      // The person compared the code with the terminal's (the CLI side runs with --yes).
      c.connected.then(() => c.confirmCode(), () => {});
      const run = (async () => {
        const quality = await c.addFile(file, { defaultCountry: 'US', group: o.group });
        await c.connected;
        c.confirmCode(); // the person compared the verification code with the terminal's
        // Guest: the proposal. Host: the guest's answer (tightened here: fewer keys), which
        // its user confirms; accept() before it arrives would confirm nothing.
        await c.manifest;
        await c.accept();
        const report = await c.report;
        const audience = o.mode === 'audience' ? await (await c.downloadAudience()).text() : null;
        return { ok: true, quality, report, audience };
      })().catch((e) => ({ ok: false, code: e.code, message: e.message }));
      return { inviteUrl: c.inviteUrl, run };
    })();
    const { inviteUrl, run } = await started;
    window.result = run;
    return inviteUrl;
  }, { host, invite, text, name, mode, keys, group: group ?? undefined, k: K, relay: env.server.relay, inviteBase: `${env.server.url}/` });
}

const pageResult = (page) => page.evaluate(() => window.result);

/** Values of column `col` (0-based) in an exported CSV, header skipped. */
function column(csv, col) {
  return csv.split(/\r?\n/).slice(1).filter(Boolean).map((l) => l.split(',')[col].replace(/^"|"$/g, '').trim().toLowerCase());
}

// ---- the checks -----------------------------------------------------------------------

function checkView(view, want, what) {
  assert.equal(view.records, want.records, `${what}: records`);
  assert.equal(view.matched, want.matched, `${what}: matched`);
  assert.deepEqual(view.by_key, want.byKey, `${what}: by_key`);
  if (want.groups) {
    const groups = [...view.groups].sort((x, y) => x.label.localeCompare(y.label));
    assert.deepEqual(groups, want.groups, `${what}: groups`);
  }
}

/** Runs one pairing and checks both reports against the truth and each other. */
async function crossRun({ browserHolds, browserIsHost, mode, secondForAll = false }) {
  const a = fileA();
  const b = fileB({ secondForAll });
  const t = truth(a, b);
  const aPath = path.join(dir, `a-${mode}.csv`);
  const bPath = path.join(dir, `b-${mode}.csv`);
  fs.writeFileSync(aPath, a.text);
  fs.writeFileSync(bPath, b.text);
  const group = mode === 'aggregate' ? 'Region' : undefined;
  const browserFile = browserHolds === 'A'
    ? { text: a.text, name: 'crm.csv', keys: ['email', 'phone'], group }
    : { text: b.text, name: 'loyalty.csv', keys: ['email'] };
  const cliFile = browserHolds === 'A' ? ['--file', bPath] : ['--file', aPath, '--default-country', 'US', ...(group ? ['--group', group] : [])];
  const audiencePath = path.join(dir, `audience-${mode}-${browserIsHost}.csv`);
  const cliMode = ['--mode', mode, ...(mode === 'audience' ? ['--audience-out', audiencePath] : [])];

  const page = await collabPage();
  let cliReport;
  if (browserIsHost) {
    const invite = await browserSide(page, { host: true, mode, ...browserFile });
    assert.match(invite, /^http:\/\/127\.0\.0\.1:\d+\/#k=/);
    cliReport = await cli(['--invite', invite, ...cliFile, ...cliMode]);
  } else {
    let invited;
    const invite = new Promise((resolve) => { invited = resolve; });
    const relay = env.server.relay.replace(/\/v1\/rooms\/?$/, '');
    const host = cli(['--relay', relay, '--host', ...cliFile, ...cliMode], invited);
    await browserSide(page, { host: false, invite: await invite, mode, ...browserFile });
    cliReport = await host;
  }
  const browser = await pageResult(page);
  assert.ok(browser.ok, `the browser side failed: ${browser.code} ${browser.message}`);
  assert.deepEqual(page.problems, []);
  await page.close();

  // Both sides hold the same report, and it is the truth.
  assert.equal(browser.report.report_hash, cliReport.report_hash, 'the two drivers computed different reports');
  const f = browser.report.figures;
  assert.equal(f.mode, mode);
  const [aView, bView] = (browserHolds === 'A') === browserIsHost ? [f.host, f.guest] : [f.guest, f.host];
  checkView(aView, { ...t.a, groups: group ? t.a.groups : undefined }, 'A (email, phone, ref)');
  checkView(bView, t.b, 'B (email only)');
  const cliOwn = browserHolds === 'A' ? t.b : t.a;
  const cliPartner = browserHolds === 'A' ? t.a : t.b;
  assert.deepEqual([cliReport.own_records, cliReport.own_matched, cliReport.partner_records, cliReport.partner_matched],
    [cliOwn.records, cliOwn.matched, cliPartner.records, cliPartner.matched], 'the command line\'s own/partner figures');

  // The browser's local quality report read file A right (rows, both email columns, phones).
  if (browserHolds === 'A') {
    assert.equal(browser.quality.rows, t.aRows);
    assert.equal(browser.quality.by_key.email.valid, a.rows.reduce((n, r) => n + r.emails.length, 0));
    assert.equal(browser.quality.by_key.phone.valid, t.aPhones);
  }

  if (mode === 'audience') {
    const cliCsv = fs.readFileSync(audiencePath, 'utf8');
    const [aCsv, bCsv] = browserHolds === 'A' ? [browser.audience, cliCsv] : [cliCsv, browser.audience];
    assert.deepEqual(column(aCsv, 0).sort(), t.aMatchedRefs, 'A\'s exported rows');
    assert.deepEqual(column(bCsv.replaceAll(';', ','), 0).sort(), t.bMatchedEmails, 'B\'s exported rows');
  }
}

test('truth: the generated files overlap as intended', () => {
  const t = truth(fileA(), fileB());
  // Sanity of the generator itself, so a change to it cannot make the checks vacuous.
  assert.ok(t.a.matched > 100 && t.a.matched < t.a.records, `A matched ${t.a.matched} of ${t.a.records}`);
  assert.ok(t.b.matched > 100 && t.b.matched < t.b.records, `B matched ${t.b.matched} of ${t.b.records}`);
  assert.ok(t.a.records < t.aRows, 'some A rows have a phone only');
  assert.ok(/,415555\d{4}\.0,/.test(fileA().text) && fileA().text.startsWith('Loyalty members export'), 'float phones and title lines');
  assert.ok(t.a.groups.every((g) => g.matched !== null));
  // Some A records match only through their second email column (their first is empty).
  const bEmails = new Set(fileB().rows.map((r) => r.email));
  assert.ok(fileA().rows.some((r) => r.emails.length === 1 && r.emails[0].includes('.alt@') && bEmails.has(r.emails[0])));
});

const T = { timeout: 300_000 }; // a hang fails the test instead of the suite
test('aggregate: browser host with file A, command-line guest with file B', T, () => crossRun({ browserHolds: 'A', browserIsHost: true, mode: 'aggregate' }));
test('aggregate: command-line host with file B, browser guest with file A', T, () => crossRun({ browserHolds: 'A', browserIsHost: false, mode: 'aggregate' }));
test('audience: browser host with file B, command-line guest with file A', T, () => crossRun({ browserHolds: 'B', browserIsHost: true, mode: 'audience' }));
test('audience: command-line host with file A, browser guest with file B', T, () => crossRun({ browserHolds: 'B', browserIsHost: false, mode: 'audience' }));

// DESIGN: "every value of a key in a record takes part (two email columns)": a person whom
// B knows by A's second address, while A also lists a first one, matches; A's record still
// counts once.
test('aggregate: a record matches through its second email column while its first is present', T, () => crossRun({ browserHolds: 'A', browserIsHost: true, mode: 'aggregate', secondForAll: true }));
