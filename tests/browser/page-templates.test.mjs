// The page end to end, as two people use it: host and guest in separate browser
// contexts, through the real relay of `cleanmatch serve`, one test per template with
// figures known from the generated files, and the privacy canary over everything both
// pages sent and every data message their sessions sealed or opened.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  auditReport, canary, guestCsv, guestRows, guestUntilAccept, hostCsv, hostRows, hostUntilInvite, identifierForms, setupPage, shot, waitReport,
} from './page-driver.mjs';

const HOST_N = 2000;
const GUEST_N = 1500;
const SHARED = 600;

let env;
let hostFile;
let guestFile;
const host = hostRows(HOST_N, SHARED);
const guest = guestRows(GUEST_N, SHARED);

before(async () => {
  env = await setupPage();
  hostFile = env.write('customers.csv', hostCsv(host));
  guestFile = env.write('partner-export.csv', guestCsv(guest));
});

after(async () => {
  // The canary covers every request and frame of every test in this file.
  const forms = identifierForms([...host.map((r) => r.email), ...guest.map((r) => r.email)]);
  const hits = canary(env.sent, forms);
  const frames = env.sent.filter((s) => s.kind === 'ws').length;
  const plaintexts = env.sent.filter((s) => s.kind.startsWith('plain-')).length;
  // No third-party requests: every URL is the page's own server (or a local blob/data URL).
  const origin = new URL(env.server.url);
  const foreign = env.sent.filter((s) => s.kind === 'http' || s.kind === 'ws-open').map((s) => s.url)
    .filter((u) => !/^(blob|data):/.test(u) && new URL(u).host !== origin.host);
  await env?.close();
  const pagesRan = env.sent.some((s) => s.kind === 'ws-open'); // not when filtered to the canary's self-test
  assert.ok(!pagesRan || frames >= 10, `the canary saw only ${frames} WebSocket frames`);
  assert.ok(!pagesRan || plaintexts >= 10, `the canary saw only ${plaintexts} plaintext messages`);
  assert.deepEqual(foreign, [], 'requests to other hosts');
  assert.deepEqual(hits.slice(0, 10), [], `identifiers left the page (${hits.length} hits)`);
});

const text = (page, id) => page.innerText(`[data-testid="${id}"]`);

async function pair(shots) {
  // Tapped: the canary also reads every data message in plaintext (the frames are sealed).
  const h = await env.party('host', { tap: true });
  const g = await env.party('guest', { tap: true });
  return [h, g, shots];
}

