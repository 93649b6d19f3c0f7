// What leaves the page, and the output rules a marketer can pick. Both pages run a
// Segment-insights collaboration whose breakdown columns hold groups under k (a segment of
// one customer, a segment of a few) next to large ones; every WebSocket frame and every
// plaintext message both sessions seal or open is recorded, and no label of a group under
// k, no identifier and no SHA-256 of one may be in any. The pages' reports are audited
// by `cleanmatch audit` (the core's exact auditor), which must also fail on a report
// edited to leak. Then noise (ε) and IAB PAIR output rules chosen on the page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditReport, canary, guestUntilAccept, hostUntilInvite, identifierForms, setupPage, shot, tapSettled, waitReport } from './page-driver.mjs';

const K = 10;
const HOST_N = 2000;
const GUEST_N = 1500;
const SHARED = 600;
// Labels of groups under k: long enough that random bytes never spell one by chance.
// Each side: one segment of a single (matched) customer and one of 9 (5 matched); merged,
// they make an "(other)" of exactly k, so no large segment has to join it.
const HOST_SMALL = ['solo-vip-kx7q', 'tiny-pilot-kx7q'];
const GUEST_SMALL = ['remote-isle-kx7q', 'small-town-kx7q'];
const HOST_LARGE = ['gold', 'silver', 'bronze', 'trial'];
const GUEST_LARGE = ['north', 'south'];
// Typed by the host into the purpose, which travels in the proposal: a label that does
// leave, to show the check sees what the sealed frames hide.
const SENTINEL = 'sentinel-label-kx7q';

function hostPlan(i) {
  if (i === 5) return HOST_SMALL[0];
  if ((i >= 10 && i < 15) || (i >= 1500 && i < 1504)) return HOST_SMALL[1];
  // "trial": 20 records, 3 matched: its matched count is under k (suppressed, with a complement).
  if (i < 3 || (i >= 1000 && i < 1017)) return 'trial';
  return HOST_LARGE[i % 3];
}

function guestRegion(j) {
  if (j === 7) return GUEST_SMALL[0];
  if ((j >= 20 && j < 25) || (j >= 1200 && j < 1204)) return GUEST_SMALL[1];
  return GUEST_LARGE[j % 2];
}

const hostEmail = (i) => (i < SHARED ? `shopper${i}@example.com` : `host${i}@example.org`);
const guestEmail = (j) => (j < SHARED ? ` Shopper${j}@EXAMPLE.com` : `guest${j}@example.net`);

let env;
let files;

before(async () => {
  env = await setupPage();
  files = {
    host: env.write('customers.csv', `Email,Plan\n${Array.from({ length: HOST_N }, (_, i) => `${hostEmail(i)},${hostPlan(i)}`).join('\n')}\n`),
    guest: env.write('partner.csv', `Email,Region\n${Array.from({ length: GUEST_N }, (_, j) => `${guestEmail(j)},${guestRegion(j)}`).join('\n')}\n`),
  };
});

after(async () => { await env?.close(); });

const text = (page, id) => page.innerText(`[data-testid="${id}"]`);
const close = (...pages) => Promise.all(pages.map((p) => p.context_.close()));

async function downloaded(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return Buffer.concat(await (await d.createReadStream()).toArray()).toString('utf8');
}

const audit = (json, name) => auditReport(env, json, name);

/** Label forms grouped by length, as `canary` takes them. */
function forms(labels) {
  const byLength = new Map();
  for (const l of labels) {
    if (!byLength.has(l.length)) byLength.set(l.length, new Set());
    byLength.get(l.length).add(l);
  }
  return byLength;
}

function merge(...maps) {
  const out = new Map();
  for (const m of maps) for (const [len, set] of m) out.set(len, new Set([...(out.get(len) ?? []), ...set]));
  return out;
}

