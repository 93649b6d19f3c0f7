// Two pages complete a match through the real relay of `cleanmatch serve`: sealed
// handshake, manifest agreement, blinding in worker pools, the same report on both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openPage, screenshot, setup } from './harness.mjs';

let env;

before(async () => { env = await setup(); });
after(async () => env?.close());

test('host and guest pages reach the same report through the relay', async () => {
  const host = await openPage(env.browser, `${env.server.url}/collab.html`);
  const guest = await openPage(env.browser, `${env.server.url}/collab.html`);
  for (const p of [host, guest]) await p.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
  const relay = env.server.relay;

  const invite = await host.evaluate(async (relay) => {
    const c = await window.cm.createCollaboration({ relay, workers: 2, manifest: { keys: ['email'], k: 50 } });
    window.collab = c;
    c.addDigests({ email: await window.cm.digests(0, 600) }); // rows 0..599
    window.hostResult = c.connected
      .then(async ({ verificationCode }) => { window.code = verificationCode; await c.accept(); return c.report; })
      .then((r) => ({ ok: true, report: r, code: window.code }), (e) => ({ ok: false, code: e.code, message: e.message }));
    return c.inviteUrl;
  }, relay);
  assert.match(invite, /#k=/);

  const guestResult = await guest.evaluate(async ([relay, invite]) => {
    try {
      const c = await window.cm.joinCollaboration({ relay, invite, workers: 2 });
      c.addDigests({ email: await window.cm.digests(400, 500) }); // rows 400..899: 200 shared
      const { verificationCode } = await c.connected;
      await c.manifest;
      await c.accept();
      return { ok: true, report: await c.report, code: verificationCode };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, [relay, invite]);
  const hostResult = await host.evaluate(() => window.hostResult);
  await screenshot(host, 'collab-host');

  assert.ok(hostResult.ok, `host failed: ${hostResult.code} ${hostResult.message}`);
  assert.ok(guestResult.ok, `guest failed: ${guestResult.code} ${guestResult.message}`);
  assert.equal(hostResult.code, guestResult.code, 'verification codes differ');
  assert.equal(hostResult.report.report_hash, guestResult.report.report_hash);
  const f = hostResult.report.figures;
  assert.equal(f.host.records, 600);
  assert.equal(f.guest.records, 500);
  assert.equal(f.host.matched, 200);
  assert.equal(f.guest.matched, 200);
  assert.deepEqual([...host.problems, ...guest.problems], []);
});
