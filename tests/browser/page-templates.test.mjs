// The page end to end, as two people use it: host and guest in separate browser
// contexts, through the real relay of `cleanmatch serve`, one test per template with
// figures known from the generated files, and the privacy canary over everything both
// pages sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  canary, guestCsv, guestRows, guestUntilAccept, hostCsv, hostRows, hostUntilInvite, identifierForms, setupPage, shot, waitReport,
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
  await env?.close();
  assert.ok(frames >= 10, `the canary saw only ${frames} WebSocket frames`);
  assert.deepEqual(hits.slice(0, 10), [], `identifiers left the page (${hits.length} hits)`);
});

const text = (page, id) => page.innerText(`[data-testid="${id}"]`);

async function pair(shots) {
  const h = await env.party('host');
  const g = await env.party('guest');
  return [h, g, shots];
}

test('overlap: both pages show 600 shared, 30% and 40%, and agreeing hashes', async () => {
  const [h, g] = await pair();
  const invite = await hostUntilInvite(h, env.server.url, { file: hostFile, purpose: 'size the overlap', shots: 'page-host' });
  assert.match(invite, /^http:\/\/127\.0\.0\.1:\d+\/#k=[A-Za-z0-9_-]{43}$/);
  await guestUntilAccept(g, invite, { file: guestFile, shots: 'page-guest' });
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
  assert.deepEqual([...h.problems, ...g.problems], []);
});

async function run(template, hostOpts, guestOpts, shots) {
  const [h, g] = await pair();
  const invite = await hostUntilInvite(h, env.server.url, { template, file: hostFile, ...hostOpts, shots: shots && `${shots}-host` });
  await guestUntilAccept(g, invite, { file: guestFile, ...guestOpts, shots: shots && `${shots}-guest` });
  await Promise.all([waitReport(h), waitReport(g)]);
  if (shots) {
    await shot(h, `${shots}-host-4-report`);
    await shot(g, `${shots}-guest-4-report`);
  }
  assert.deepEqual([...h.problems, ...g.problems], []);
  return [h, g];
}

const close = (...pages) => Promise.all(pages.map((p) => p.context_.close()));

test('segment insights: per-segment counts, "< k" for a small cell, index against the overall rate', async () => {
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
  for (const [label, e] of expected) {
    const row = h.locator(`[data-testid="segments-own"] tr[data-segment="${label}"] td`);
    const cells = await row.allInnerTexts();
    assert.equal(cells[0], e.records.toLocaleString('en-US'), `${label} records`);
    if (e.matched < k) {
      assert.equal(cells[1], `< ${k}`, `${label} is suppressed`);
    } else {
      assert.equal(cells[1], e.matched.toLocaleString('en-US'), `${label} matched`);
      assert.equal(cells[3], String(Math.round((e.matched / e.records / overall) * 100)), `${label} index`);
    }
  }
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
      assert.equal(row[c], n >= k ? n.toLocaleString('en-US') : `< ${k}`, `cell ${row[0]} × ${head[c]}`);
    }
  }
  await close(h, g);
});

test('campaign measurement: lift and its confidence interval from exposed/control × converted', async () => {
  const [h, g] = await run('measurement', { group: 'Group', exposed: 'exposed', control: 'control' }, {}, 'page-measurement');
  let n1 = 0; let a = 0; let n2 = 0; let c = 0;
  host.forEach((r, i) => {
    if (r.group === 'exposed') { n1 += 1; if (i < SHARED) a += 1; } else { n2 += 1; if (i < SHARED) c += 1; }
  });
  const lift = (a / n1) / (c / n2) - 1;
  const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  assert.equal(await text(h, 'lift-value'), pct(lift));
  assert.equal(await text(g, 'lift-value'), pct(lift));
  assert.match(await text(h, 'lift'), /95% confidence interval \+\d+\.\d% to \+\d+\.\d%/);
  await close(h, g);
});

test('audience: both opted in; each side downloads its own matched rows, CSV-injection safe', async () => {
  const [h, g] = await run('audience', {}, {}, 'page-audience');
  assert.equal(await text(h, 'overlap-count'), '600');
  const [download] = await Promise.all([h.waitForEvent('download'), h.click('[data-testid="download-audience"]')]);
  const csv = await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines[0], 'Email,Plan,Group,Note');
  assert.equal(lines.length, 1 + SHARED);
  assert.ok(lines.every((l, i) => i === 0 || /^person\d+@example\.com,/.test(l)), 'only shared rows');
  assert.ok(csv.includes(`"'=HYPERLINK(""http://x"")"`), 'a formula is neutralized');
  const [gd] = await Promise.all([g.waitForEvent('download'), g.click('[data-testid="download-audience"]')]);
  const gcsv = await (await gd.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  assert.equal(gcsv.trim().split(/\r?\n/).length, 1 + SHARED);
  await close(h, g);
});