/** Host: create with these options; guest joins; the host accepts any change; both reports. */
async function collaborate(hostOpts, guestOpts, { tap = false, shots } = {}) {
  const h = await env.party('host', { tap });
  const g = await env.party('guest', { tap });
  const invite = await hostUntilInvite(h, env.server.url, { file: files.host, ...hostOpts, shots: shots && `${shots}-host` });
  await guestUntilAccept(g, invite, { host: h, file: files.guest, ...guestOpts, shots: shots && `${shots}-guest` });
  await h.waitForSelector('[data-testid="changes"]:visible, [data-testid="overlap-count"]:visible', { timeout: 60_000 });
  let changes = null;
  if (await h.isVisible('[data-testid="changes"]')) {
    changes = await text(h, 'changes');
    if (shots) await shot(h, `${shots}-host-3b-changes`);
    await h.click('[data-testid="accept-manifest"]');
  }
  await Promise.all([waitReport(h), waitReport(g)]);
  if (shots) {
    await shot(h, `${shots}-host-4-report`);
    await shot(g, `${shots}-guest-4-report`);
  }
  assert.deepEqual([...h.problems, ...g.problems], []);
  return { h, g, changes };
}

test('segment insights with groups under k: no small label and no identifier in any frame or plaintext message', async () => {
  const mark = env.sent.length;
  const { h, g } = await collaborate(
    { template: 'segments', k: K, group: 'Plan', purpose: `plans by region (${SENTINEL})` },
    { k: K, group: 'Region' },
    { tap: true, shots: 'page-privacy-segments' },
  );
  const tapped = [await tapSettled(h), await tapSettled(g)];
  const seen = env.sent.slice(mark);
  const plain = seen.filter((s) => s.kind.startsWith('plain-'));
  const frames = seen.filter((s) => s.kind === 'ws' || s.kind === 'ws-in');
  assert.equal(plain.length, tapped[0] + tapped[1]);
  // The tap is complete: what one session sealed is, message for message, what the other opened.
  const stream = (who, kind) => Buffer.concat(plain.filter((s) => s.who === who && s.kind === kind).map((s) => s.data));
  assert.ok(stream('host', 'plain-sent').length > HOST_N * 32, 'the host\'s blinded points are in its plaintext');
  assert.ok(stream('host', 'plain-sent').equals(stream('guest', 'plain-received')));
  assert.ok(stream('guest', 'plain-sent').equals(stream('host', 'plain-received')));

  // The check: no label of a group under k, no identifier in any form (as written,
  // normalized, SHA-256 in hex, base64 or raw bytes), in any frame or plaintext message.
  const emails = [...Array.from({ length: HOST_N }, (_, i) => hostEmail(i)), ...Array.from({ length: GUEST_N }, (_, j) => guestEmail(j))];
  const forbidden = merge(identifierForms(emails), forms([...HOST_SMALL, ...GUEST_SMALL]));
  const hits = canary([...plain, ...frames], forbidden);
  assert.deepEqual(hits.slice(0, 10), [], `${hits.length} hits`);

  // The check can fail: the same search over the same plaintext finds the large groups'
  // labels (sent in the set header, as the design allows) and the sentinel the host typed
  // into the purpose, a label that does leave; over the sealed frames alone it finds
  // neither, which is why a check of the frames alone could never fail.
  for (const label of [...HOST_LARGE, '(other)']) {
    assert.ok(canary(plain.filter((s) => s.who === 'host' && s.kind === 'plain-sent'), forms([label])).length > 0, `host sends ${label}`);
  }
  for (const label of GUEST_LARGE) {
    assert.ok(canary(plain.filter((s) => s.who === 'guest' && s.kind === 'plain-sent'), forms([label])).length > 0, `guest sends ${label}`);
  }
  const leaked = canary(plain, merge(forbidden, forms([SENTINEL])));
  assert.ok(leaked.length >= 2 && leaked.every((l) => l.includes(SENTINEL)), leaked.slice(0, 3).join('\n'));
  assert.ok(leaked.some((l) => l.startsWith('host plain-sent')) && leaked.some((l) => l.startsWith('guest plain-received')));
  assert.deepEqual(canary(frames, forms([SENTINEL, ...HOST_LARGE.filter((l) => l.length >= 5), ...GUEST_LARGE])), []);

  // The pages: small segments are merged into "(other)", which holds at least k records.
  for (const [page, who, small] of [[h, 'own', HOST_SMALL], [h, 'partner', GUEST_SMALL], [g, 'own', GUEST_SMALL], [g, 'partner', HOST_SMALL]]) {
    const labels = await page.locator(`[data-testid="segments-${who}"] tbody tr`).evaluateAll((rows) => rows.map((r) => r.dataset.segment));
    assert.ok(labels.includes('(other)'), `${who}: ${labels}`);
    for (const l of small) assert.ok(!labels.includes(l), `${l} is not shown`);
    const other = await page.locator(`[data-testid="segments-${who}"] tr[data-segment="(other)"] td`).allInnerTexts();
    assert.ok(Number(other[0].replaceAll(',', '')) >= K, `(other) holds ${other[0]}`);
  }
  assert.equal(await h.innerText('[data-testid="segments-own"] tr[data-segment="trial"] td:nth-child(3)'), `< ${K}`);
  // A page knows its own labels (its file preview shows them); the partner's small ones
  // are nowhere on it, and its own are not in its report.
  const [hostHtml, guestHtml] = [await h.content(), await g.content()];
  for (const small of GUEST_SMALL) assert.ok(!hostHtml.includes(small), `${small} is not on the host's page`);
  for (const small of HOST_SMALL) assert.ok(!guestHtml.includes(small), `${small} is not on the guest's page`);
  for (const [page, own] of [[h, HOST_SMALL], [g, GUEST_SMALL]]) {
    const report = await page.innerHTML('[data-testid="report"]');
    for (const small of own) assert.ok(!report.includes(small), `${small} is not in its own report`);
  }

  // The auditor passes on both pages' reports as downloaded, and fails on one edited to leak.
  const reports = [JSON.parse(await downloaded(h, '[data-action="download-json"]')), JSON.parse(await downloaded(g, '[data-action="download-json"]'))];
  for (const [i, json] of reports.entries()) {
    const r = audit(json, `report-${i}.json`);
    assert.equal(r.status, 0, `${JSON.stringify(r.out)} ${r.stderr}`);
    assert.deepEqual([r.out.audit, r.out.model, r.out.hash, r.out.k], ['pass', 'joint', 'matches', K]);
    assert.ok(r.out.suppressed >= 2, 'a primary and a complementary suppression');
  }
  // Edited: a complement shown with its true value gives trial away by subtraction (or,
  // if no complement is a named group, trial shown itself is a count under k).
  const edited = structuredClone(reports[0]);
  const groups = edited.report.figures.host.groups;
  const truth = (label) => Array.from({ length: SHARED }, (_, i) => hostPlan(i)).filter((p) => p === label).length;
  const complement = groups.find((x) => x.matched === null && HOST_LARGE.includes(x.label) && x.label !== 'trial');
  const target = complement ?? groups.find((x) => x.label === 'trial');
  target.matched = truth(target.label);
  const bad = audit(edited, 'report-edited.json');
  assert.equal(bad.status, 1, JSON.stringify(bad.out));
  assert.equal(bad.out.audit, 'fail');
  assert.match(bad.out.leak, complement ? /narrow/ : /under k/);
  assert.equal(bad.out.hash, 'differs', 'an edited report no longer hashes to its report_hash');
  await close(h, g);
});