test('overlap: both pages show 600 shared, 30% and 40%, and agreeing hashes', async () => {
  const [h, g] = await pair();
  const invite = await hostUntilInvite(h, env.server.url, { file: hostFile, purpose: 'size the overlap', shots: 'page-host' });
  assert.match(invite, /^http:\/\/127\.0\.0\.1:\d+\/#k=[A-Za-z0-9_-]{43}$/);
  await guestUntilAccept(g, invite, { host: h, file: guestFile, shots: 'page-guest' });
  // Best effort: the run over 2,000 × 1,500 records may finish before the screenshot.
  if (await g.waitForSelector('[data-testid="progress"]:visible', { timeout: 5_000 }).then(() => true, () => false)) await shot(g, 'page-guest-3b-progress');
  await Promise.all([waitReport(h), waitReport(g)]);
  await shot(h, 'page-host-4-report');
  await shot(g, 'page-guest-4-report');
  assert.equal(await text(h, 'overlap-count'), '600');
  assert.equal(await text(g, 'overlap-count'), '600');
  assert.equal(await text(h, 'own-rate'), '30.0%');
  assert.equal(await text(h, 'partner-rate'), '40.0%');
  assert.equal(await text(g, 'own-rate'), '40.0%');
  assert.equal(await text(g, 'partner-rate'), '30.0%');
  assert.equal(await text(h, 'verify-code'), await text(g, 'verify-code'));
  const hashes = await Promise.all([h, g].map((p) => p.locator('[data-testid="report-hash"] code').innerText()));
  assert.equal(hashes[0], hashes[1]);
  assert.ok(await h.isVisible('[data-testid="venn"]'));
  // Downloads: a self-contained report (no script, styles inlined) and the audit receipt.
  const html = await downloaded(h, '[data-testid="download-report"]');
  assert.match(html, /<style>[^]*\.venn-own/);
  assert.doesNotMatch(html, /<script|<link /i);
  assert.match(html, /data-testid="overlap-count">600</);
  const receipt = JSON.parse(await downloaded(g, '[data-action="download-receipt"]'));
  assert.equal(receipt.side, 'guest');
  assert.equal(receipt.report_hash.slice(0, 16), hashes[1]);
  // The core's receipt, the same schema as `cleanmatch match --receipt`.
  assert.equal(receipt.receipt, 'cleanmatch audit receipt');
  assert.equal(receipt.report.own_records, GUEST_N);
  assert.equal(receipt.report.partner_records, HOST_N);
  assert.equal(receipt.manifest.purpose, 'size the overlap');
  assert.equal(receipt.manifest_hash, receipt.report.manifest_hash);
  assert.ok(receipt.finished_ms >= receipt.started_ms && receipt.started_ms > 0);
  assert.match(receipt.verification_code, /^\d{3} \d{3}$/);
  assert.match(receipt.disclosure_rule.text, /suppressed/, 'the receipt states the disclosure rule');
  assert.equal(receipt.disclosure_rule.noise, null);
  const json = JSON.parse(await downloaded(h, '[data-action="download-json"]'));
  assert.equal(json.report.figures.host.matched, SHARED);
  assert.equal(auditReport(env, json, 'overlap-report.json').status, 0, 'the downloaded report passes the auditor');
  assert.deepEqual([...h.problems, ...g.problems], []);
});

async function downloaded(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const chunks = await (await d.createReadStream()).toArray();
  return Buffer.concat(chunks).toString('utf8');
}

async function run(template, hostOpts, guestOpts, shots) {
  const [h, g] = await pair();
  const invite = await hostUntilInvite(h, env.server.url, { template, file: hostFile, ...hostOpts, shots: shots && `${shots}-host` });
  await guestUntilAccept(g, invite, { host: h, file: guestFile, ...guestOpts, shots: shots && `${shots}-guest` });
  // Any change the guest made to the terms (here its breakdown column) is shown to the
  // host and needs its click.
  await h.waitForSelector('[data-testid="changes"]:visible, [data-testid="overlap-count"]:visible', { timeout: 60_000 });
  if (guestOpts.group !== undefined) assert.ok(await h.isVisible('[data-testid="changes"]'), 'the partner breakdown is shown as a change');
  if (await h.isVisible('[data-testid="changes"]')) await h.click('[data-testid="accept-manifest"]');
  await Promise.all([waitReport(h), waitReport(g)]);
  if (shots) {
    await shot(h, `${shots}-host-4-report`);
    await shot(g, `${shots}-guest-4-report`);
  }
  assert.deepEqual([...h.problems, ...g.problems], []);
  return [h, g];
}

const close = (...pages) => Promise.all(pages.map((p) => p.context_.close()));

test('segment insights: per-segment counts, "< k" for a small cell and its complement, index against the overall rate', async () => {
  const [h, g] = await run('segments', { k: 10, group: 'Plan' }, { k: 10, group: 'Region' }, 'page-segments');
  const k = 10;
  const overall = SHARED / HOST_N;
  const expected = new Map();
  host.forEach((r, i) => {
    const e = expected.get(r.plan) ?? { records: 0, matched: 0 };
    e.records += 1;
    if (i < SHARED) e.matched += 1;
    expected.set(r.plan, e);
  });
  // "trial" (3 matched) is under k; with the total shown, the smallest other segment is
  // suppressed too (its complement), else 600 minus the others would give trial away.
  let complements = 0;
  for (const [label, e] of expected) {
    const row = h.locator(`[data-testid="segments-own"] tr[data-segment="${label}"] td`);
    const cells = await row.allInnerTexts();
    assert.equal(cells[0], e.records.toLocaleString('en-US'), `${label} records`);
    if (e.matched < k || cells[1] === `< ${k}`) {
      assert.equal(cells[1], `< ${k}`, `${label} is suppressed`);
      if (e.matched >= k) complements += 1;
    } else {
      assert.equal(cells[1], e.matched.toLocaleString('en-US'), `${label} matched`);
      assert.equal(cells[3], String(Math.round((e.matched / e.records / overall) * 100)), `${label} index`);
    }
  }
  assert.ok(complements >= 1, 'at least one complementary suppression');
  assert.match(await text(h, 'disclosure-rule'), /no suppressed count can be narrowed to less than 10/);
  // The report as the page downloads it passes the core's exact auditor.
  const audited = auditReport(env, await downloaded(h, '[data-action="download-json"]'), 'segments-report.json');
  assert.equal(audited.status, 0, `${JSON.stringify(audited.out)} ${audited.stderr}`);
  assert.equal(audited.out.model, 'joint');
  // The guest sees the host's segments as its partner's, with the same figures.
  const guestSide = await g.locator('[data-testid="segments-partner"] tr[data-segment="trial"] td').allInnerTexts();
  assert.equal(guestSide[1], `< ${k}`);
  // Cross table: host plan × guest region, matched host records.
  const cell = new Map();
  for (let i = 0; i < SHARED; i++) {
    const key = `${host[i].plan}|${guest[i].region}`;
    cell.set(key, (cell.get(key) ?? 0) + 1);
  }
  const cross = await h.locator('[data-testid="cells"] tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  const head = await h.locator('[data-testid="cells"] thead th').allInnerTexts();
  for (const row of cross) {
    for (let c = 1; c < row.length; c++) {
      const n = cell.get(`${row[0]}|${head[c]}`) ?? 0;
      // Under k: suppressed; otherwise exact, or suppressed as a complement.
      if (n < k || row[c] === `< ${k}`) assert.equal(row[c], `< ${k}`, `cell ${row[0]} × ${head[c]}`);
      else assert.equal(row[c], n.toLocaleString('en-US'), `cell ${row[0]} × ${head[c]}`);
    }
  }
  await close(h, g);
});

test('campaign measurement: the guest tightens k (highlighted for the host), then lift with its interval', async () => {
  const [h, g] = await pair();
  const invite = await hostUntilInvite(h, env.server.url, { template: 'measurement', file: hostFile, k: 20, group: 'Group', exposed: 'exposed', control: 'control', shots: 'page-measurement-host' });
  await guestUntilAccept(g, invite, { host: h, file: guestFile, shots: 'page-measurement-guest' }); // the guest's own k: 50
  await h.waitForSelector('[data-testid="changes"]:visible', { timeout: 30_000 });
  assert.match(await text(h, 'changes'), /threshold k 20 → 50/);
  assert.equal(await h.getAttribute('section[data-step="agree"] [data-testid="manifest"] [data-key="k"]', 'class'), 'row changed');
  await shot(h, 'page-measurement-host-3b-tightened');
  await h.click('[data-testid="accept-manifest"]');
  await Promise.all([waitReport(h), waitReport(g)]);
  await shot(h, 'page-measurement-host-4-report');
  assert.deepEqual([...h.problems, ...g.problems], []);
  let n1 = 0; let a = 0; let n2 = 0; let c = 0;
  host.forEach((r, i) => {
    if (r.group === 'exposed') { n1 += 1; if (i < SHARED) a += 1; } else { n2 += 1; if (i < SHARED) c += 1; }
  });
  const lift = (a / n1) / (c / n2) - 1;
  const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  assert.equal(await text(h, 'lift-value'), pct(lift));
  assert.equal(await text(g, 'lift-value'), pct(lift));
  assert.match(await text(h, 'lift'), /95% confidence interval \+\d+\.\d% to \+\d+\.\d%/);
  const audited = auditReport(env, await downloaded(g, '[data-action="download-json"]'), 'measurement-report.json');
  assert.equal(audited.status, 0, `${JSON.stringify(audited.out)} ${audited.stderr}`);
  await close(h, g);
});

test('audience with a suppression list: each side downloads its own matched rows, CSV-injection safe', async () => {
  // The host leaves out 50 shared customers (an opt-out list, written differently).
  const optOut = env.write('opt-out.csv', `email\n${Array.from({ length: 50 }, (_, i) => ` Person${100 + i}@EXAMPLE.com`).join('\n')}\n`);
  const [h, g] = await run('audience', { suppression: optOut }, {}, 'page-audience');
  const matched = SHARED - 50;
  assert.equal(await text(h, 'overlap-count'), String(matched));
  assert.equal(await text(g, 'overlap-count'), String(matched));
  const [download] = await Promise.all([h.waitForEvent('download'), h.click('[data-testid="download-audience"]')]);
  const csv = await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines[0], 'Email,Plan,Group,Note');
  assert.equal(lines.length, 1 + matched);
  assert.ok(lines.every((l, i) => i === 0 || /^person\d+@example\.com,/.test(l)), 'only shared rows');
  assert.ok(!lines.some((l) => l.startsWith('person120@')), 'no suppressed row');
  assert.ok(csv.includes(`"'=HYPERLINK(""http://x"")"`), 'a formula is neutralized');
  // The same rows in Google Customer Match's layout: its column names, normalized values.
  const [gg] = await Promise.all([h.waitForEvent('download'), h.click('[data-testid="download-audience-google"]')]);
  const glines = (await (await gg.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'))).trim().split(/\r?\n/);
  assert.equal(glines[0], 'Email');
  assert.equal(glines.length, 1 + matched);
  assert.ok(glines.slice(1).every((l) => /^person\d+@example\.com$/.test(l)), glines[1]);
  // Hashed: the SHA-256 hex of each normalized email.
  await h.check('[data-testid="audience-hashed"]');
  const [mh] = await Promise.all([h.waitForEvent('download'), h.click('[data-testid="download-audience-meta"]')]);
  const mlines = (await (await mh.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'))).trim().split(/\r?\n/);
  assert.equal(mlines[0], 'email');
  const sha = (v) => createHash('sha256').update(v).digest('hex');
  const emails = new Set(glines.slice(1).map(sha));
  assert.equal(mlines.length, 1 + matched);
  assert.ok(mlines.slice(1).every((l) => emails.has(l)), mlines[1]);
  const [gd] = await Promise.all([g.waitForEvent('download'), g.click('[data-testid="download-audience"]')]);
  const gcsv = await (await gd.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  assert.equal(gcsv.trim().split(/\r?\n/).length, 1 + matched);
  assert.match(gcsv, /^E-Mail,Region\r\n/);
  await close(h, g);
});

test('a POS export with title lines: the header row is detected, and the user can choose another', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `${7000 + i};member${i}@example.com;+44 7700 900${String(i).padStart(3, '0')}`);
  const file = env.write('pos-export.csv', `Loyalty members export\r\nGenerated 2024-03-01 09:00\r\nMember no;E-Mail;Mobile\r\n${rows.join('\r\n')}\r\n`);
  const h = await env.party('host');
  await h.goto(env.server.url);
  await h.locator('[data-testid="template"]').locator('input[value="overlap"]').check();
  await h.click('[data-testid="create-room"]');
  await h.setInputFiles('[data-testid="file-input"]', file);
  await h.waitForSelector('[data-testid="check-file"]:visible');
  assert.equal(await h.inputValue('[data-testid="header-row"]'), '3');
  assert.match(await h.innerText('[data-role="file-summary"]'), /header in row 3/);
  assert.equal(await h.inputValue('[data-testid="role-1"]'), 'email');
  assert.equal(await h.inputValue('[data-testid="role-0"]'), 'attribute', 'member numbers are not an identifier');
  assert.match(await h.getAttribute('th:has([data-testid="role-0"])', 'title'), /not an identifier/);
  // No header row: every row is data, columns are numbered.
  await h.selectOption('[data-testid="header-row"]', '0');
  await h.waitForFunction(() => [...document.querySelectorAll('[data-role="preview"] .col-name')].some((e) => e.textContent === 'column 2'));
  // Back to row 3, then the quality report counts the 40 members.
  await h.selectOption('[data-testid="header-row"]', '3');
  await h.waitForFunction(() => [...document.querySelectorAll('[data-role="preview"] .col-name')].some((e) => e.textContent === 'E-Mail'));
  await h.click('[data-testid="check-file"]');
  await h.waitForSelector('[data-testid="quality-records"]:visible');
  assert.equal(await h.innerText('[data-testid="quality-records"]'), '40');
  assert.deepEqual(h.problems, []);
  await close(h);
});

test('the canary itself catches every form of a leak', async () => {
  const { createHash } = await import('node:crypto');
  const email = '  PERSON7@Example.COM ';
  const forms = identifierForms([email]);
  const d = createHash('sha256').update('person7@example.com').digest();
  const leaks = [
    Buffer.from('x=person7%40example.com'), Buffer.from(`{"v":"${d.toString('hex')}"}`),
    Buffer.from(d.toString('base64')), Buffer.concat([Buffer.from([1, 2, 3]), d, Buffer.from([9])]), Buffer.from('PERSON7@Example.COM'),
  ];
  for (const data of leaks) assert.equal(canary([{ who: 't', kind: 'ws', url: 'u', data }], forms).length > 0, true, data.toString('latin1'));
  assert.deepEqual(canary([{ who: 't', kind: 'ws', url: 'u', data: Buffer.from('person8@example.com') }], forms), []);
});
