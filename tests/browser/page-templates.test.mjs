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
  await g.waitForSelector('[data-testid="progress"]:visible', { timeout: 30_000 }).catch(() => {});
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