test('the host picks noise (ε = 1) and IAB PAIR rules: both pages show "about … ± …" and whole-percent rates, downloads name the rules', async () => {
  // A guest list almost wholly in the host's: its match rate is above 85 %.
  const guestN = 1020;
  const shared = 1015;
  const guestFile = env.write('partner-pair.csv', `Email\n${Array.from({ length: guestN }, (_, j) => (j < shared ? `shopper${j}@example.com` : `other${j}@example.net`)).join('\n')}\n`);
  const hostFile = env.write('customers-pair.csv', `Email\n${Array.from({ length: HOST_N }, (_, i) => `shopper${i}@example.com`).join('\n')}\n`);
  const h = await env.party('host');
  const g = await env.party('guest');
  await h.goto(env.server.url);
  await h.click('[data-testid="create-room"]');
  await h.setInputFiles('[data-testid="file-input"]', hostFile);
  await h.waitForSelector('[data-testid="check-file"]:visible');
  await h.selectOption('[data-testid="epsilon"]', '1');
  assert.match(await h.innerText('#epsilon-text'), /×2\.7/);
  await h.selectOption('[data-testid="epsilon"]', '0.1');
  assert.match(await h.innerText('#epsilon-text'), /×1\.1/);
  await h.selectOption('[data-testid="epsilon"]', '1');
  assert.equal(await h.inputValue('[data-testid="min-records"]'), '100');
  await h.check('[data-testid="pair-rules"]');
  assert.equal(await h.inputValue('[data-testid="min-records"]'), '1000', 'PAIR implies lists of at least 1,000');
  await h.uncheck('[data-testid="pair-rules"]');
  assert.equal(await h.inputValue('[data-testid="min-records"]'), '100');
  await h.check('[data-testid="pair-rules"]');
  await shot(h, 'page-privacy-pair-host-2-file');
  await h.click('[data-testid="check-file"]');
  await h.waitForSelector('[data-testid="file-continue"]:visible', { timeout: 60_000 });
  await h.click('[data-testid="file-continue"]');
  await h.waitForFunction(() => document.querySelector('[data-testid="invite-link"]')?.value.includes('#k='), null, { timeout: 60_000 });
  // The host's proposal states the rules, PAIR with its minimum list size.
  const proposal = await h.innerText('[data-role="proposal"]');
  assert.match(proposal, /ε = 1/);
  assert.match(proposal, /IAB PAIR output rules[^]*at least 1,000 records/);
  assert.match(proposal, /1,000 to /, 'PAIR raises the smallest list to 1,000');
  await guestUntilAccept(g, await h.inputValue('[data-testid="invite-link"]'), { host: h, file: guestFile });
  await Promise.all([waitReport(h), waitReport(g)]);
  await shot(h, 'page-privacy-pair-host-4-report');
  await shot(g, 'page-privacy-pair-guest-4-report');
  assert.deepEqual([...h.problems, ...g.problems], []);

  const [hj, gj] = [JSON.parse(await downloaded(h, '[data-action="download-json"]')), JSON.parse(await downloaded(g, '[data-action="download-json"]'))];
  assert.equal(hj.report.report_hash, gj.report.report_hash, 'both pages hash the same noised figures');
  const f = hj.report.figures;
  const margin = hj.report.rule.noise.margin95;
  assert.equal(hj.report.rule.noise.epsilon, '1');
  assert.equal(hj.report.rule.pair, true);
  assert.ok(margin > 0);
  const shown = (n) => `about ${n.toLocaleString('en-US')} ± ${margin.toLocaleString('en-US')}`;
  // The noised counts are near the true ones (the margin is the 95 % one: 4× is ~10⁻⁵ off).
  assert.ok(Math.abs(f.host.matched - shared) <= 4 * margin, `host matched ${f.host.matched}`);
  assert.ok(Math.abs(f.guest.matched - shared) <= 4 * margin, `guest matched ${f.guest.matched}`);
  assert.equal(await text(h, 'overlap-count'), shown(f.host.matched));
  assert.equal(await text(g, 'overlap-count'), shown(f.guest.matched));
  assert.equal(await g.textContent('[data-testid="venn"] .venn-overlap'), `≈ ${f.guest.matched.toLocaleString('en-US')}`);
  // PAIR: whole percents, ">85%" above 85 %.
  const pct = (m, n) => (m * 100 > 85 * n ? '>85%' : `${Math.round((m / n) * 100)}%`);
  assert.equal(await text(h, 'own-rate'), pct(f.host.matched, HOST_N));
  assert.equal(await text(h, 'partner-rate'), pct(f.guest.matched, guestN));
  assert.equal(await text(g, 'own-rate'), '>85%');
  assert.equal(await text(g, 'partner-rate'), pct(f.host.matched, HOST_N));
  assert.match(await text(h, 'own-rate'), /^\d{1,2}%$/);
  for (const p of [h, g]) {
    assert.match(await text(p, 'noise-note'), /ε = 1/);
    assert.match(await text(p, 'disclosure-rule'), /ε = 1[^]*IAB Tech Lab PAIR output rules/);
  }
  // The downloads say which rules were applied.
  const html = await downloaded(g, '[data-testid="download-report"]');
  assert.match(html, /discrete Laplace noise of scale 13\.0 \(ε = 1/);
  assert.match(html, /IAB Tech Lab PAIR output rules/);
  assert.match(html, />&gt;85%</);
  assert.equal(hj.manifest.epsilon, '1');
  assert.equal(hj.manifest.pair, true);
  assert.match(hj.report.rule.text, /PAIR/);
  const receipt = JSON.parse(await downloaded(h, '[data-action="download-receipt"]'));
  assert.equal(receipt.disclosure_rule.noise.epsilon, '1');
  assert.equal(receipt.disclosure_rule.pair, true);
  // A noised report passes the auditor's rule for noise (no published count under k).
  const r = audit(hj, 'report-noised.json');
  assert.deepEqual([r.status, r.out.audit, r.out.model, r.out.hash], [0, 'pass', 'noised', 'matches']);
  await close(h, g);
});

test('the guest requires stronger noise and PAIR: the host sees both as changes, and they apply', async () => {
  const { h, g, changes } = await collaborate({ template: 'overlap' }, { epsilon: '0.5', pairRules: true }, { shots: 'page-privacy-guest-rules' });
  assert.match(changes, /random noise off → ε = 0\.5/);
  assert.match(changes, /IAB PAIR output rules off → on/);
  const json = JSON.parse(await downloaded(g, '[data-action="download-json"]'));
  assert.equal(json.manifest.epsilon, '0.5');
  assert.equal(json.manifest.pair, true);
  assert.equal(json.report.rule.noise.epsilon, '0.5');
  for (const p of [h, g]) {
    assert.match(await text(p, 'overlap-count'), /^about [\d,]+ ± [\d,]+$/);
    assert.match(await text(p, 'own-rate'), /^(\d{1,2}%|>85%)$/);
    assert.match(await text(p, 'disclosure-rule'), /ε = 0\.5[^]*PAIR/);
  }
  await close(h, g);
});

test('a breakdown column that looks like an identifier is refused while the file is checked, before anything is sent', async () => {
  const mark = env.sent.length;
  const file = env.write('with-ids.csv', `Email,Customer no,Plan\n${Array.from({ length: 300 }, (_, i) => `buyer${i}@example.com,C${String(i).padStart(6, '0')},${HOST_LARGE[i % 3]}`).join('\n')}\n`);
  const h = await env.party('host');
  await h.goto(env.server.url);
  await h.locator('[data-testid="template"]').locator('input[value="segments"]').check();
  await h.click('[data-testid="create-room"]');
  await h.setInputFiles('[data-testid="file-input"]', file);
  await h.waitForSelector('[data-testid="check-file"]:visible');
  await h.selectOption('[data-testid="group-column"]', 'Customer no');
  await h.click('[data-testid="check-file"]');
  await h.waitForSelector('[data-testid="error"]:visible');
  assert.equal(await h.getAttribute('[data-testid="error"]', 'data-code'), 'breakdown-identifier');
  assert.match(await text(h, 'error'), /looks like an identifier[^]*most of its values occur once/);
  assert.ok(await h.isDisabled('[data-testid="file-continue"]'));
  await shot(h, 'page-privacy-breakdown-identifier');
  // A column of segments is fine.
  await h.selectOption('[data-testid="group-column"]', 'Plan');
  await h.click('[data-testid="check-file"]');
  await h.waitForSelector('[data-testid="file-continue"]:visible');
  assert.ok(await h.isEnabled('[data-testid="file-continue"]'));
  assert.deepEqual(env.sent.slice(mark).filter((x) => x.kind.startsWith('ws')).map((x) => x.url), [], 'no connection to the relay yet');
  assert.deepEqual(h.problems, []);
  await close(h);
});

test('the canary over plaintext catches a leaked label in the wire encoding', () => {
  // A set header as the wire writes it: label length, label bytes, count.
  const header = Buffer.concat([Buffer.from([HOST_SMALL[0].length]), Buffer.from(HOST_SMALL[0]), Buffer.from([1, 0, 0, 0])]);
  assert.equal(canary([{ who: 't', kind: 'plain-sent', url: 'session', data: header }], forms(HOST_SMALL)).length, 1);
  assert.deepEqual(canary([{ who: 't', kind: 'plain-sent', url: 'session', data: Buffer.from('(other)') }], forms(HOST_SMALL)), []);
});
